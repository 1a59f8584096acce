#!/usr/bin/env python3
"""Lighthouse on the built site (a benchmark, not a test): the four category scores of every page type.

    .venv/bin/python build.py                  # builds site/
    .venv/bin/python bench/lighthouse.py [--site site] [--preset mobile|desktop] [--runs 1] [--json FILE]

Serves the built site on a free local port and runs the `lighthouse` npm package (node_modules, see
package.json) with Debian's Chromium (CHROME_PATH) on the home page, one policy page, the comparison matrix and
the calculator. Lighthouse's default is a phone on a slow 4G network with a 4x slower CPU, simulated from the
trace of an unthrottled load; everything it needs is local, so it runs offline. Prints a table of scores
(0-100) and, for each category below its target, the audits that cost points. Targets: performance at least 95,
accessibility, best practices and SEO 100 on each page. Exit status 1 when a target is missed.
With --runs N each page is measured N times and the median score of each category is kept.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sitegen.serve import CompressingHandler, QuietHandler  # noqa: E402  (as `build.py serve` serves)
from tests.browsing import ARGS, CHROMIUM  # noqa: E402  (the browser tests' Chromium and flags)

LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME_FLAGS = ["--headless=new", *ARGS]
PAGES = {  # one of every page type
    "home": "index.html",
    "policies index": "policies/index.html",
    "policy (luoyang/2023)": "policies/luoyang/2023.html",
    "notices index": "notices/index.html",
    "notice (luoyang-2023)": "notices/luoyang-2023.html",
    "comparison matrix": "compare.html",
    "changes index": "changes/index.html",
    "changes (luoyang/2023 vs henan/2023)": "changes/luoyang/2023-vs-parent.html",
    "annexes index": "annexes/index.html",
    "annex (pingdingshan/2021)": "annexes/pingdingshan/2021-completion_2020.html",
    "platforms": "platforms.html",
    "glossary": "glossary.html",
    "calculator": "calculator/index.html",
}
CATEGORIES = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}  # the targets (issue 13)


@contextmanager
def serve(site: Path, compress: bool = True) -> Iterator[str]:
    handler = functools.partial(CompressingHandler if compress else QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def lighthouse(url: str, preset: str, out: Path) -> dict[str, Any]:
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", str(CHROMIUM))}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(f"lighthouse failed on {url} (exit {done.returncode}):\n{done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse could not load {url}: {report['runtimeError']}")
    return report


def scores(report: dict[str, Any]) -> dict[str, int]:
    return {key: round(100 * (report["categories"][key]["score"] or 0)) for key in CATEGORIES}


def lost_points(report: dict[str, Any], category: str) -> list[str]:
    """The weighted audits of a category that did not score full marks, with what Lighthouse measured."""
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 1:
            value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
            lines.append(f"{ref['id']}: {round(100 * audit['score'])}{value} - {audit['title']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the built site (python build.py)")
    parser.add_argument("--preset", choices=["mobile", "desktop"], default="mobile")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median score is kept")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    parser.add_argument("--no-gzip", action="store_true", help="serve text uncompressed (as http.server does)")
    parser.add_argument("--reports", type=Path, help="keep Lighthouse's own JSON reports in this folder")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site} has no built site: run `.venv/bin/python build.py` first", file=sys.stderr)
        return 2
    if not LIGHTHOUSE.is_file():
        print("node_modules/lighthouse is missing: run `make setup` (npm ci)", file=sys.stderr)
        return 2
    if shutil.which("node") is None or not Path(os.environ.get("CHROME_PATH", str(CHROMIUM))).is_file():
        print(f"needs node and Chromium ({CHROMIUM}; `make chromium`)", file=sys.stderr)
        return 2

    table: dict[str, dict[str, int]] = {}
    notes: dict[str, list[str]] = {}
    with serve(args.site, compress=not args.no_gzip) as base, tempfile.TemporaryDirectory() as tmp:
        folder = args.reports or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for name, path in PAGES.items():
            runs = []
            for run in range(args.runs):
                stem = path.removesuffix(".html").replace("/", "-")
                report = lighthouse(base + path, args.preset, folder / f"{stem}-{args.preset}-{run + 1}.json")
                runs.append((scores(report), report))
            table[name] = {key: int(statistics.median(s[key] for s, _ in runs)) for key in CATEGORIES}
            last = runs[-1][1]
            notes[name] = [
                f"{category}: {line}"
                for category in CATEGORIES
                if table[name][category] < 100
                for line in lost_points(last, category)
            ]
            print(f"  {name}: {table[name]}", file=sys.stderr)

    served = "uncompressed" if args.no_gzip else "text gzip-compressed"
    median = f"median of {args.runs} runs" if args.runs > 1 else "1 run"
    print(f"Lighthouse {args.preset}, the built site served locally ({served}), {median}; scores 0-100\n")
    print("| page | performance | accessibility | best practices | SEO |")  # a Markdown table, as in the README
    print("|---|---:|---:|---:|---:|")
    for name, path in PAGES.items():
        s = table[name]
        print(f"| {name} (`{path}`) | {s['performance']} | {s['accessibility']} | {s['best-practices']} | {s['seo']} |")
    missed = [
        f"{name}: {category} {table[name][category]} < {target}"
        for name in PAGES
        for category, target in CATEGORIES.items()
        if table[name][category] < target
    ]
    for name, lines in notes.items():
        if lines:
            print(f"\n{name}: points lost")
            for line in lines:
                print(f"  {line}")
    print("\ntargets: performance >= 95, accessibility, best practices and SEO 100:", "met" if not missed else "")
    for line in missed:
        print(f"  MISSED {line}")
    if args.json:
        args.json.write_text(json.dumps({"preset": args.preset, "runs": args.runs, "scores": table}, indent=2) + "\n")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
