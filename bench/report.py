"""The results: ratios to the floor, the targets, a Rich table and the raw JSON."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.measure import Latency, Sample, Throughput, percentile

PATHS = ("floor", "seed", "rest", "grpc", "distributed")
# The targets: latency and throughput relative to the floor, speed-up over the seed, memory.
P50_MAX_RATIO = 1.25
P95_MAX_RATIO = 1.6
THROUGHPUT_MIN_RATIO = 0.85
SEED_MIN_SPEEDUP = 15.0
RSS_MAX_MB = 200.0
# Scale-out (issue 14) against the embedded server on the same machine: the queue's added p50, and throughput.
DISTRIBUTED_P50_MAX_ADDED_S = 0.030
DISTRIBUTED_THROUGHPUT_MIN_RATIO = 0.9


@dataclass
class Results:
    meta: dict[str, Any]
    latency: dict[str, Latency] = field(default_factory=dict)
    throughput: dict[str, Throughput] = field(default_factory=dict)
    service_memory: dict[str, float] | None = None
    phases: Latency | None = None

    def p50_ratio(self, path: str) -> float | None:
        return _ratio(self.latency.get(path), self.latency.get("floor"), lambda s: s.p50)

    def p95_ratio(self, path: str) -> float | None:
        return _ratio(self.latency.get(path), self.latency.get("floor"), lambda s: s.p95)

    def throughput_ratio(self, path: str) -> float | None:
        mine, floor = self.throughput.get(path), self.throughput.get("floor")
        return mine.per_s / floor.per_s if mine and floor else None

    def seed_speedup(self, path: str) -> float | None:
        """Seed p50 over ``path``'s p50 on the same exercises (the seed runs a subset)."""
        seed, mine = self.latency.get("seed"), self.latency.get(path)
        if not seed or not mine:
            return None
        names = {s.exercise for s in seed.samples}
        same = [s.seconds for s in mine.samples if s.exercise in names]
        return seed.p50 / percentile(same, 50) if same else None

    def api_overhead(self, path: str) -> float | None:
        """Mean client latency minus the server's own created→finished time: HTTP, JSON, the event loop."""
        latency = self.latency.get(path)
        key = "server_created_to_finished"
        gaps = [s.seconds - s.phases[key] for s in latency.samples if key in s.phases] if latency else []
        return statistics.fmean(gaps) if gaps else None

    def distributed_overhead(self) -> dict[str, float] | None:
        """What the distributed path adds over ``rest``, in seconds: medians of the same
        exercise run on both back to back (``interleaved``), of the server's queued part
        (created→started) and of what lies outside the server's created→finished (request,
        admission and insert before; the answer's way back after). The grading itself
        varies by tens of ms between two runs of one exercise under load, which the p50
        difference carries and these leave out; the target is still read on the p50s."""
        embedded, distributed = self.latency.get("rest"), self.latency.get("distributed")
        if not embedded or not distributed or len(embedded.samples) != len(distributed.samples):
            return None
        pairs = list(zip(embedded.samples, distributed.samples, strict=True))
        if any(a.exercise != b.exercise for a, b in pairs):
            return None

        def added(part: Callable[[Sample], float]) -> float:
            return statistics.median(part(b) for _, b in pairs) - statistics.median(part(a) for a, _ in pairs)

        return {
            "paired_median_s": statistics.median(b.seconds - a.seconds for a, b in pairs),
            "queued_s": added(lambda s: s.phases.get("server_queued", 0.0)),
            "outside_s": added(lambda s: s.seconds - s.phases.get("server_created_to_finished", s.seconds)),
        }

    def targets(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        concurrency = self.meta["concurrency"]
        for path in ("rest", "grpc"):
            if path in self.latency or path in self.throughput:
                rows += [
                    _target(f"{path} p50 vs floor", self.p50_ratio(path), P50_MAX_RATIO, at_most=True),
                    _target(f"{path} p95 vs floor", self.p95_ratio(path), P95_MAX_RATIO, at_most=True),
                    _target(
                        f"{path} throughput @{concurrency} vs floor",
                        self.throughput_ratio(path),
                        THROUGHPUT_MIN_RATIO,
                        at_most=False,
                    ),
                    _target(f"{path} p50 speed-up over seed", self.seed_speedup(path), SEED_MIN_SPEEDUP, at_most=False),
                ]
        embedded, distributed = self.latency.get("rest"), self.latency.get("distributed")
        if embedded and distributed:
            added = distributed.p50 - embedded.p50
            rows.append(
                _target("distributed p50 added over rest (s)", added, DISTRIBUTED_P50_MAX_ADDED_S, at_most=True)
            )
        mine, theirs = self.throughput.get("distributed"), self.throughput.get("rest")
        if mine and theirs:
            ratio = mine.per_s / theirs.per_s
            rows.append(
                _target("distributed throughput vs rest", ratio, DISTRIBUTED_THROUGHPUT_MIN_RATIO, at_most=False)
            )
        if self.service_memory is not None:
            rows.append(_target("service peak RSS (MB)", self.service_memory["peak_mb"], RSS_MAX_MB, at_most=True))
        return rows

    def to_json(self) -> dict[str, Any]:
        paths: dict[str, Any] = {}
        for path in PATHS:
            entry: dict[str, Any] = {}
            if path in self.latency:
                entry["sequential"] = self.latency[path].to_json()
            if path in self.throughput:
                entry["concurrent"] = self.throughput[path].to_json()
            if entry and path != "floor":
                entry["vs_floor"] = {
                    "p50": self.p50_ratio(path),
                    "p95": self.p95_ratio(path),
                    "throughput": self.throughput_ratio(path),
                }
            if entry:
                paths[path] = entry
        return {
            "meta": self.meta,
            "paths": paths,
            "rest_api_overhead_s": self.api_overhead("rest"),
            "distributed_overhead": self.distributed_overhead(),
            "service_memory": self.service_memory,
            "phases": self.phases.to_json() if self.phases else None,
            "targets": self.targets(),
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")


def _ratio(mine: Latency | None, floor: Latency | None, stat: Any) -> float | None:
    return stat(mine) / stat(floor) if mine and floor else None


def _target(name: str, value: float | None, goal: float, *, at_most: bool) -> dict[str, Any]:
    met = None if value is None else (value <= goal if at_most else value >= goal)
    return {"target": name, "goal": f"{'≤' if at_most else '≥'} {goal:g}", "measured": value, "met": met}


# ---- rendering ------------------------------------------------------------------------


def render(results: Results, console: Console) -> None:
    console.print(_paths_table(results))
    console.print(_targets_table(results))
    overhead = results.distributed_overhead()
    if overhead is not None:
        console.print(
            "distributed over rest, medians: same exercise back to back "
            f"{overhead['paired_median_s'] * 1000:+.1f} ms; queued (created→started) "
            f"{overhead['queued_s'] * 1000:+.1f} ms; outside the server's created→finished "
            f"{overhead['outside_s'] * 1000:+.1f} ms"
        )
    if results.phases is not None:
        console.print(_phases_table(results))
    if results.meta.get("py_spy_top_frames"):
        table = Table(title="Server stacks during the API runs (py-spy, leaf frames, idle excluded)")
        table.add_column("frame")
        table.add_column("share", justify="right")
        for row in results.meta["py_spy_top_frames"]:
            table.add_row(str(row["frame"]), f"{row['share']:.0%}")
        console.print(table)


def _paths_table(results: Results) -> Table:
    concurrency = results.meta["concurrency"]
    table = Table(title="coderunner vs the floor (seconds; ratios: lower is better for latency)")
    columns = ("path", "n", "p50 s", "p95 s", "p50 ×floor", "p95 ×floor", f"subm/s @{concurrency}", "×floor")
    for column in (*columns, "CPU s/subm"):
        table.add_column(column, justify="left" if column == "path" else "right")
    for path in PATHS:
        latency, throughput = results.latency.get(path), results.throughput.get(path)
        if latency is None and throughput is None:
            continue
        table.add_row(
            path,
            str(len(latency.samples)) if latency else "–",
            _num(latency.p50 if latency else None),
            _num(latency.p95 if latency else None),
            _times(results.p50_ratio(path)) if path != "floor" else "1×",
            _times(results.p95_ratio(path)) if path != "floor" else "1×",
            _num(throughput.per_s if throughput else None, 2),
            _times(results.throughput_ratio(path)) if path != "floor" else "1×",
            _num(throughput.cpu_per_submission if throughput else None, 2),
        )
    return table


def _targets_table(results: Results) -> Table:
    table = Table(title="Targets")
    for column in ("target", "goal", "measured", "met"):
        table.add_column(column)
    for row in results.targets():
        value = row["measured"]
        plain = "MB" in row["target"] or "(s)" in row["target"]  # a quantity, not a ratio
        shown = "–" if value is None else (f"{value:.3g}" if plain else _times(value))
        goal = row["goal"] if plain else row["goal"] + "×"
        met = {True: "[green]yes[/green]", False: "[red]NO[/red]", None: "–"}[row["met"]]
        table.add_row(row["target"], goal, shown, met)
    return table


def _phases_table(results: Results) -> Table:
    assert results.phases is not None
    table = Table(title="Where coderunner's time goes (in-process pipeline, mean per submission)")
    table.add_column("part")
    table.add_column("mean s", justify="right")
    table.add_column("share", justify="right")
    table.add_column("floor equivalent", justify="right")
    means = results.phases.phase_means()
    total = statistics.fmean(s.seconds for s in results.phases.samples)
    floor = _floor_phase_means(results, {s.exercise for s in results.phases.samples})
    equivalent = {"exec_compile": floor.get("compile"), "exec_run": floor.get("run")}
    for name, value in means.items():
        if name in ("sandbox",):
            continue
        table.add_row(name, _num(value), f"{value / total:.0%}", _num(equivalent.get(name)))
    table.add_row("[bold]total[/bold]", _num(total), "100%", _num(floor.get("total")))
    overhead = results.api_overhead("rest")
    if overhead is not None:
        table.caption = f"REST adds {overhead * 1000:.0f} ms on top (client latency − server's created→finished)"
    return table


def _floor_phase_means(results: Results, names: set[str]) -> dict[str, float]:
    floor = results.latency.get("floor")
    if floor is None:
        return {}
    samples = [s for s in floor.samples if s.exercise in names]
    if not samples:
        return {}
    means = Latency(tuple(samples)).phase_means()
    means["total"] = statistics.fmean(s.seconds for s in samples)
    return means


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _times(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"
