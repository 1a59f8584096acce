#!/usr/bin/env python3
"""Benchmark of the batch page (单位批量核对) in headless Chromium against the command line, on one .xlsx file
(a benchmark, not a timed test; `bench/batch.py --browser` runs it).

    .venv/bin/python bench/batch_page.py [--people 10000] [--records 10] [--site built-site/]

Writes PEOPLE × RECORDS learning records as .xlsx (bench/batch.py's generator, hours as numbers), then:
  cli     `python -m calculator batch staff.xlsx` (in a fresh process: read, check, write the result CSV)
  page    the batch page in Debian's Chromium, Pyodide booted and ready: from choosing the file to the result
          table drawn (reading the bytes, the worker's check with the same Python code, the table)
and prints both times, their ratio (target: the page within 4x the command line), the command line's peak
memory and the page's: the peak, sampled every 0.1 s, of the resident memory of Chromium's renderer
processes (the page and its worker run there), and of all Chromium's processes. One run of each; the
machine's load average (and its cores) is printed alongside, as the times depend on it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))


def write_xlsx_staff(folder: Path, people: int, records: int) -> Path:
    from batch import generate  # bench/batch.py

    from calculator.batch.excel import write_xlsx

    text = folder / "staff.csv"
    generate(text, people, records, shuffle=False)
    with text.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    numbers = {
        i for i, title in enumerate(rows[0]) if title in ("hours", "days", "maternity_months", "cadre_academy_hours")
    }
    cells = [
        [(float(c) if "." in c else int(c)) if i in numbers and c else c for i, c in enumerate(row)] for row in rows[1:]
    ]
    path = folder / "staff.xlsx"
    path.write_bytes(write_xlsx(rows[0], cells, title="人员"))
    return path


def build_site(folder: Path) -> Path:
    from browser import build  # bench/browser.py: the same full build of the site

    return build(folder)


def cli(path: Path) -> dict[str, float]:
    script = (
        "import io, time, sys\n"
        "start = time.perf_counter()\n"
        "from calculator.cli import main\n"
        f"code = main(['batch', {str(path)!r}, '--out', '/dev/null'], io.StringIO(), io.StringIO())\n"
        "elapsed = time.perf_counter() - start\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
        "print(elapsed, peak, code)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    seconds, peak, code = done.stdout.split()
    return {"seconds": float(seconds), "peak_mib": int(peak) / 1024, "exit": int(code)}


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _rss_kib(pid: int) -> tuple[int, bool]:
    """(resident KiB, whether a renderer) of a process."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            renderer = b"--type=renderer" in handle.read()
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]), renderer
    except OSError:
        pass
    return 0, False


class MemorySampler:
    """The peak resident memory of this process's Chromium descendants, sampled every 0.1 s."""

    def __init__(self) -> None:
        self.renderer = self.total = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            renderer = total = 0
            for pid in _descendants(os.getpid()):
                rss, is_renderer = _rss_kib(pid)
                total += rss
                renderer += rss if is_renderer else 0
            self.renderer, self.total = max(self.renderer, renderer), max(self.total, total)
            time.sleep(0.1)


def page(site: Path, path: Path) -> dict[str, float]:
    from browsing import ARGS, CHROMIUM, Server
    from playwright.sync_api import sync_playwright

    server = Server(site)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            tab = browser.new_context(locale="zh-CN").new_page()
            start = time.perf_counter()
            tab.goto(server.base + "batch/")
            tab.locator("#batch-status", has_text="可以核对了").wait_for(timeout=600_000)
            boot = time.perf_counter() - start
            sampler = MemorySampler()
            sampler.thread.start()
            start = time.perf_counter()
            tab.set_input_files("#batch-input", str(path))
            tab.wait_for_selector("#batch-table tbody tr", timeout=1_800_000)
            seconds = time.perf_counter() - start
            people = tab.locator("#batch-summary li").first.inner_text().split()[0]
            time.sleep(0.3)
            sampler.stop.set()
            sampler.thread.join()
            browser.close()
    finally:
        server.stop()
    return {
        "boot_seconds": boot,
        "seconds": seconds,
        "people": int(people),
        "renderer_peak_mib": sampler.renderer / 1024,
        "chromium_peak_mib": sampler.total / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temporary folder)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        staff = write_xlsx_staff(folder, args.people, args.records)
        site = args.site or build_site(folder)
        load_before = os.getloadavg()
        found_cli = cli(staff)
        found_page = page(site, staff)
        load_after = os.getloadavg()
        figures = {
            "people": args.people,
            "records": args.people * args.records,
            "xlsx_mib": staff.stat().st_size / 2**20,
            "cli": found_cli,
            "page": found_page,
            "ratio": found_page["seconds"] / found_cli["seconds"],
            "load_average_before": load_before,
            "load_average_after": load_after,
            "cores": os.cpu_count(),
        }
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    print(f"{args.people:,} people × {args.records} records as .xlsx ({figures['xlsx_mib']:.1f} MiB)")
    print(f"  command line: {found_cli['seconds']:.2f} s, peak {found_cli['peak_mib']:.0f} MiB")
    print(
        f"  page: {found_page['seconds']:.2f} s to the result table ({found_page['people']:,} people; Pyodide boot "
        f"before it {found_page['boot_seconds']:.1f} s), renderer peak {found_page['renderer_peak_mib']:.0f} MiB, "
        f"all Chromium {found_page['chromium_peak_mib']:.0f} MiB"
    )
    verdict = "met" if figures["ratio"] <= 4 else "missed"
    print(f"  ratio page / command line: {figures['ratio']:.2f}x (target ≤ 4x: {verdict})")
    print(f"  load average {load_before[0]:.1f} before, {load_after[0]:.1f} after, on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
