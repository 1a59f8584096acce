#!/usr/bin/env python3
"""Benchmark of reading and writing .xlsx staff lists (calculator/batch/excel.py; a benchmark, not a timed test).

    .venv/bin/python bench/excel.py [--people 10000] [--records 10] [--no-pyodide] [--no-cpython]

Each phase in a fresh process, with its elapsed and CPU time and peak resident memory (VmHWM):
  write    write_xlsx of PEOPLE x RECORDS rows of 10 columns (text, numbers) into .xlsx bytes
  read     read_xlsx of that file: every row as text cells (CPython)
  pyodide  the same read under Pyodide in Node (the site's runtime and the self-hosted openpyxl wheels),
           timed inside Python; Node's peak memory (VmHWM of the node process)
The file is write_xlsx's (text inline in the cells); Excel and WPS keep text in a shared-string table,
which reads at about the same speed (tests/test_excel.py reads both kinds).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["工号", "身份证号", "姓名", "政策", "日期", "类别", "学时", "方式", "天数", "备注"]


def staff_rows(people: int, records: int) -> list[list[object]]:
    return [
        [f"{p:06d}", f"4101021985{p:08d}", f"张{p % 100}", "luoyang/2023", f"2023-{r % 12 + 1:02d}-10"]
        + ["公需科目" if r % 3 else "专业科目", 6 if r % 2 else 1.5, "在线学习", 1, f"第{r}条"]
        for p in range(people)
        for r in range(records)
    ]


def peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def phase(argv: list[str]) -> None:
    """Run in a child process: one phase, printed as JSON."""
    from calculator.batch import excel

    what, path = argv[0], Path(argv[1])
    start, cpu = time.perf_counter(), time.process_time()
    if what == "write":
        rows = staff_rows(int(argv[2]), int(argv[3]))
        start, cpu = time.perf_counter(), time.process_time()  # the rows exist before: not timed
        path.write_bytes(excel.write_xlsx(HEADER, rows))
        count = len(rows)
    else:
        count = sum(1 for _ in excel.read_xlsx(path)) - 1
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - start,
                "cpu": time.process_time() - cpu,
                "rows": count,
                "peak_kib": peak_kib(),
            }
        )
    )


def run_phase(*argv: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", *argv], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


RUNNER = """
import {loadPyodide} from "%(pyodide)s/pyodide.mjs";
import fs from "fs";
const py = await loadPyodide({indexURL: "%(pyodide)s/"});
await py.loadPackage(["calculator-batch", "openpyxl"], {messageCallback: () => {}});
py.FS.writeFile("/home/pyodide/in.xlsx", fs.readFileSync("%(input)s"));
const imported = JSON.parse(py.runPython(`
import json, time
start = time.perf_counter()
import openpyxl
from calculator.batch import excel
data = open("/home/pyodide/in.xlsx", "rb").read()
json.dumps(time.perf_counter() - start)
`));
const before = process.cpuUsage();  // Pyodide's process_time is wall time: Node's counts the CPU
const out = JSON.parse(py.runPython(`
start = time.perf_counter()
count = sum(1 for _ in excel.read_xlsx(data)) - 1
json.dumps({"seconds": time.perf_counter() - start, "rows": count})
`));
const used = process.cpuUsage(before);
out.cpu = (used.user + used.system) / 1e6;
out.import_seconds = imported;
const status = fs.readFileSync("/proc/self/status", "utf8");
const peak = Number(/VmHWM:\\s+(\\d+)/.exec(status)[1]);
console.log(JSON.stringify({...out, peak_kib: peak}));
"""


def pyodide_folder(folder: Path) -> Path:
    """The site's Pyodide runtime, the calculator wheel and the Excel wheels, registered as the build does."""
    import calculator
    from webcalc.excel_wheels import add_excel_wheels
    from webcalc.lock import add_to_lock, lock_entry
    from webcalc.runtime import copy_runtime
    from webcalc.wheel import BATCH_NAME, build_batch_wheel, build_wheel

    copy_runtime(ROOT / "node_modules", folder)
    wheel = build_wheel(folder, b"{}")
    entry = lock_entry(wheel, "calculator", calculator.__version__, ["calculator"])
    add_to_lock(ROOT / "node_modules" / "pyodide" / "pyodide-lock.json", folder / "pyodide-lock.json", entry)
    batch = lock_entry(build_batch_wheel(folder), BATCH_NAME, calculator.__version__, [], ["calculator"])
    add_to_lock(folder / "pyodide-lock.json", folder / "pyodide-lock.json", batch)
    add_excel_wheels(folder)
    return folder


def run_pyodide(xlsx: Path, work: Path) -> dict[str, float]:
    folder = pyodide_folder(work / "pyodide")
    script = work / "run.mjs"
    script.write_text(RUNNER % {"pyodide": folder.as_posix(), "input": xlsx.as_posix()}, encoding="utf-8")
    start = time.perf_counter()
    done = subprocess.run(["node", str(script)], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - start
    return result


def main() -> None:
    if sys.argv[1:2] == ["--phase"]:
        phase(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--no-pyodide", action="store_true")
    parser.add_argument("--no-cpython", action="store_true", help="only the Pyodide read (the file is written)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        xlsx = work / "staff.xlsx"
        people, records = str(args.people), str(args.records)
        write = run_phase("write", str(xlsx), people, records)
        size = xlsx.stat().st_size
        read = run_phase("read", str(xlsx)) if not args.no_cpython else {"rows": args.people * args.records}
        rows = args.people * args.records
        print(
            f"{args.people:,} people x {args.records} records = {rows:,} rows x {len(HEADER)} columns, "
            f"{size / 2**20:.1f} MiB .xlsx"
        )
        print("| phase | elapsed | CPU | peak memory |")
        print("|---|---:|---:|---:|")
        for name, result in (("write (CPython)", write), ("read (CPython)", read))[: 1 if args.no_cpython else 2]:
            peak = result["peak_kib"] / 1024
            print(f"| {name} | {result['seconds']:.1f} s | {result['cpu']:.1f} s | {peak:.0f} MiB |")
        if not args.no_pyodide and shutil.which("node"):
            result = run_pyodide(xlsx, work)
            assert result["rows"] == read["rows"], (result, read)
            print(
                f"| read (Pyodide in Node) | {result['seconds']:.1f} s "
                f"(import openpyxl {result['import_seconds']:.1f} s, "
                f"whole process {result['process_seconds']:.1f} s) "
                f"| {result['cpu']:.1f} s | {result['peak_kib'] / 1024:.0f} MiB (node) |"
            )


if __name__ == "__main__":
    main()
