#!/usr/bin/env python3
"""Benchmark of the browser calculator in headless Chromium (a benchmark, not a timed test).

    .venv/bin/python bench/browser.py [--site DIR] [--runs 5] [--slowdown 1 4] [--updates 40] [--json]

Builds the site into a temporary folder (or uses --site), serves it on 127.0.0.1 from a small HTTP server that
compresses with gzip (level 6, as a static host or CDN would; each file compressed once, before any
measurement) and sends `Cache-Control: max-age=600` and `Last-Modified`, then measures in one run of Debian's
Chromium driven by Playwright:

  bare boot      an empty page whose module worker runs loadPyodide() from the site's own copy of Pyodide, and
                 nothing else; time from navigation start to the worker's "booted" message
  first result   the calculator page: navigation start to the first result (html[data-calculator-state=result])
                 cold (a new browser context: empty HTTP cache, no service worker, no snapshot), then, once the
                 first visit's worker has stored its interpreter snapshot in Cache Storage, on a second visit
                 (the same context, navigated again: the service worker's cache and the snapshot; the page's
                 html[data-calculator-boot] must say "snapshot"), median of --runs
  snapshot       the stored snapshot's size and the Cache Storage the origin then uses (navigator.storage)
  update         median time from an input change (the hours of a record) to the updated results in the DOM, with
                 --records records in the form (a person's usual year is up to about 50); beside it, right after
                 the changes and in the same page, the machine's floor under an update: a message to an empty
                 worker and back, an attribute set on <html> and the next frame (what no code of ours can make
                 faster, and what a busy machine makes slower)
  import         time from choosing a CSV file to the page's answer: --records rows (imported) and 10,000 rows
                 (refused: that many records are a staff list, for the batch check)
  bytes          bytes the server sent (gzip bodies + headers) for a cold visit of the calculator page, split into
                 Pyodide's runtime (calculator/pyodide/* except our wheel), the theme (Material's assets and the
                 search index) and ours (the page, its scripts and CSS, the service worker, the calculator wheel
                 with the policy bundle); the service worker's precache (registered after the first result) is
                 included, and the files it fetched again named; and the bytes of the warm (second) visit
  other pages    every other page of the site loads no WebAssembly (no .wasm request, no Pyodide file), but the
                 batch check's, which runs Pyodide too (its worker starts at once; whether its first request
                 fell within the visit was a race)

The bare boot runs in the same browser, alternating with the calculator, so both see the same machine load; on
a busy machine the absolute times grow, the ratios much less. Boots and first results are measured at each CPU
slowdown of --slowdown (1 and 4, through CDP's Emulation.setCPUThrottlingRate on each page); updates, imports
and bytes at the first one (1x by default; the update's line says which). That throttle slows the page's
main thread, not its dedicated workers (measured in this Chromium: a loop of square roots took 3.4x as long
on the main thread at 4x, 1.1x in a worker), so the 4x figures are a page whose own thread is slow around a
Pyodide running at full speed, not a slow phone.

Targets (issue 16): at each slowdown, the first result cold within 1.1x the cold bare boot and the first result
of a second visit within 0.5x the warm bare boot (faster than Pyodide can boot: the snapshot); a cold visit
transfers at most 5.0 MB compressed; an update within 20 ms median; our own assets under 200 KB compressed; no
WebAssembly on other pages. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import http.server
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browsing import ARGS, CHROMIUM, MISSING  # noqa: E402  (the browser tests' Chromium and flags)

BOOT_PAGE = b"""<!doctype html><meta charset="utf-8"><title>bare Pyodide boot</title>
<script type="module">
const worker = new Worker("/__bench/boot-worker.mjs", { type: "module" });
worker.onmessage = ({ data }) => { window.__booted = data.ok ? performance.now() : -1; window.__error = data.error; };
</script>
"""
BOOT_WORKER = b"""import { loadPyodide } from "/calculator/pyodide/pyodide.mjs";
loadPyodide({ indexURL: "/calculator/pyodide/", stdout: () => {}, stderr: () => {} }).then(
  (py) => { py.runPython("1 + 1"); self.postMessage({ ok: true }); },
  (error) => self.postMessage({ ok: false, error: String(error) }));
"""
ECHO_WORKER = b"self.onmessage = ({ data }) => self.postMessage(data);\n"
VIRTUAL = {
    "/__bench/boot.html": (BOOT_PAGE, "text/html; charset=utf-8"),
    "/__bench/boot-worker.mjs": (BOOT_WORKER, "text/javascript; charset=utf-8"),
    "/__bench/echo-worker.mjs": (ECHO_WORKER, "text/javascript; charset=utf-8"),
}

# Records the first result's time (performance.now(), i.e. since navigation start) before any page script runs.
FIRST_RESULT_PROBE = """
(() => {
  const mark = () => {
    if (window.__firstResult === undefined && document.documentElement.dataset.calculatorState === "result") {
      window.__firstResult = performance.now();
    }
  };
  new MutationObserver(mark).observe(document,
    { subtree: true, attributes: true, attributeFilter: ["data-calculator-state"] });
})();
"""

# One input change -> its answer on screen (html[data-calculator-state] back to "result": the page changes only what
# differs, so an answer equal to the last one changes nothing else), then the frame that paints it; timed in the
# page.
UPDATE_PROBE = """
(value) => new Promise((resolve, reject) => {
  const html = document.documentElement;
  const results = document.getElementById("calc-results");
  const input = document.getElementById("f-records-0-hours");
  const timer = setTimeout(() => reject(new Error("no result within 5 s")), 5000);
  let t0;
  new MutationObserver((_, observer) => {
    if (html.dataset.calculatorState !== "result") return;  // "ready": the input taken, its answer on its way
    observer.disconnect();
    clearTimeout(timer);
    // the DOM is updated; wait for the frame that paints it
    requestAnimationFrame(() => resolve({ dom: performance.now() - t0, text: results.textContent }));
  }).observe(html, { attributes: true, attributeFilter: ["data-calculator-state"] });
  t0 = performance.now();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
})
"""

# The floor under an update, timed as UPDATE_PROBE times one: a message to an empty worker and back (the page's
# CSP allows a worker of its own origin), the answer marked on <html>, then the frame that paints it.
FLOOR_PROBE = """
() => new Promise((resolve) => {
  const worker = window.__benchEcho || (window.__benchEcho = new Worker("/__bench/echo-worker.mjs"));
  const t0 = performance.now();
  worker.onmessage = () => {
    document.documentElement.dataset.benchEcho = String(t0);
    requestAnimationFrame(() => resolve(performance.now() - t0));
  };
  worker.postMessage(t0);
})
"""


class Site:
    """The built site's files, each gzip-compressed once (when that makes it smaller)."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.files: dict[str, tuple[bytes, bytes | None, str, str]] = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                raw = path.read_bytes()
                packed = gzip.compress(raw, compresslevel=6, mtime=0)
                modified = email.utils.formatdate(path.stat().st_mtime, usegmt=True)
                url = "/" + path.relative_to(self.root).as_posix()
                self.files[url] = (raw, packed if len(packed) < 0.95 * len(raw) else None, _type(path), modified)


def _type(path: Path) -> str:
    return {
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".mjs": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".json": "application/json",
        ".wasm": "application/wasm",
        ".zip": "application/zip",
        ".whl": "application/zip",
        ".png": "image/png",
        ".svg": "image/svg+xml",
        ".txt": "text/plain; charset=utf-8",
        ".xml": "application/xml",
    }.get(path.suffix, "application/octet-stream")


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[tuple[str, int]] = []

    def add(self, url: str, size: int) -> None:
        with self.lock:
            self.sent.append((url, size))

    def take(self) -> list[tuple[str, int]]:
        with self.lock:
            out, self.sent = self.sent, []
        return out


def make_handler(site: Site, counter: Counter):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):  # noqa: N802
            path = unquote(urlsplit(self.path).path)
            if path.endswith("/"):
                path += "index.html"
            if path in VIRTUAL:
                body, ctype = VIRTUAL[path]
                raw, packed, modified = body, None, None
            elif path in site.files:
                raw, packed, ctype, modified = site.files[path]
            else:
                self._send(404, b"not found", "text/plain", None, None, path)
                return
            if modified and self.headers.get("If-Modified-Since") == modified:
                self._send(304, b"", ctype, None, modified, path)
                return
            gz = packed is not None and "gzip" in self.headers.get("Accept-Encoding", "")
            self._send(200, packed if gz else raw, ctype, "gzip" if gz else None, modified, path)

        def _send(self, code, body, ctype, encoding, modified, path):
            headers = [("Content-Type", ctype), ("Content-Length", str(len(body))), ("Cache-Control", "max-age=600")]
            if encoding:
                headers += [("Content-Encoding", encoding), ("Vary", "Accept-Encoding")]
            if modified:
                headers.append(("Last-Modified", modified))
            self.send_response(code)
            for key, value in headers:
                self.send_header(key, value)
            self.end_headers()
            if code != 304:
                self.wfile.write(body)
            head = len(f"HTTP/1.1 {code} X\r\n") + sum(len(k) + len(v) + 4 for k, v in headers) + 2
            counter.add(path, head + (len(body) if code != 304 else 0))

    return Handler


def build(into: Path) -> Path:
    import build as build_script
    from sitegen.site import build_site

    result = build_site(
        ROOT / "policies",
        into / "site",
        into / "generated",
        ROOT / "mkdocs.yml",
        ROOT / "site_src",
        extra_steps=build_script.site_steps(),
    )
    if not result.ok:
        raise SystemExit(f"build failed at {result.step}")
    return into / "site"


def wait_value(page, expression: str, timeout: float = 60.0):
    """The value of a JS expression once it is set (not null/undefined/0), polled in the page every 100 ms. The
    time measured is the one the page recorded (the probes above), not when this sees it. (Asked from here
    every 20 ms, the polling kept the page's main thread busy for 2.6 s of a bare boot's 7.5 s with the CPU
    slowed 4x, and so slowed what it measured.)"""
    handle = page.wait_for_function(f"() => {expression}", polling=100, timeout=timeout * 1000)
    return handle.json_value()


def new_page(context, slowdown: float):
    """A page whose renderer (and so its workers) runs `slowdown` times slower."""
    page = context.new_page()
    if slowdown != 1:
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
    return page


def bare_boot(browser, base: str, slowdown: float = 1) -> tuple[float, float]:
    context = browser.new_context()
    try:
        times = []
        for _ in range(2):  # cold, then warm (same context: HTTP cache)
            page = new_page(context, slowdown)
            page.goto(base + "__bench/boot.html")
            value = wait_value(page, "window.__booted ?? null", timeout=120.0 * slowdown)
            if value < 0:
                raise SystemExit("bare boot failed: " + str(page.evaluate("() => window.__error")))
            times.append(value)
            page.close()
        return times[0], times[1]
    finally:
        context.close()


def sw_ready(page) -> None:
    """Wait until the service worker is active and its cache holds every precached file."""
    page.evaluate("""async () => {
      const registration = await navigator.serviceWorker.ready;
      for (let i = 0; i < 4800; i++) {
        if (registration.active && registration.active.state === "activated") {
          const keys = await caches.keys();
          if (keys.some((k) => k.startsWith("henan-ce-calculator-"))) return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("service worker did not activate");
    }""")


# The worker's snapshot (site_src/calculator/worker.mjs), once stored, and the Cache Storage then used.
SNAPSHOT_STORED = """async () => {
  if (!(await caches.has("henan-ce-snapshot"))) return null;
  const cache = await caches.open("henan-ce-snapshot");
  const keys = await cache.keys();
  if (!keys.length) return null;
  const response = await cache.match(keys[0]);
  const estimate = await navigator.storage.estimate();
  return { key: new URL(keys[0].url).pathname, bytes: Number(response.headers.get("X-Snapshot-Length")),
           usage: estimate.usage, caches: (estimate.usageDetails || {}).caches ?? null };
}"""


def snapshot_stored(page, timeout: float) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        stored = page.evaluate(SNAPSHOT_STORED)
        if stored:
            return stored
        time.sleep(0.1)
    raise TimeoutError("the worker stored no snapshot")


# A person with `n` records in the form (saved as the page saves them), for the update time.
ONE_RECORD = """
try {
  if (location.pathname.includes("/calculator") && localStorage.getItem("henan-ce-calculator/v1") === null) {
    localStorage.setItem("henan-ce-calculator/v1", JSON.stringify({ policy: "luoyang/2023", records: [
      { date: "2023-05-10", category: "public", required_course: false, hours: "6", mode: "online", days: "",
        title: "" }] }));
  }
} catch {}
"""

SAVE_RECORDS = """
(n) => localStorage.setItem("henan-ce-calculator/v1", JSON.stringify({
  policy: "luoyang/2023", employer: "", cadre_academy_hours: "",
  circumstances: { abroad_months: "", sick_leave_months: "", maternity_months: "", approved_leave_months: "",
                   full_year_service: false },
  records: Array.from({ length: n }, (_, i) => ({ date: `2023-${String(1 + i % 12).padStart(2, "0")}-10`,
    category: i % 2 ? "professional" : "public", required_course: false, hours: "1", mode: "online", days: "",
    title: `课程 ${i}` })),
}))
"""


def import_time(page, rows: int) -> float:
    """Milliseconds from choosing a CSV file of `rows` records to the page's answer in its status line."""
    header = "日期,类别,是否必修,学时,方式,天数,课程名称\r\n"
    body = "".join(f"2023-05-{1 + i % 28:02d},公需,否,1,在线,,课程{i}\r\n" for i in range(rows))
    status = page.locator("#calc-status")
    page.evaluate("() => { document.getElementById('calc-status').textContent = ''; }")
    start = time.perf_counter()
    page.set_input_files(
        "#calc-import", files=[{"name": "r.csv", "mimeType": "text/csv", "buffer": (header + body).encode()}]
    )
    end = start + 60
    while "导入" not in status.inner_text():  # 已导入 … or 未导入 …
        if time.perf_counter() > end:
            raise RuntimeError("no answer to the import within 60 s")
        time.sleep(0.005)
    return (time.perf_counter() - start) * 1000


def calculator(browser, base: str, counter: Counter, updates: int = 0, records: int = 50, slowdown: float = 1) -> dict:
    context = browser.new_context()
    context.add_init_script(FIRST_RESULT_PROBE)
    # The page shows no verdict until a notice is chosen and something entered: the first visit finds one
    # record already saved, as a returning person's browser holds it.
    context.add_init_script(ONE_RECORD)
    errors: list[str] = []
    context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    context.on("weberror", lambda e: errors.append(str(e.error)))
    try:
        counter.take()
        page = new_page(context, slowdown)
        page.goto(base + "calculator/")
        cold = wait_value(page, "window.__firstResult ?? null", timeout=120.0 * slowdown)
        cold_boot = page.evaluate("() => document.documentElement.dataset.calculatorBoot")
        sw_ready(page)
        snapshot = snapshot_stored(page, 120.0 * slowdown)
        time.sleep(0.3)
        first_visit = counter.take()  # the page, the worker's runtime and the service worker's precache
        page.close()
        page = new_page(context, slowdown)
        page.goto(base + "calculator/")
        warm = wait_value(page, "window.__firstResult ?? null", timeout=120.0 * slowdown)
        warm_boot = page.evaluate("() => document.documentElement.dataset.calculatorBoot")
        controlled = page.evaluate("() => Boolean(navigator.serviceWorker.controller)")
        update_times, floor_times = [], []
        imports: dict[str, float] = {}
        if updates:
            page.locator("#calc-status").filter(has_text="就绪").wait_for()
            page.evaluate(SAVE_RECORDS, records)
            page.reload()
            page.locator("html[data-calculator-state=result]").wait_for(state="attached")
            time.sleep(0.3)
            for i in range(updates):
                probe = page.evaluate(UPDATE_PROBE, str(1 + i % 20))
                update_times.append(probe["dom"])
            # then the floor, as many times (not between the changes: the updates are timed as before)
            page.evaluate(FLOOR_PROBE)  # the empty worker started
            floor_times = [page.evaluate(FLOOR_PROBE) for _ in range(updates)]
            for rows in (records, 10_000):
                imports[str(rows)] = import_time(page, rows)
        page.close()
        # the second visit's bytes, but the floor's empty worker (the benchmark's, not the site's)
        warm_visit = [(url, size) for url, size in counter.take() if not url.startswith("/__bench/")]
        return {
            "cold": cold,
            "warm": warm,
            "boots": [cold_boot, warm_boot],
            "snapshot": snapshot,
            "controlled": controlled,
            "first_visit": first_visit,
            "warm_visit": warm_visit,
            "updates": update_times,
            "floors": floor_times,
            "imports": imports,
            "errors": errors,
        }
    finally:
        context.close()


def classify(url: str) -> str:
    if url.startswith("/calculator/pyodide/") and not url.endswith(".whl"):
        return "pyodide"
    if url.startswith(("/assets/javascripts/", "/assets/stylesheets/", "/search/", "/assets/images/")):
        return "theme"
    return "ours"


def other_pages(browser, base: str, site: Site) -> list[str]:
    """URLs of WebAssembly or Pyodide files requested by any page other than the calculator."""
    pyodide_pages = ("/calculator/", "/batch/", "/__bench/")
    pages = [u for u in site.files if u.endswith(".html") and not u.startswith(pyodide_pages)]
    context = browser.new_context()
    bad: list[str] = []
    context.on("request", lambda r: bad.append(r.url) if r.url.endswith(".wasm") or "/pyodide/" in r.url else None)
    try:
        page = context.new_page()
        for url in pages:
            page.goto(base + url.lstrip("/"), wait_until="load")
        page.wait_for_timeout(300)
    finally:
        context.close()
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temporary folder)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slowdown", type=float, nargs="+", default=[1, 4], help="CPU slowdowns (1: none)")
    parser.add_argument("--updates", type=int, default=40)
    parser.add_argument("--records", type=int, default=50, help="records in the form while updates are timed")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(MISSING)

    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        site_dir = args.site or build(Path(tmp))
        site = Site(site_dir)
        counter = Counter()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site, counter))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        measured: dict[float, tuple[list, list]] = {}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                # warm-up (the OS file cache, Chromium's processes), not counted
                bare_boot(browser, base)
                for n, slowdown in enumerate(args.slowdown):
                    bare, calc = [], []
                    for run in range(args.runs):
                        bare.append(bare_boot(browser, base, slowdown))
                        first = n == 0 and run == 0
                        calc.append(
                            calculator(
                                browser,
                                base,
                                counter,
                                updates=args.updates if first else 0,
                                records=args.records,
                                slowdown=slowdown,
                            )
                        )
                    measured[slowdown] = (bare, calc)
                wasm_elsewhere = other_pages(browser, base, site)
                browser.close()
        finally:
            server.shutdown()
    load_after = os.getloadavg()

    med = statistics.median
    speeds = {}
    exact: dict[float, tuple[float, float]] = {}  # the ratios the targets judge: shown rounded, not judged so
    for slowdown, (bare, calc) in measured.items():
        bare_cold, bare_warm = med(b[0] for b in bare), med(b[1] for b in bare)
        calc_cold, calc_second = med(c["cold"] for c in calc), med(c["warm"] for c in calc)
        exact[slowdown] = (calc_cold / bare_cold, calc_second / bare_warm)
        speeds[slowdown] = {
            "bare_boot_ms": {"cold": round(bare_cold), "warm": round(bare_warm)},
            "first_result_ms": {"cold": round(calc_cold), "second_visit": round(calc_second)},
            "ratio": {
                "cold_to_bare_cold": round(calc_cold / bare_cold, 2),
                "second_visit_to_bare_warm": round(calc_second / bare_warm, 2),
            },
            "boots": sorted({f"{c['boots'][0]} then {c['boots'][1]}" for c in calc}),
            "runs": {
                "bare": [[round(x) for x in b] for b in bare],
                "calculator": [[round(c["cold"]), round(c["warm"])] for c in calc],
            },
        }
    calc0 = measured[args.slowdown[0]][1]
    first = calc0[0]
    update = med(first["updates"]) if first["updates"] else None
    split: dict[str, int] = {"pyodide": 0, "theme": 0, "ours": 0}
    for url, size in first["first_visit"]:
        split[classify(url)] += size
    seen: dict[str, int] = {}
    for url, _ in first["first_visit"]:
        seen[url] = seen.get(url, 0) + 1
    twice = sorted(url for url, n in seen.items() if n > 1)
    twice_bytes = sum(size for url, size in first["first_visit"] if url in twice) // 2
    warm_bytes = sum(size for _, size in first["warm_visit"])
    cold_total = sum(split.values())
    all_calc = [c for _, calc in measured.values() for c in calc]
    figures = {
        "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
        "runs": args.runs,
        "by_cpu_slowdown": {f"{k:g}x": v for k, v in speeds.items()},
        "snapshot": first["snapshot"],
        "warm_visit_served_by_service_worker": all(c["controlled"] for c in all_calc),
        "update_ms": {
            "median": round(update, 1) if update is not None else None,
            "max": round(max(first["updates"]), 1) if update is not None else None,
            "count": len(first["updates"]),
            "records": args.records,
            "cpu_slowdown": args.slowdown[0],
            "floor_median": round(med(first["floors"]), 1) if first["floors"] else None,
        },
        "import_ms": {rows: round(ms) for rows, ms in first["imports"].items()},
        "bytes_first_visit": {**split, "total": cold_total},
        "fetched_twice_on_first_visit": twice,
        "bytes_second_visit": warm_bytes,
        "files_first_visit": {
            kind: sorted({u for u, _ in first["first_visit"] if classify(u) == kind}) for kind in split
        },
        "other_pages_wasm_requests": wasm_elsewhere,
        "console_errors": sorted({e for c in all_calc for e in c["errors"]}),
    }
    targets = {}
    for slowdown, (cold_ratio, second_ratio) in exact.items():
        targets[f"CPU {slowdown:g}x: first result cold <= 1.1 x bare boot cold"] = cold_ratio <= 1.1
        targets[f"CPU {slowdown:g}x: second visit <= 0.5 x bare boot warm"] = second_ratio <= 0.5
    targets["every second visit started from the snapshot"] = all(
        c["boots"] == ["normal", "snapshot"] for c in all_calc
    )
    targets["cold visit <= 5.0 MB compressed"] = cold_total <= 5.0 * 1000 * 1000
    # the target is for full speed; timed at another slowdown (--slowdown 4 1), the line says so
    targets[f"CPU {args.slowdown[0]:g}x: update median <= 20 ms"] = update is not None and update <= 20
    targets["our assets < 200 KB compressed"] = split["ours"] < 200 * 1024
    targets["no WebAssembly on other pages"] = not wasm_elsewhere
    targets["no console errors"] = not figures["console_errors"]
    if args.json:
        print(json.dumps({"figures": figures, "targets": targets}, ensure_ascii=False, indent=2))
    else:
        kb = lambda n: f"{n / 1024:,.1f} KB"  # noqa: E731
        print(
            f"Chromium {CHROMIUM}, headless; {os.cpu_count()} CPUs; served gzip -6 from 127.0.0.1; "
            f"median of {args.runs} runs; load average {figures['load_average']['before']} before, "
            f"{figures['load_average']['after']} after"
        )
        for slowdown, speed in speeds.items():
            bare, calc, ratio = speed["bare_boot_ms"], speed["first_result_ms"], speed["ratio"]
            print(f"CPU slowed {slowdown:g}x")
            print(f"  bare Pyodide boot      cold {bare['cold']:7} ms   warm {bare['warm']:7} ms")
            print(
                f"  calculator 1st result  cold {calc['cold']:7} ms   second visit {calc['second_visit']:7} ms"
                f"   (cold/bare cold {ratio['cold_to_bare_cold']}, second/bare warm"
                f" {ratio['second_visit_to_bare_warm']}; boots: {', '.join(speed['boots'])})"
            )
        snap = figures["snapshot"]
        print(
            f"snapshot               {snap['bytes'] / 1e6:.1f} MB at {snap['key']}; Cache Storage in use"
            f" {(snap['caches'] or 0) / 1e6:.1f} MB (origin's storage {snap['usage'] / 1e6:.1f} MB)"
        )
        if update is not None:
            print(
                f"update (input -> DOM)  median {update:.1f} ms, max {figures['update_ms']['max']} ms"
                f" over {len(first['updates'])} changes at CPU {args.slowdown[0]:g}x, {args.records} records in"
                f" the form; the machine's"
                f" floor (an empty worker's round trip and the next frame) median"
                f" {figures['update_ms']['floor_median']} ms"
            )
            for rows, ms in figures["import_ms"].items():
                print(f"import of {rows} rows    {ms} ms (file chosen -> the page's answer)")
        print(
            f"bytes, cold visit      Pyodide {kb(split['pyodide'])}, theme {kb(split['theme'])}, "
            f"ours {kb(split['ours'])}, total {kb(cold_total)} = {cold_total / 1e6:.2f} MB (service worker"
            f" precache included; fetched twice: {', '.join(twice) or 'none'}, {kb(twice_bytes)});"
            f" second visit {kb(warm_bytes)}"
        )
        elsewhere = "WebAssembly: " + ", ".join(wasm_elsewhere) if wasm_elsewhere else "no WebAssembly"
        print(f"other pages            {elsewhere}")
        for name, ok in targets.items():
            print(f"  {'met   ' if ok else 'MISSED'} {name}")
        if figures["console_errors"]:
            print("console errors:", *figures["console_errors"], sep="\n  ")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
