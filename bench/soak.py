"""``python -m bench.soak``: full concurrency for N minutes, then nothing may be left behind.

Runs the real server (bench/server.py) with the chosen isolation mode and keeps
``--concurrency`` clients submitting the workload (all its languages) for ``--minutes``.
Then it stops the server and checks: no container of its instance, no process running
as one of its sandbox UIDs, no mount and no root filesystem directory of any of its
containers seen during the run (sampled every 2 s), no temporary folder of the server left, and the server's RSS flat
(the mean of the last third of the run within ``--rss-growth-mb`` of the middle third's).
Exits 1 when any check fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import docker
import docker.errors

from bench.clients import RestClient
from bench.grading import NotAcceptedError
from bench.server import BenchServer, _status_kb
from bench.workload import load_workload

RSS_EVERY_S = 2.0
# A UID range of the soak's own, so that other sandboxes on the host (tests, another
# service) are not counted as its leftovers.
UID_BASE = 1_500_000
UID_SPAN = 2 * 4096


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--isolation", choices=("container", "namespaces"), default="namespaces")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rss-growth-mb", type=float, default=20.0)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    client = docker.from_env()
    root = str(client.info()["DockerRootDir"])
    before = _footprint(client, root)
    exercises = load_workload()
    counts: Counter[str] = Counter()
    rss: list[tuple[float, int]] = []
    layers: dict[str, str] = {}  # container id → its root filesystem's directory on the host
    env = {
        "CODERUNNER_ISOLATION": args.isolation,
        "CODERUNNER_SLOTS": str(args.concurrency),
        "CODERUNNER_UID_BASE": str(UID_BASE),
    }
    with BenchServer(extra_env=env) as server:
        instance, folder = server.instance, server.folder
        deadline = time.monotonic() + args.minutes * 60
        stop = threading.Event()

        def submit_until_deadline(offset: int) -> None:
            rest = RestClient(server.http_url)
            try:
                for i in range(offset, 1 << 30):
                    if time.monotonic() >= deadline:
                        return
                    try:
                        rest.run(exercises[i % len(exercises)])
                        counts["accepted"] += 1
                    except NotAcceptedError as exc:
                        counts["wrong_verdict"] += 1
                        print(f"wrong verdict: {exc}")
            finally:
                rest.close()

        clients = [threading.Thread(target=submit_until_deadline, args=(i * 7,)) for i in range(args.concurrency)]
        for thread in clients:
            thread.start()
        while any(thread.is_alive() for thread in clients):
            rss.append((time.monotonic(), _status_kb(server.pid, "VmRSS")))
            _note_layers(client, instance, layers)
            stop.wait(RSS_EVERY_S)
        for thread in clients:
            thread.join()
    after = _footprint(client, root)
    mountinfo = Path("/proc/self/mountinfo").read_text()
    left = [
        c["Id"][:12] for c in client.api.containers(all=True, filters={"label": f"org.coderunner.instance={instance}"})
    ]
    checks = {
        "submissions answered with the expected verdict": counts["wrong_verdict"] == 0 and counts["accepted"] > 0,
        "no container of the server's instance left": not left,
        "no process running as a sandbox UID": not after["sandbox_processes"],
        "no mount of its containers left": not [d for d in layers.values() if d in mountinfo],
        "no root filesystem of its containers left": not [d for d in layers.values() if Path(d).parent.exists()],
        "no server temporary folder left": not folder.exists(),
        "server RSS flat": _rss_flat(rss, args.rss_growth_mb),
    }
    print(f"{args.isolation}, {args.minutes} min, {args.concurrency} clients: {dict(counts)}")
    print(f"before: {before}\nafter:  {after}\nleft containers: {left}")
    print(f"server RSS (MB) by thirds: {_thirds_mb(rss)}; containers seen: {len(layers)}")
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


def _note_layers(client: docker.DockerClient, instance: str, layers: dict[str, str]) -> None:
    """Remembers the root filesystem directory of each container of ``instance`` seen now
    (a single-use one may come and go between two looks)."""
    for entry in client.api.containers(all=True, filters={"label": f"org.coderunner.instance={instance}"}):
        if entry["Id"] not in layers:
            try:
                merged = client.api.inspect_container(entry["Id"])["GraphDriver"]["Data"]["MergedDir"]
            except (docker.errors.NotFound, KeyError, TypeError):
                continue
            layers[entry["Id"]] = str(merged)


def _footprint(client: docker.DockerClient, root: str) -> dict[str, int]:
    mounts = Path("/proc/self/mountinfo").read_text().splitlines()
    return {
        "containers": len(client.api.containers(all=True)),
        "mounts": sum(root in line for line in mounts),
        "sandbox_processes": len(_sandbox_processes()),
    }


def _sandbox_processes() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        uid_line = next((line for line in status.splitlines() if line.startswith("Uid:")), "Uid: 0")
        if UID_BASE <= int(uid_line.split()[1]) < UID_BASE + UID_SPAN:
            found.append(int(entry))
    return found


def _thirds_mb(rss: list[tuple[float, int]]) -> list[float]:
    third = max(1, len(rss) // 3)
    parts = [rss[:third], rss[third : 2 * third], rss[2 * third :]]
    return [round(statistics.mean(kb for _, kb in part) / 1024, 1) if part else 0.0 for part in parts]


def _rss_flat(rss: list[tuple[float, int]], growth_mb: float) -> bool:
    """The first third is warm-up (pools, imports); the last must not grow past the middle."""
    _, middle, last = _thirds_mb(rss)
    return last - middle <= growth_mb


if __name__ == "__main__":
    raise SystemExit(main())
