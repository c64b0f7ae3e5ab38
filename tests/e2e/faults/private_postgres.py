"""A PostgreSQL server of the test's own, which it may stop and start at will.

The PostgreSQL the suite shares (scripts/start-postgres.sh) must never be stopped: other
tests and other people use it. This one lives in a temporary folder, listens on a free
port of 127.0.0.1, trusts local connections, and runs Debian's binaries
(/usr/lib/postgresql/<version>/bin) as the ``postgres`` user when the tests run as root
(as in CI), since PostgreSQL refuses to run as root; otherwise as the current user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from private_server import free_port, log_tail

ROLE = "coderunner"


def postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL ``bin`` folder, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


class PrivatePostgres:
    """``start()``, ``stop()``, ``start()`` again (same port, same data), then ``destroy()``."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="coderunner-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self._owner is not None:
            os.chown(self.folder, self._owner.pw_uid, self._owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", ROLE, "--auth=trust", "-E", "UTF8", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"), "-w", "start")

    def stop(self) -> None:
        """A fast shutdown: open sessions are cut, as when the database host goes away."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self) -> str:
        return log_tail(self.folder / "server.log")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self._owner is not None:
            command = ["runuser", "-u", self._owner.pw_name, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip()}\n{self.log_tail()}")
