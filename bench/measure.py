"""Timing: one sample per submission, sequential latency series and concurrent throughput."""

from __future__ import annotations

import math
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Sample:
    """One graded submission: its latency and, where the path knows them, its phases (seconds)."""

    exercise: str
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Latency:
    """Sequential runs: one submission at a time."""

    samples: tuple[Sample, ...]

    @property
    def p50(self) -> float:
        return percentile([s.seconds for s in self.samples], 50)

    @property
    def p95(self) -> float:
        return percentile([s.seconds for s in self.samples], 95)

    def phase_means(self) -> dict[str, float]:
        names = sorted({name for s in self.samples for name in s.phases})
        return {n: statistics.fmean(s.phases.get(n, 0.0) for s in self.samples) for n in names}

    def to_json(self) -> dict[str, Any]:
        values = [s.seconds for s in self.samples]
        return {
            "count": len(values),
            "p50_s": self.p50,
            "p95_s": self.p95,
            "mean_s": statistics.fmean(values),
            "min_s": min(values),
            "max_s": max(values),
            "phase_means_s": self.phase_means(),
            "samples": [{"exercise": s.exercise, "seconds": s.seconds, "phases": s.phases} for s in self.samples],
        }


@dataclass(frozen=True)
class Throughput:
    """``count`` submissions graded by ``concurrency`` clients in ``wall_s``.

    ``cpu_s`` is the whole machine's busy CPU time meanwhile (every process: compilers,
    the engine, the server, and anything else running), so ``cpu_per_submission`` shows
    what a path costs beyond its wall time.
    """

    concurrency: int
    count: int
    wall_s: float
    cpu_s: float = 0.0

    @property
    def per_s(self) -> float:
        return self.count / self.wall_s

    @property
    def cpu_per_submission(self) -> float:
        return self.cpu_s / self.count

    def to_json(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "count": self.count,
            "wall_s": self.wall_s,
            "per_s": self.per_s,
            "machine_cpu_s": self.cpu_s,
            "machine_cpu_s_per_submission": self.cpu_per_submission,
        }


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    """
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def sequential(run: Callable[[T], Sample], items: Iterable[T]) -> Latency:
    return Latency(tuple(run(item) for item in items))


def interleaved(runners: Mapping[str, Callable[[T], Sample]], items: Sequence[T]) -> dict[str, Latency]:
    """Sequential latency of several paths, taking turns item by item (the order rotates).

    Load from elsewhere on the machine drifts over minutes; taking turns exposes every
    path to the same drift, so their ratios hold even when the absolute numbers move.
    """
    names = list(runners)
    samples: dict[str, list[Sample]] = {name: [] for name in names}
    for index, item in enumerate(items):
        turn = index % len(names)
        for name in names[turn:] + names[:turn]:
            samples[name].append(runners[name](item))
    return {name: Latency(tuple(found)) for name, found in samples.items()}


def interleaved_throughput(
    runners: Mapping[str, Callable[[T], Sample]], items: Sequence[T], concurrency: int, rounds: int
) -> dict[str, Throughput]:
    """Throughput of several paths, one block of ``items`` per path per round, order reversed each round."""
    names = list(runners)
    blocks: dict[str, list[Throughput]] = {name: [] for name in names}
    for round_ in range(rounds):
        for name in names if round_ % 2 == 0 else reversed(names):
            blocks[name].append(concurrent(runners[name], items, concurrency))
    return {
        name: Throughput(
            concurrency, sum(b.count for b in done), sum(b.wall_s for b in done), sum(b.cpu_s for b in done)
        )
        for name, done in blocks.items()
    }


def concurrent(run: Callable[[T], Sample], items: Sequence[T], concurrency: int) -> Throughput:
    """Runs ``items`` on ``concurrency`` threads, each taking the next item when it is free."""
    lock = threading.Lock()
    queue = list(reversed(items))

    def client() -> None:
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            run(item)

    start, cpu_start = time.perf_counter(), machine_busy_cpu_s()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(client) for _ in range(concurrency)]:
            future.result()
    return Throughput(concurrency, len(items), time.perf_counter() - start, machine_busy_cpu_s() - cpu_start)


def machine_busy_cpu_s() -> float:
    """CPU time all CPUs spent busy since boot (/proc/stat: all but idle and iowait)."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    idle, iowait = ticks[3], ticks[4]
    # guest time (fields 9, 10) is already counted in user and nice.
    return (sum(ticks[:8]) - idle - iowait) / os.sysconf("SC_CLK_TCK")
