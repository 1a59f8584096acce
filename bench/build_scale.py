#!/usr/bin/env python3
"""How the site build grows with the number of policies: 5, 45 and 180 synthetic policies (18 cities x 10 years).

    python bench/build_scale.py [--counts 5,45,180] [--keep DIR]

The synthetic policies are written to a temporary folder (never to policies/): each is Luoyang 2023 moved to
another city and year, with its archived notice rewritten the same way (so every citation still checks), and
with the per-day cap alternating between 6 and 8 hours from year to year, so the comparison matrix and the
"what changed" pages have differences to show. Each size is built by `build.py build` in a fresh process (what a
maintainer waits for: start-up, check, compile, generate, mkdocs, link check) and the site measured.

Target: the build for 180 policies takes at most 40 times as long as for 5 (growth no worse than linear), and
no page grows faster than the policies do. Exit status 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
TEMPLATE = "luoyang/2023"
FIRST_YEAR = 2016


def cities() -> list[tuple[str, str]]:
    """(region id, short Chinese name) of the 18 city-level regions, in regions.yaml order."""
    regions = yaml.safe_load((POLICIES / "regions.yaml").read_text(encoding="utf-8"))
    return [
        (rid, r["name"].removesuffix("示范区").removesuffix("市"))
        for rid, r in regions.items()
        if r.get("level") == "city"
    ]


def synthesize(out: Path, count: int, n_cities: int = 18, n_years: int = 10, first_year: int = FIRST_YEAR) -> list[str]:
    """Write `count` synthetic policies (year by year, city by city) into the policies folder `out`."""
    region, year = TEMPLATE.split("/")
    policy_text = (POLICIES / region / f"{year}.yaml").read_text(encoding="utf-8")
    notice_text = (POLICIES / "sources" / f"{region}-{year}.txt").read_text(encoding="utf-8")
    # No provincial parent in the synthetic set: every file stands alone.
    policy_text = re.sub(r"(?m)^extends: .*\n", "", policy_text)
    policy_text = re.sub(r"(?m)^\s*policy: henan/\d{4}\n", "", policy_text)
    (out / "sources").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(POLICIES / "regions.yaml", out / "regions.yaml")
    places = cities()[:n_cities]
    pairs = [(y, rid, short) for y in range(first_year, first_year + n_years) for rid, short in places][:count]
    if len(pairs) < count:
        raise SystemExit(f"at most {n_cities * n_years} synthetic policies ({n_cities} cities x {n_years} years)")
    ids = []
    for new_year, rid, short in pairs:
        cap = "6" if (new_year - first_year) % 2 == 0 else "8"
        notice = _move(notice_text, year, str(new_year), short, cap)
        policy = _move(policy_text, year, str(new_year), short, cap)
        policy = policy.replace(f"region: {region}", f"region: {rid}")
        policy = re.sub(r"(daily_caps\.per_day:\n\s+value: )6", rf"\g<1>{cap}", policy)
        policy = policy.replace(f"id: {region}-{new_year}", f"id: {rid}-{new_year}")
        policy = policy.replace(f"file: {region}-{new_year}.txt", f"file: {rid}-{new_year}.txt")
        (out / rid).mkdir(exist_ok=True)
        (out / rid / f"{new_year}.yaml").write_text(policy, encoding="utf-8")
        (out / "sources" / f"{rid}-{new_year}.txt").write_text(notice, encoding="utf-8")
        ids.append(f"{rid}/{new_year}")
    return ids


def _move(text: str, year: str, new_year: str, short: str, cap: str) -> str:
    """The template's year, city name and per-day cap replaced, in a policy file and its notice alike."""
    text = text.replace(year, new_year).replace("洛阳", short)
    return text.replace("一天不超过 6 学时", f"一天不超过 {cap} 学时")


def measure(count: int, work: Path) -> dict[str, object]:
    policies = work / "policies"
    synthesize(policies, count)
    site, generated = work / "site", work / "generated"
    command = [
        sys.executable,
        str(ROOT / "build.py"),
        "--policies",
        str(policies),
        "build",
        "--site-dir",
        str(site),
        "--generated",
        str(generated),
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"build of {count} policies failed:\n{done.stdout}{done.stderr}")
    steps = dict(re.findall(r"(\w+) ([\d.]+)s", done.stdout.split("(", 1)[-1]))
    files = [p for p in site.rglob("*") if p.is_file()]
    pages = [p for p in files if p.suffix == ".html"]
    biggest = max(pages, key=lambda p: p.stat().st_size)
    index = site / "search" / "search_index.json"
    return {
        "policies": count,
        "seconds": seconds,
        "steps": {k: float(v) for k, v in steps.items()},
        "pages": len(pages),
        "site_bytes": sum(p.stat().st_size for p in files),
        "html_bytes": sum(p.stat().st_size for p in pages),
        "search_index_bytes": index.stat().st_size,
        "biggest_page": biggest.relative_to(site).as_posix(),
        "biggest_page_bytes": biggest.stat().st_size,
    }


def mb(n: object) -> str:
    return f"{int(n) / 1e6:.1f} MB"  # type: ignore[call-overload]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", default="5,45,180", help="policy counts to build (default 5,45,180)")
    parser.add_argument("--keep", type=Path, help="keep the synthetic policies and sites under this folder")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.counts.split(",")]
    results = []
    for count in counts:
        if args.keep:
            work = args.keep / str(count)
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            results.append(measure(count, work))
        else:
            with tempfile.TemporaryDirectory(prefix=f"bench-{count}-") as tmp:
                results.append(measure(count, Path(tmp)))
        r = results[-1]
        print(
            f"{count:>4} policies: {r['seconds']:6.1f} s  {r['pages']:>4} pages  site {mb(r['site_bytes'])}  "
            f"(search index {mb(r['search_index_bytes'])}, biggest page {r['biggest_page']} "
            f"{mb(r['biggest_page_bytes'])})  steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in r["steps"].items()),  # type: ignore[attr-defined]
            flush=True,
        )
    if args.json:
        print(json.dumps(results, indent=1))
    ok = True
    if len(results) > 1:
        small, large = results[0], results[-1]
        ratio = float(large["seconds"]) / float(small["seconds"])  # type: ignore[arg-type]
        scale = int(large["policies"]) / int(small["policies"])  # type: ignore[call-overload]
        page_growth = int(large["biggest_page_bytes"]) / int(small["biggest_page_bytes"])  # type: ignore[call-overload]
        print(f"time x{ratio:.1f} for x{scale:.0f} policies (target: at most x40); biggest page x{page_growth:.1f}")
        if ratio > 40:
            print("FAIL: the build grows faster than the target allows", file=sys.stderr)
            ok = False
        if page_growth > scale * 1.5:
            print("FAIL: a page grows faster than the number of policies", file=sys.stderr)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
