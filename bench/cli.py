"""``python -m bench``: measure the floor, the seed design and coderunner in one run."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import docker
from rich.console import Console

from bench.grading import NotAcceptedError
from bench.measure import Latency, Sample, interleaved, interleaved_throughput, sequential
from bench.report import Results, render
from bench.workload import Exercise, load_workload, spread

PARTS = ("floor", "seed", "rest", "grpc", "distributed", "phases")
DEFAULT_OUTPUT = Path(__file__).parent / "results" / "latest.json"
WARMUP = 2  # exercises run, untimed, on each path before the measurements
console = Console()

Runner = Callable[[Exercise], Sample]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Measure the floor, the seed design and coderunner in one run."
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 6 exercises, 1 round, 1 seed exercise")
    parser.add_argument(
        "--language", default="cpp", help="the workload's language, measured against its own floor (cpp)"
    )
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the workload per measurement (2)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients for throughput (4)")
    parser.add_argument("--seed-count", type=int, default=5, help="function exercises run the seed's way (5)")
    parser.add_argument("--py-spy", action="store_true", help="sample the server with py-spy (pip install py-spy)")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the server, e.g. CODERUNNER_SLOTS=4 (repeatable; default: the service's defaults)",
    )
    parser.add_argument(
        "--isolation",
        choices=("container", "namespaces"),
        help="the server's CODERUNNER_ISOLATION (default: the service's default); the seed design runs beside it",
    )
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("CODERUNNER_BENCH_BROKER_URL", "redis://127.0.0.1:6379/0"),
        help="Redis for the distributed path: an API node and 2 workers (scripts/start-redis.sh starts one)",
    )
    parser.add_argument(
        "--distributed-database-url",
        default=None,
        help="the distributed path's shared database (default: a SQLite file of its own)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"raw JSON ({DEFAULT_OUTPUT.name})")
    args = parser.parse_args(argv)
    args.only = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = sorted(set(args.only) - set(PARTS))
    if unknown:
        parser.error(f"--only: unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    if args.rounds < 1 or args.concurrency < 1 or args.seed_count < 1:
        parser.error("--rounds, --concurrency and --seed-count must be at least 1")
    if any("=" not in item for item in args.server_env):
        parser.error("--server-env takes NAME=VALUE")
    args.server_env = dict(item.split("=", 1) for item in args.server_env)
    if args.isolation:
        args.server_env["CODERUNNER_ISOLATION"] = args.isolation
        os.environ["CODERUNNER_ISOLATION"] = args.isolation  # the in-process phases profile too
    if args.quick:
        args.rounds, args.seed_count = 1, 1
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the mounted /proc, the export, the server and containers are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return _run(args)
    except NotAcceptedError as exc:
        console.print(f"[red]measurement void:[/red] {exc}")
        return 1


def _run(args: argparse.Namespace) -> int:
    from coderunner.languages.registry import get_language
    from coderunner.logs import configure_logging
    from coderunner.sandbox.engine import connect
    from coderunner.sandbox.images import ImageBuilder

    exercises = [e for e in load_workload() if e.language == args.language]
    if not exercises:
        console.print(f"[red]no {args.language!r} exercises in the workload[/red]")
        return 2
    if args.language != "cpp" and "seed" in args.only:
        console.print("the seed design compiles C++ only: skipped")
        args.only.remove("seed")
    if args.quick:
        exercises = spread(exercises, 6)
    configure_logging("json", "warning")  # the in-process pipeline's per-execution lines would drown the report
    client = connect()
    image_id = ImageBuilder(client).ensure(get_language(args.language).image).id or ""
    results = Results(meta=_meta(args, exercises, image_id))
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1) / 2:
        console.print(f"[yellow]warning: load average {load:.1f} on {os.cpu_count()} CPUs: expect noise[/yellow]")
    started = time.perf_counter()
    _measure_paths(results, args, client, image_id, exercises)
    if "phases" in args.only:
        from bench.phases import profile

        with _step("where the time goes: the pipeline in-process, one pass"):
            results.phases = Latency(tuple(profile(exercises)))
    results.meta["duration_s"] = time.perf_counter() - started
    results.meta["load_average_end"] = os.getloadavg()
    render(results, console)
    results.write(args.output)
    console.print(f"raw numbers: {args.output}")
    return 0


def _measure_paths(
    results: Results, args: argparse.Namespace, client: docker.DockerClient, image_id: str, exercises: list[Exercise]
) -> None:
    """Floor, REST and gRPC up at once and measured taking turns; then the seed design."""
    runners: dict[str, Runner] = {}
    with contextlib.ExitStack() as stack:
        if "floor" in args.only:
            # First: the floor's workers are forked, which must happen before this process starts threads.
            from bench.floor import Floor
            from bench.rootfs import exported_image

            with _step("floor: exporting the image's filesystem"):
                root = stack.enter_context(exported_image(client, image_id))
                floor = Floor(root, args.concurrency)
                stack.callback(floor.close)
                runners["floor"] = floor.run
        if "rest" in args.only or "grpc" in args.only:
            runners |= _start_service(results, args, stack)
        if "distributed" in args.only:
            runners |= _start_cluster(args, stack)
        if runners:
            _measure_turns(results, runners, exercises, args)
    if "seed" in args.only:
        from bench.seed import Seed

        subset = spread([e for e in exercises if e.kind == "function"], args.seed_count)
        with _step(f"seed design: {len(subset)} exercise(s), ~8 s each"):
            results.latency["seed"] = sequential(_logged("seed", Seed(client, image_id).run), subset)


def _start_service(results: Results, args: argparse.Namespace, stack: contextlib.ExitStack) -> dict[str, Runner]:
    from bench import pyspy
    from bench.clients import GrpcClient, RestClient
    from bench.server import BenchServer, RssSampler

    runners: dict[str, Runner] = {}
    with _step("starting coderunner (python -m coderunner serve)"):
        server = stack.enter_context(BenchServer(args.output.with_name("server.log"), args.server_env))
        rss = RssSampler(server.pid)
        # Registered before the sampler starts, so it runs after the sampler's last sample.
        stack.callback(lambda: setattr(results, "service_memory", rss.to_json()))
        stack.enter_context(rss)
        if args.py_spy:
            stacks = args.output.with_name("server.py-spy.txt")
            stack.callback(lambda: results.meta.__setitem__("py_spy_top_frames", pyspy.top_frames(stacks)))
            stack.enter_context(pyspy.recording(server.pid, stacks))
        if "rest" in args.only:
            rest = RestClient(server.http_url)
            stack.callback(rest.close)
            runners["rest"] = rest.run
        if "grpc" in args.only:
            grpc = GrpcClient(server.grpc_target)
            stack.callback(grpc.close)
            runners["grpc"] = grpc.run
    return runners


def _start_cluster(args: argparse.Namespace, stack: contextlib.ExitStack) -> dict[str, Runner]:
    from bench.clients import RestClient
    from bench.server import BenchCluster

    with _step(f"starting an API node and 2 workers on {args.broker_url}"):
        cluster = BenchCluster(
            args.broker_url,
            args.output.with_name("distributed.log"),
            args.server_env,
            workers=2,
            database_url=args.distributed_database_url,
        )
        stack.enter_context(cluster)
        rest = RestClient(cluster.api.http_url)
        stack.callback(rest.close)
    return {"distributed": rest.run}


def _measure_turns(
    results: Results, runners: dict[str, Runner], exercises: list[Exercise], args: argparse.Namespace
) -> None:
    names = ", ".join(runners)
    timed = exercises * args.rounds
    with _step(f"warm-up: {WARMUP} exercises on {names}"):
        for exercise in exercises[:WARMUP]:
            for run in runners.values():
                run(exercise)
    with _step(f"sequential: {len(timed)} submissions on each of {names}, taking turns"):
        results.latency |= interleaved({name: _logged(name, run) for name, run in runners.items()}, timed)
    with _step(f"throughput: {len(timed)} submissions at {args.concurrency} concurrent on each of {names}"):
        results.throughput |= interleaved_throughput(runners, exercises, args.concurrency, args.rounds)
        for name, measured in results.throughput.items():
            console.print(f"  {name}: {measured.per_s:.2f} submissions/s")


def _logged(path: str, run: Runner) -> Runner:
    def logged(exercise: Exercise) -> Sample:
        sample = run(exercise)
        console.log(f"{path:6} {exercise.name:24} {sample.seconds:7.3f} s")
        return sample

    return logged


@contextlib.contextmanager
def _step(what: str) -> Iterator[None]:
    console.rule(what)
    start = time.perf_counter()
    yield
    console.print(f"  done in {time.perf_counter() - start:.1f} s")


def _meta(args: argparse.Namespace, exercises: list[Exercise], image_id: str) -> dict[str, object]:
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        # Other work on the machine skews every number: recorded so that a reader can tell.
        "load_average_start": os.getloadavg(),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "git": _git_revision(),
        "image_id": image_id,
        "quick": args.quick,
        "language": args.language,
        "parts": args.only,
        "rounds": args.rounds,
        "concurrency": args.concurrency,
        "server_env": args.server_env,
        "exercises": len(exercises),
        "function_exercises": sum(e.kind == "function" for e in exercises),
        "program_exercises": sum(e.kind == "program" for e in exercises),
        "tests": sum(len(e.tests) for e in exercises),
    }


def _git_revision() -> str:
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return done.stdout.strip()
