"""The calculator's second visit starts from an interpreter snapshot (issue 16), in Debian's Chromium.

The worker (site_src/calculator/worker.mjs) makes a memory snapshot after a normal boot and keeps it in Cache
Storage under the Pyodide version and the wheel's sha256; a later visit restores it. What must hold:
- a second visit, after the browser was closed and started again on the same profile (a persistent context),
  restores from the snapshot and answers every engine case (tests/cases/*.yaml, sent to the worker as the page
  sends them) exactly as the normal boot did, and as the engine does in CPython; the calculator page itself
  says which boot it took (html[data-calculator-boot]) and shows the same result;
- a truncated snapshot, one under another key (an earlier deploy's wheel), one that throws on restore and one
  that answers the known case differently each fall back to a normal boot with the right answers and no
  console error, and leave a new, whole snapshot under the right key;
- clearing the site's data returns to the normal boot.

Each visit launches Chromium on the test's own profile folder, so each test boots Pyodide two or three times;
the worker is driven from a small page served beside the calculator (no CSP there, nothing of the app), except
in the test of the calculator page itself.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import ARGS, CHROMIUM, MISSING, QuietHandler, Server
from engine_cases import engine_cases, jsonable
from test_browser import BOOT_MS, UPDATE_S, fill_record, record, wait_ready

from calculator.engine import Engine
from calculator.person import PersonError

ROOT = Path(__file__).resolve().parent.parent
CACHE = "henan-ce-snapshot"
HARNESS = "/calculator/__snapshot_harness.html"
# Starts the calculator's worker and sends it requests as the page does; resolves with what it said.
HARNESS_PAGE = b"""<!doctype html><meta charset="utf-8"><title>worker</title><link rel="icon" href="data:,">
<script type="module">
// As the page does: the worker is told whether this browser has stored a snapshot before, and it says when it has.
const HINT = "henan-ce-calculator/snapshot";
window.visit = (requests) => new Promise((resolve) => {
  const name = localStorage.getItem(HINT) ? "snapshot-stored" : "";
  const worker = new Worker("worker.mjs", { type: "module", name });
  const out = { answers: [], stages: [] };
  let left = requests.length;
  worker.onmessage = ({ data }) => {
    if (data.type === "progress") out.stages.push(data.stage);
    else if (data.type === "snapshot-stored") localStorage.setItem(HINT, "1");
    else if (data.type === "ready" || data.type === "failed") {
      out.ready = data;
      requests.forEach((request, id) => worker.postMessage({ id, request }));
      if (!left) resolve(out);
    } else if (data.type === "response") {
      out.answers[data.id] = data.response;
      if (--left === 0) resolve(out);
    }
  };
  window.__worker = worker;  // kept alive while it stores the snapshot
});
</script>
"""

# The stored snapshot's key and size, or null.
STORED = """async (name) => {
  if (!(await caches.has(name))) return null;
  const cache = await caches.open(name);
  const keys = await cache.keys();
  if (keys.length !== 1) return keys.length ? { keys: keys.map((k) => k.url) } : null;
  const response = await cache.match(keys[0]);
  return { key: keys[0].url, length: Number(response.headers.get("X-Snapshot-Length")),
           bytes: (await response.arrayBuffer()).byteLength,
           hint: localStorage.getItem("henan-ce-calculator/snapshot") };  // set once the worker says it stored
}"""

# Each way a stored snapshot goes wrong, done to the one the first visit stored.
SPOIL = """async ([name, how]) => {
  const cache = await caches.open(name);
  const [request] = await cache.keys();
  const response = await cache.match(request);
  const headers = new Headers(response.headers);
  let bytes = new Uint8Array(await response.arrayBuffer());
  let key = request.url;
  const hex = async (data) => Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", data)),
                                         (b) => b.toString(16).padStart(2, "0")).join("");
  if (how === "truncated") bytes = bytes.slice(0, bytes.length >> 1);
  else if (how === "another key") key = key.replace(/calculator-[0-9a-f]{64}$/, "calculator-" + "0".repeat(64));
  else if (how === "throws on restore") {
    bytes[0] ^= 0xff;  // Pyodide's magic number: restoring it throws; the file is whole, its sha256 matches
    headers.set("X-Snapshot-Sha256", await hex(bytes));
  } else if (how === "wrong answer") {
    const canary = JSON.parse(decodeURIComponent(headers.get("X-Snapshot-Canary")));
    canary.ok = !canary.ok;  // what the normal boot answered, changed: the restored one no longer agrees
    headers.set("X-Snapshot-Canary", encodeURIComponent(JSON.stringify(canary)));
  } else throw new Error(how);
  await cache.delete(request);
  await cache.put(key, new Response(bytes, { headers }));
  return key;
}"""


class _Harness(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        if self.path.split("?")[0] != HARNESS:
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(HARNESS_PAGE)))
        self.end_headers()
        self.wfile.write(HARNESS_PAGE)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.fail(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright.chromium


@pytest.fixture(scope="module")
def served(site) -> Iterator[Server]:
    server = Server(site, _Harness)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def key(site, served) -> str:
    """The snapshot's key for this build: the Pyodide version and the calculator wheel's sha256."""
    lock = json.loads((site / "calculator" / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    version = json.loads((ROOT / "node_modules" / "pyodide" / "package.json").read_text())["version"]
    return served.base + f"calculator/snapshot/pyodide-{version}/calculator-{lock['packages']['calculator']['sha256']}"


class Profile:
    """One person's browser profile: each visit starts Chromium on it and closes it again."""

    def __init__(self, chromium: Any, folder: Path, base: str):
        self.chromium, self.folder, self.base = chromium, folder, base
        self.errors: list[str] = []

    def open(self) -> Any:
        context = self.chromium.launch_persistent_context(
            str(self.folder), executable_path=str(CHROMIUM), args=ARGS, locale="zh-CN"
        )
        context.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        context.on("weberror", lambda e: self.errors.append(f"uncaught: {e.error}"))
        return context

    def visit(self, requests: list[dict[str, Any]], then: Any = None) -> dict[str, Any]:
        """The worker started, `requests` answered, the snapshot stored; `then(page)` before the browser closes."""
        context = self.open()
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(self.base + HARNESS.lstrip("/"))
            out: dict[str, Any] = page.evaluate("(requests) => visit(requests)", requests)
            out["stored"] = stored(page)
            if then:
                out["then"] = then(page)
            return out
        finally:
            context.close()


def stored(page: Any, timeout: float = BOOT_MS / 1000) -> dict[str, Any]:
    """The snapshot once the worker has stored it."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = page.evaluate(STORED, CACHE)
        if found and "key" in found and found.pop("hint"):  # stored, and the page told: the visit is done
            return found
        time.sleep(0.1)
    raise AssertionError(f"no snapshot stored: {found}")


@pytest.fixture
def profile(chromium, served, tmp_path) -> Profile:
    return Profile(chromium, tmp_path / "profile", served.base)


def requests() -> list[dict[str, Any]]:
    """Every engine case with a person, as the page's worker receives it."""
    return [
        {"person": jsonable(case["person"]), "as_of": jsonable(case.get("as_of"))}
        for _, case in engine_cases()
        if "person" in case
    ]


def in_cpython(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"ok": True, "result": engine.check(request["person"], dt.date.fromisoformat(request["as_of"]))}
    except PersonError as err:
        return {"ok": False, "errors": [{"field": p.field, "message": p.message} for p in err.problems]}


@pytest.fixture(scope="module")
def engine(built) -> Engine:
    return Engine(built[1])


def assert_whole(found: dict[str, Any], key: str) -> None:
    assert found["key"] == key
    assert found["bytes"] == found["length"] > 10_000_000  # the interpreter's memory, not a stub


def test_a_second_visit_restores_the_snapshot_and_answers_every_case_as_a_normal_boot(profile, key, engine):
    cases = requests()
    assert len(cases) >= 40
    first = profile.visit(cases)
    assert first["ready"] == {"type": "ready", "boot": "normal"}
    assert_whole(first["stored"], key)
    second = profile.visit(cases)
    assert second["ready"] == {"type": "ready", "boot": "snapshot"}
    assert second["answers"] == first["answers"]
    for request, answer in zip(cases, second["answers"], strict=True):
        assert answer == in_cpython(engine, request), request
    assert_whole(second["stored"], key)  # kept for the next visit
    assert profile.errors == []


def test_the_calculator_page_says_it_started_from_the_snapshot_and_shows_the_same_result(profile, key):
    def boot_and_result(context: Any, fill: bool) -> tuple[str, str]:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(profile.base + "calculator/")
        wait_ready(page)
        if fill:
            page.select_option("#f-policy", "luoyang/2023")
            fill_record(page, 0, record(hours=12, title="快照"))
        results = page.locator("#calc-results").filter(has_text="还差 78 学时")
        results.wait_for(timeout=UPDATE_S * 1000)
        boot = page.evaluate("() => document.documentElement.dataset.calculatorBoot")
        if fill:
            stored(page)
        return boot, results.inner_text()

    for fill, want in ((True, "normal"), (False, "snapshot")):  # the second visit: what was typed is kept
        context = profile.open()
        try:
            boot, text = boot_and_result(context, fill)
        finally:
            context.close()
        assert boot == want
        if fill:
            first_text = text
    assert text == first_text
    assert profile.errors == []


@pytest.mark.parametrize("how", ["truncated", "another key", "throws on restore", "wrong answer"])
def test_a_spoiled_snapshot_falls_back_to_a_normal_boot_quietly(profile, key, engine, how):
    cases = requests()[:6]
    first = profile.visit(cases, then=lambda page: page.evaluate(SPOIL, [CACHE, how]))
    assert first["ready"]["boot"] == "normal"
    assert first["then"] != key or how != "another key"
    second = profile.visit(cases)
    assert second["ready"] == {"type": "ready", "boot": "normal"}, how
    assert second["answers"] == [in_cpython(engine, r) for r in cases]
    assert_whole(second["stored"], key)  # the spoiled one deleted, a new one made
    assert profile.errors == []


FORGET = "() => localStorage.removeItem('henan-ce-calculator/snapshot')"  # the page's hint, gone


@pytest.mark.parametrize("stale", [False, True], ids=["same deploy", "an earlier deploy's"])
def test_a_visit_without_the_pages_hint_boots_at_once_and_leaves_one_snapshot(profile, key, engine, stale):
    """The hint only saves the lookup: without it the worker boots normally and stores the snapshot again,
    deleting any other (here one planted under another key, as an earlier deploy's would be)."""
    cases = requests()[:3]

    def forget(page: Any) -> None:
        if stale:
            page.evaluate(SPOIL, [CACHE, "another key"])
        page.evaluate(FORGET)

    profile.visit(cases, then=forget)
    second = profile.visit(cases)
    assert second["ready"] == {"type": "ready", "boot": "normal"}
    assert second["answers"] == [in_cpython(engine, r) for r in cases]
    assert_whole(second["stored"], key)  # one snapshot, this deploy's
    third = profile.visit(cases)
    assert third["ready"] == {"type": "ready", "boot": "snapshot"}  # the hint was given again
    assert profile.errors == []


def test_clearing_the_sites_data_returns_to_the_normal_boot(profile, key, engine, served):
    cases = requests()[:3]

    def clear(page: Any) -> None:
        session = page.context.new_cdp_session(page)
        session.send("Storage.clearDataForOrigin", {"origin": served.base.rstrip("/"), "storageTypes": "all"})
        assert page.evaluate("async (name) => caches.has(name)", CACHE) is False

    first = profile.visit(cases, then=clear)
    assert first["ready"]["boot"] == "normal"
    second = profile.visit(cases)
    assert second["ready"]["boot"] == "normal"
    assert second["answers"] == [in_cpython(engine, r) for r in cases]
    assert_whole(second["stored"], key)
    assert profile.errors == []
