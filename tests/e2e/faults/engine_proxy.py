"""A unix socket in front of the Docker engine's, which a test can cut and restore.

The tests may not stop a shared engine; a server pointed at this proxy loses its engine
when the proxy is cut (every open connection, exec streams included, is broken, and
new connections are refused) and finds it again when the proxy is restored.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from pathlib import Path


def engine_socket() -> str | None:
    """The path of the engine's unix socket (DOCKER_HOST or the default); None for a TCP engine."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    return host.removeprefix("unix://") if host.startswith("unix://") else None


class EngineProxy:
    """Forwards every connection made to ``path`` to the engine socket ``target``."""

    def __init__(self, target: str, path: Path) -> None:
        self.target = target
        self.path = path
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def docker_host(self) -> str:
        return f"unix://{self.path}"

    def start(self) -> EngineProxy:
        """Listens (again) at ``path``."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), name="engine-proxy", daemon=True).start()
        return self

    def cut(self) -> None:
        """The engine becomes unreachable: open connections break, new ones are refused."""
        listener, self._listener = self._listener, None
        if listener is not None:
            # The file stays: connecting to a socket nobody listens on is refused, as with a stopped engine.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            listener.close()
        with self._lock:
            broken, self._open = set(self._open), set()
        for sock in broken:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.cut()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by cut()
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(self.target)
            except OSError:
                client.close()
                upstream.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            done = threading.Barrier(2, action=lambda pair=(client, upstream): self._forget(pair))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink, done), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, done: threading.Barrier) -> None:
        """Copies one direction; an end of stream is passed on as a half-close (exec stdin needs it)."""
        try:
            while chunk := source.recv(1 << 16):
                sink.sendall(chunk)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            # One side broke: break the other too.
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        done.wait()  # the last of the two directions closes both sockets

    def _forget(self, pair: tuple[socket.socket, socket.socket]) -> None:
        with self._lock:
            self._open.difference_update(pair)
        for sock in pair:
            sock.close()
