#!/usr/bin/env python3
"""Benchmark of the HR batch check (a benchmark, not a timed test).

    .venv/bin/python bench/batch.py [--people 100000] [--records 10] [--shuffle] [--repeat 3] [--keep]
    .venv/bin/python bench/batch.py --browser [--people 10000]    the batch page on .xlsx: bench/batch_page.py

Writes a CSV of PEOPLE × RECORDS learning records (mixed policies, modes, half hours, face-to-face days,
records in other years, circumstances), then measures, each in a fresh process:
  parse   reading the CSV with the `csv` module alone (every row materialised, nothing else)
  batch   the whole `python -m calculator batch` (read, decode, check, evaluate, write the result CSV),
          as users run it (a big file in as many processes as the machine has cores, see
          calculator/batch/parallel.py) and in one process (`--jobs 1`)
and prints the times, each batch's ratio to the parse and peak memory (peak RSS of its process, plus the
largest part's peak for each further part: an upper bound). CPU times include the parts' processes.
Target: the batch within 3x the parse alone, peak memory under 1 GB.

Each phase runs REPEAT times, parse and batch in turn; the table gives the fastest run of each (elapsed
time, and the CPU time of that run) and the largest peak memory. On a shared machine the elapsed times
of single runs vary with the load; the CPU times much less.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICIES = [
    ("luoyang/2023", 2023),
    ("henan/2023", 2023),
    ("zhengzhou/2020", 2020),
    ("pingdingshan/2021", 2021),
    ("anyang/2025", 2025),
]
HEADER = [
    "person_id",
    "name",
    "policy",
    "employer",
    "maternity_months",
    "cadre_academy_hours",
    "date",
    "category",
    "hours",
    "mode",
    "days",
    "required_course",
    "title",
]
EMPLOYERS = ["public_institution", "enterprise", "government", "social_org", "other"]
TITLES = ["数字技术", "知识产权", "网络安全", "应急管理", "专业课程", "学术会议"]


def generate(path: Path, people: int, records: int, shuffle: bool, seed: int = 2023) -> int:
    """Write the file a person at a time (a million people's rows would not fit in memory as lists);
    shuffled: each row to one of many temporary files at random, each shuffled in memory and appended."""
    rng = random.Random(seed)
    pieces = max(1, people * records // 200_000) if shuffle else 0
    spread = [tempfile.TemporaryFile("w+", encoding="utf-8", newline="") for _ in range(pieces)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writers = [csv.writer(piece) for piece in spread]
        for p in range(people):
            rows = []
            policy, year = rng.choice(POLICIES)
            person = [
                f"{p:07d}",
                f"员工{p}",
                policy,
                rng.choice(EMPLOYERS),
                rng.choice(["", "", "", "", "", "", "", "", "3", "7.5"]),
                rng.choice(["", "", "", "10", "30"]),
            ]
            for r in range(records):
                in_year = rng.random() < 0.95
                day = dt.date(year if in_year else year - 1, 1, 1) + dt.timedelta(days=rng.randrange(365))
                mode = rng.choice(["online", "online", "face_to_face", "activity"])
                hours = rng.choice([1, 2, 3, 4, 6, 8, 10, 0.5, 1.5, 2.5, 12])
                days = rng.choice(["1", "1.5", "2"]) if mode == "face_to_face" else ""
                category = rng.choice(["public", "professional", "professional"])
                course = "true" if category == "public" and rng.random() < 0.5 else ""
                head = person if r == 0 else [person[0], "", "", "", "", ""]
                rows.append([*head, day.isoformat(), category, str(hours), mode, days, course, rng.choice(TITLES)])
            if shuffle:
                for row in rows:
                    writers[rng.randrange(pieces)].writerow(row)
            else:
                writer.writerows(rows)
        for piece in spread:
            piece.seek(0)
            lines = piece.readlines()
            rng.shuffle(lines)
            handle.writelines(lines)
            piece.close()
    return people * records


def phase_parse(path: str) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    with open(path, encoding="utf-8", newline="") as handle:
        count = sum(1 for _ in csv.reader(handle))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        json.dumps({"seconds": elapsed, "cpu": cpu, "rows": count, "peak_kb": _peak_kb(), "load": os.getloadavg()[0]})
    )


def phase_batch(path: str, bundle: str, out: str, jobs: str) -> None:
    sys.path.insert(0, str(ROOT))
    import io

    from calculator.cli import main

    start, cpu = time.perf_counter(), _cpu()
    err = io.StringIO()
    code = main(["batch", path, "--bundle", bundle, "--as-of", "2023-12-01", "--out", out, "--jobs", jobs], err=err)
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    summary = err.getvalue().strip().splitlines()[-1]
    # An upper bound of the memory in use at once: the parent's peak, and the largest part's peak for each part
    # in a process of its own (none when the file was not cut). Pages shared at the fork count more than once.
    from calculator.batch import parallel as batch_parallel

    parts = min(int(jobs) or batch_parallel.MAX_PROCESSES, batch_parallel.processes_for(Path(path).stat().st_size))
    peak = _peak_kb() + (parts - 1) * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu": cpu,
                "exit": code,
                "summary": summary,
                "peak_kb": peak,
                "load": os.getloadavg()[0],
            }
        )
    )


def _cpu() -> float:
    """CPU time of this process and its finished children (the batch's parts)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _peak_kb() -> int:
    """This process's peak resident memory. On Linux VmHWM (ru_maxrss would include the parent's
    memory at fork, since Linux keeps it across exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB elsewhere


def _seconds(run: dict[str, object]) -> float:
    return float(run["seconds"])  # type: ignore[arg-type]


def _times(runs: list[dict[str, object]]) -> str:
    return ", ".join(f"{_seconds(r):.2f}" for r in runs)


def _peak(run: dict[str, object]) -> float:
    return int(run["peak_kb"]) / 1024  # type: ignore[call-overload]


def _run(*args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _cell(run: dict[str, object]) -> str:
    return f"{_seconds(run):.2f} s / {float(run['cpu']):.2f} s"  # type: ignore[arg-type]


def scale(args: argparse.Namespace, work: Path, staff: Path, result: Path, bundle: Path) -> int:
    """The batch in one process (and as run) at PEOPLE and 10 x PEOPLE, grouped and in no order."""
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; load average at start {os.getloadavg()}")
    print(
        "| people | rows | MiB | parse: elapsed / CPU | batch `--jobs 1`: elapsed / CPU | CPU ratio to the parse "
        "| peak memory | batch as run: elapsed / CPU, peak | load (1 min) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    found: dict[tuple[bool, int], dict[str, object]] = {}
    orders = {"both": (False, True), "grouped": (False,), "no-order": (True,)}[args.order]
    for shuffle in orders:
        for people in (args.people, args.people * 10):
            generate(staff, people, args.records, shuffle)
            size = staff.stat().st_size / 2**20
            parse = min((_run("--phase", "parse", str(staff)) for _ in range(args.repeat)), key=_seconds)
            single = min(
                (_run("--phase", "batch", str(staff), str(bundle), str(result), "1") for _ in range(args.repeat)),
                key=_seconds,
            )
            as_run = None if args.no_as_run else _run("--phase", "batch", str(staff), str(bundle), str(result), "0")
            found[(shuffle, people)] = single
            ratio = float(single["cpu"]) / float(parse["cpu"])  # type: ignore[arg-type]
            print(
                f"| {people:,} | {'no order' if shuffle else 'grouped'} | {size:.0f} | {_cell(parse)} "
                f"| {_cell(single)} "
                f"| {ratio:.2f} | {_peak(single):.0f} MiB "
                f"| {f'{_cell(as_run)}, {_peak(as_run):.0f} MiB' if as_run else 'not run'} "
                f"| {float(single['load']):.1f} |"  # type: ignore[arg-type]
            )
            print(f"  summary: {single['summary']} (exit {single['exit']})", flush=True)
            staff.unlink()
    for shuffle in orders:
        small, big = found[(shuffle, args.people)], found[(shuffle, args.people * 10)]
        cpu = float(big["cpu"]) / float(small["cpu"])  # type: ignore[arg-type]
        print(
            f"{'no order' if shuffle else 'grouped'}: 10x the people take {cpu:.2f}x the CPU time "
            f"({_seconds(big) / _seconds(small):.2f}x elapsed; target ≤ 11x), peak memory {_peak(big):.0f} MiB = "
            f"{_peak(big) / _peak(small):.2f}x (target < 1 GB and ≤ 1.2x)"
        )
    return 0


def main() -> int:
    if "--browser" in sys.argv[1:]:  # the batch page in Chromium against the command line, on .xlsx (see there)
        arguments = [a for a in sys.argv[1:] if a != "--browser"]
        return subprocess.call([sys.executable, str(Path(__file__).with_name("batch_page.py")), *arguments])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each phase (the fastest is reported)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--shuffle",
        action="store_true",
        help="shuffle the rows (default: each person's rows together, as HR exports list them)",
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="PEOPLE and 10 x PEOPLE, each person's rows together and in no order, one run each: time and "
        "peak memory as the file grows (each file generated in the temporary folder and deleted after)",
    )
    parser.add_argument(
        "--order", choices=("both", "grouped", "no-order"), default="both", help="with --scale: which files"
    )
    parser.add_argument(
        "--no-as-run", action="store_true", help="with --scale: only `--jobs 1` (a file over 128 MB is not cut anyway)"
    )
    parser.add_argument("--phase", choices=("parse", "batch"), help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "parse":
        phase_parse(*args.args)
        return 0
    if args.phase == "batch":
        phase_batch(*args.args)
        return 0

    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    staff, result, bundle = work / "staff.csv", work / "result.csv", work / "policies.json"
    sys.path.insert(0, str(ROOT))
    from build import compile_policies

    if compile_policies(ROOT / "policies", bundle) is None:
        return 1
    if args.scale:
        try:
            return scale(args, work, staff, result, bundle)
        finally:
            for path in (staff, result, bundle):
                path.unlink(missing_ok=True)
            work.rmdir()
    start = time.perf_counter()
    rows = generate(staff, args.people, args.records, args.shuffle)
    order = "rows shuffled" if args.shuffle else "each person's rows together"
    print(
        f"generated {rows:,} records of {args.people:,} people ({staff.stat().st_size / 2**20:.0f} MiB, "
        f"{order}) in {time.perf_counter() - start:.1f} s"
    )
    parses, batches, singles = [], [], []
    for _ in range(max(1, args.repeat)):
        parses.append(_run("--phase", "parse", str(staff)))
        batches.append(_run("--phase", "batch", str(staff), str(bundle), str(result), "0"))
        singles.append(_run("--phase", "batch", str(staff), str(bundle), str(result), "1"))
    parse = min(parses, key=_seconds)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; fastest of {len(parses)} runs of each "
        f"(parse {_times(parses)} s; batch {_times(batches)} s; one process {_times(singles)} s)"
    )
    print("| measure | value |")
    print("|---|---|")
    print(f"| CSV parse alone (`csv` module) | {_seconds(parse):.2f} s (CPU {parse['cpu']:.2f} s) |")
    for label, runs in (("whole batch check", batches), ("whole batch check, one process (`--jobs 1`)", singles)):
        batch = min(runs, key=_seconds)
        ratio = _seconds(batch) / _seconds(parse)
        cpu_ratio = float(batch["cpu"]) / float(parse["cpu"])  # type: ignore[arg-type]
        print(f"| {label} | {_seconds(batch):.2f} s (CPU {batch['cpu']:.2f} s) |")
        print(f"| ratio to the parse (target ≤ 3) | {ratio:.2f} (CPU {cpu_ratio:.2f}) |")
        print(f"| peak memory (target < 1 GB) | {max(_peak(r) for r in runs):.0f} MiB |")
    print(f"| peak memory, parse alone | {max(_peak(r) for r in parses):.0f} MiB |")
    print(f"summary: {batch['summary']} (exit {batch['exit']})")
    if args.keep:
        print(f"files kept in {work}")
    else:
        for path in (staff, result, bundle):
            path.unlink(missing_ok=True)
        work.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
