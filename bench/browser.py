#!/usr/bin/env python3
"""Benchmark of the browser calculator in headless Chromium (a benchmark, not a timed test).

    .venv/bin/python bench/browser.py [--site DIR] [--runs 3] [--updates 40] [--json]

Builds the site into a temporary folder (or uses --site), serves it on 127.0.0.1 from a small HTTP server that
compresses with gzip (level 6, as a static host or CDN would; each file compressed once, before any
measurement) and sends `Cache-Control: max-age=600` and `Last-Modified`, then measures in one run of Debian's
Chromium driven by Playwright:

  bare boot      an empty page whose module worker runs loadPyodide() from the site's own copy of Pyodide, and
                 nothing else; time from navigation start to the worker's "booted" message
  first result   the calculator page: navigation start to the first result (html[data-calculator-state=result])
                 each cold (a new browser context: empty HTTP cache, no service worker) and warm (the same context,
                 navigated again: HTTP cache, or the calculator's service worker cache), median of --runs
  update         median time from an input change (the hours of a record) to the updated results in the DOM, with
                 --records records in the form (a person's usual year is up to about 50)
  import         time from choosing a CSV file to the page's answer: --records rows (imported) and 10,000 rows
                 (refused: that many records are a staff list, for the batch check)
  bytes          bytes the server sent (gzip bodies + headers) for a cold visit of the calculator page, split into
                 Pyodide's runtime (calculator/pyodide/* except our wheel), the theme (Material's assets and the
                 search index) and ours (the page, its scripts and CSS, the service worker, the calculator wheel
                 with the policy bundle); the service worker's precache (registered after the first result) is
                 included, and the files it fetched again named; and the bytes of the warm (second) visit
  other pages    every other page of the site loads no WebAssembly (no .wasm request, no Pyodide file)

The bare boot runs in the same browser, alternating with the calculator, so both see the same machine load; on
a busy machine the absolute times grow, the ratios much less.

Targets: first result within 1.2x the bare boot of the same run, cold and warm; an update within 20 ms median;
our own assets under 200 KB compressed; no WebAssembly on other pages. Exit status 1 when a target is missed.
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
VIRTUAL = {
    "/__bench/boot.html": (BOOT_PAGE, "text/html; charset=utf-8"),
    "/__bench/boot-worker.mjs": (BOOT_WORKER, "text/javascript; charset=utf-8"),
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

# One input change -> the next change of #calc-results' children, timed in the page.
UPDATE_PROBE = """
(value) => new Promise((resolve, reject) => {
  const results = document.getElementById("calc-results");
  const input = document.getElementById("f-records-0-hours");
  const timer = setTimeout(() => reject(new Error("no update within 5 s")), 5000);
  let t0;
  new MutationObserver((_, observer) => {
    observer.disconnect();
    clearTimeout(timer);
    // the DOM is updated; wait for the frame that paints it
    requestAnimationFrame(() => resolve({ dom: performance.now() - t0, text: results.textContent }));
  }).observe(results, { childList: true });
  t0 = performance.now();
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
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
    """Poll a JS expression (evaluated as a function body's return value) until it is not null/undefined."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = page.evaluate(f"() => {expression}")
        if value is not None:
            return value
        time.sleep(0.02)
    raise TimeoutError(expression)


def bare_boot(browser, base: str) -> tuple[float, float]:
    context = browser.new_context()
    try:
        times = []
        for _ in range(2):  # cold, then warm (same context: HTTP cache)
            page = context.new_page()
            page.goto(base + "__bench/boot.html")
            value = wait_value(page, "window.__booted ?? null")
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
      for (let i = 0; i < 600; i++) {
        if (registration.active && registration.active.state === "activated") {
          const keys = await caches.keys();
          if (keys.some((k) => k.startsWith("henan-ce-calculator-"))) return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("service worker did not activate");
    }""")


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


def calculator(browser, base: str, counter: Counter, updates: int = 0, records: int = 50) -> dict:
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
        page = context.new_page()
        page.goto(base + "calculator/")
        cold = wait_value(page, "window.__firstResult ?? null")
        sw_ready(page)
        time.sleep(0.3)
        first_visit = counter.take()  # the page, the worker's runtime and the service worker's precache
        page.close()
        page = context.new_page()
        page.goto(base + "calculator/")
        warm = wait_value(page, "window.__firstResult ?? null")
        controlled = page.evaluate("() => Boolean(navigator.serviceWorker.controller)")
        update_times = []
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
            for rows in (records, 10_000):
                imports[str(rows)] = import_time(page, rows)
        page.close()
        warm_visit = counter.take()
        return {
            "cold": cold,
            "warm": warm,
            "controlled": controlled,
            "first_visit": first_visit,
            "warm_visit": warm_visit,
            "updates": update_times,
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
    pages = [u for u in site.files if u.endswith(".html") and not u.startswith(("/calculator/", "/__bench/"))]
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
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--updates", type=int, default=40)
    parser.add_argument("--records", type=int, default=50, help="records in the form while updates are timed")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(MISSING)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site_dir = args.site or build(Path(tmp))
        site = Site(site_dir)
        counter = Counter()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site, counter))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                bare, calc = [], []
                # warm-up (the OS file cache, Chromium's processes), not counted
                bare_boot(browser, base)
                for run in range(args.runs):
                    bare.append(bare_boot(browser, base))
                    calc.append(
                        calculator(
                            browser, base, counter, updates=args.updates if run == 0 else 0, records=args.records
                        )
                    )
                wasm_elsewhere = other_pages(browser, base, site)
                browser.close()
        finally:
            server.shutdown()

    med = statistics.median
    bare_cold, bare_warm = med(b[0] for b in bare), med(b[1] for b in bare)
    calc_cold, calc_warm = med(c["cold"] for c in calc), med(c["warm"] for c in calc)
    update = med(calc[0]["updates"]) if calc[0]["updates"] else None
    split: dict[str, int] = {"pyodide": 0, "theme": 0, "ours": 0}
    for url, size in calc[0]["first_visit"]:
        split[classify(url)] += size
    seen: dict[str, int] = {}
    for url, _ in calc[0]["first_visit"]:
        seen[url] = seen.get(url, 0) + 1
    twice = sorted(url for url, n in seen.items() if n > 1)
    twice_bytes = sum(size for url, size in calc[0]["first_visit"] if url in twice) // 2
    warm_bytes = sum(size for _, size in calc[0]["warm_visit"])
    figures = {
        "bare_boot_ms": {
            "cold": round(bare_cold),
            "warm": round(bare_warm),
            "runs": [[round(x) for x in b] for b in bare],
        },
        "first_result_ms": {
            "cold": round(calc_cold),
            "warm": round(calc_warm),
            "runs": [[round(c["cold"]), round(c["warm"])] for c in calc],
        },
        "ratio": {"cold": round(calc_cold / bare_cold, 2), "warm": round(calc_warm / bare_warm, 2)},
        "warm_visit_served_by_service_worker": all(c["controlled"] for c in calc),
        "update_ms": {
            "median": round(update, 1) if update is not None else None,
            "max": round(max(calc[0]["updates"]), 1) if update is not None else None,
            "count": len(calc[0]["updates"]),
            "records": args.records,
        },
        "import_ms": {rows: round(ms) for rows, ms in calc[0]["imports"].items()},
        "bytes_first_visit": {**split, "total": sum(split.values())},
        "fetched_twice_on_first_visit": twice,
        "bytes_second_visit": warm_bytes,
        "files_first_visit": {
            kind: sorted({u for u, _ in calc[0]["first_visit"] if classify(u) == kind}) for kind in split
        },
        "other_pages_wasm_requests": wasm_elsewhere,
        "console_errors": sorted({e for c in calc for e in c["errors"]}),
    }
    targets = {
        "first result cold <= 1.2 x bare boot": figures["ratio"]["cold"] <= 1.2,
        "first result warm <= 1.2 x bare boot": figures["ratio"]["warm"] <= 1.2,
        "update median <= 20 ms": update is not None and update <= 20,
        "our assets < 200 KB compressed": split["ours"] < 200 * 1024,
        "no WebAssembly on other pages": not wasm_elsewhere,
        "no console errors": not figures["console_errors"],
    }
    if args.json:
        print(json.dumps({"figures": figures, "targets": targets}, ensure_ascii=False, indent=2))
    else:
        kb = lambda n: f"{n / 1024:,.1f} KB"  # noqa: E731
        print(
            f"Chromium {CHROMIUM}, headless; {os.cpu_count()} CPUs; served gzip -6 from 127.0.0.1; "
            f"median of {args.runs} runs"
        )
        print(f"bare Pyodide boot      cold {bare_cold:7.0f} ms   warm {bare_warm:7.0f} ms")
        print(
            f"calculator 1st result  cold {calc_cold:7.0f} ms   warm {calc_warm:7.0f} ms"
            f"   (ratio cold {figures['ratio']['cold']}, warm {figures['ratio']['warm']};"
            f" warm visit via service worker: {figures['warm_visit_served_by_service_worker']})"
        )
        if update is not None:
            print(
                f"update (input -> DOM)  median {update:.1f} ms, max {figures['update_ms']['max']} ms"
                f" over {len(calc[0]['updates'])} changes, {args.records} records in the form"
            )
            for rows, ms in figures["import_ms"].items():
                print(f"import of {rows} rows    {ms} ms (file chosen -> the page's answer)")
        print(
            f"bytes, cold visit      Pyodide {kb(split['pyodide'])}, theme {kb(split['theme'])}, "
            f"ours {kb(split['ours'])}, total {kb(sum(split.values()))} (service worker precache included;"
            f" fetched twice: {', '.join(twice) or 'none'}, {kb(twice_bytes)}); second visit {kb(warm_bytes)}"
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
