"""Every page of the built site, opened in Debian's Chromium through Playwright (issue 6, items 2 and 5).

- axe-core (the npm package, injected into each page) finds no violation of impact serious or critical; the
  calculator page is checked before and after a result is shown.
- Every page read on a phone (375 px): no sideways scroll of the page itself, no raw mark of the archived text
  (a line starting with `#`, `---`, `**`), no maintainers' words, the calculator within the home page's first
  screen, chart text drawn at 11 px or more (at 1280 px too).
- No page asks another origin for anything, and none logs a console error. These pages are opened with the
  site's own Content-Security-Policy in force (each page carries one), so a CSP violation shows up here as a
  console error. Only the calculator loads WebAssembly (Pyodide); it is opened last and shows a result.

Chromium, node_modules and Playwright are installed by `make test` (`make chromium`, `make setup`): when one
is missing the tests fail with a message saying so, rather than skip.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}
CALCULATOR = "calculator/index.html"
BATCH = "batch/index.html"  # the batch page runs Pyodide too (with openpyxl)
READY = "就绪"  # in #calc-status once Pyodide has started in the worker
BOOT_TIMEOUT_MS = 180_000  # Pyodide (10 MB of WebAssembly) on a slow, busy test machine


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


@pytest.fixture(scope="module")
def base_url(server: Any) -> str:
    return str(server.base)


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: `make setup` runs `npm ci` (axe-core is in package.json)")
    return AXE.read_text(encoding="utf-8")


def show_a_result(page: Any) -> str:
    """Enter one record for Luoyang 2023, wait for Pyodide and for the result; returns its state.

    The record is entered as soon as the form is there, usually before the worker is ready, so that there is
    one evaluation; if the worker was quicker, each input is evaluated in turn, so wait until the result stops
    changing. Only Playwright's own selectors and input calls: they work under the page's CSP, where
    evaluating a string of JavaScript does not.
    """
    page.wait_for_selector("#f-records-0-hours")
    page.select_option("#f-policy", "luoyang/2023")
    page.fill("#f-records-0-date", "2023-05-10")
    page.fill("#f-records-0-hours", "31")
    page.locator("#calc-status", has_text=READY).wait_for(timeout=BOOT_TIMEOUT_MS)
    page.wait_for_selector("body[data-calc-result]", state="attached", timeout=60_000)
    results, previous = page.locator("#calc-results"), None
    for _ in range(40):
        shown = (page.get_attribute("body", "data-calc-result"), results.inner_text())
        if shown == previous:
            break
        previous = shown
        page.wait_for_timeout(250)
    return str(page.get_attribute("body", "data-calc-result"))


# --- axe-core -----------------------------------------------------------------------------------------------

# A fade caught halfway blends its colours with the page's (the back-to-top button once measured 4.35:1 while it
# appeared); a reader sees where the fade ends, so axe looks once the finite animations have finished
# (or after 5 s).
AXE_RUN = """async () => {
  const finite = document.getAnimations().filter((a) => a.playState === "running"
    && a.effect && a.effect.getComputedTiming().endTime !== Infinity);
  const settled = Promise.all(finite.map((a) => a.finished.catch(() => null)));
  await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 5000))]);  // a long one: look anyway
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary}))}));
}"""


def axe_violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=axe_source)
    return list(page.evaluate(AXE_RUN))


def describe(where: str, violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:160]}\n      {node['summary']}".rstrip())
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return lines


SCHEMES = {"light": "default", "dark": "slate"}  # the browser's preference -> Material's palette


def axe_context(browser: Any, scheme: str) -> Any:
    # bypass_csp: axe is injected as an inline <script> and run with page.evaluate, both of which the pages'
    # own CSP (script-src 'self' plus the sha256 of the theme's inline scripts) rightly refuses. This context is
    # only for the axe runs; test_no_page_... below opens every page with the CSP in force.
    return browser.new_context(bypass_csp=True, locale="zh-CN", color_scheme=scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_no_serious_or_critical_violation_on_any_page(site, base_url, browser, axe_source, scheme):
    """Material follows the reader's light or dark preference: both palettes are checked."""
    failures: list[str] = []
    context = axe_context(browser, scheme)
    try:
        page = context.new_page()
        for path in html_pages(site):
            page.goto(base_url + path, wait_until="load")
            page.wait_for_selector(f'body[data-md-color-scheme="{SCHEMES[scheme]}"]', state="attached")
            if path == CALCULATOR:
                page.wait_for_selector("#f-records-0-hours")  # the form is built by the page's module script
            found = [v for v in axe_violations(page, axe_source) if v["impact"] in FAILING_IMPACTS]
            failures += describe(f"{path} ({scheme})", found)
    finally:
        context.close()
    assert not failures, "axe-core violations:\n" + "\n".join(failures)


def test_axe_finds_no_serious_or_critical_violation_on_the_calculator_with_a_result(base_url, browser, axe_source):
    context = axe_context(browser, "light")
    try:
        page = context.new_page()
        page.goto(base_url + CALCULATOR, wait_until="load")
        assert show_a_result(page) in {"compliant", "short"}
        assert page.locator("#calc-results .calc-verdict").count() == 1  # the result is on the page
        failures = describe(
            f"{CALCULATOR} (light)", [v for v in axe_violations(page, axe_source) if v["impact"] in FAILING_IMPACTS]
        )
        page.click('label[for="__palette_1"]')  # the header's toggle to the dark palette, as a reader would
        page.wait_for_selector('body[data-md-color-scheme="slate"]', state="attached")
        page.mouse.move(0, 0)  # away from the toggle, so that its tooltip fades out
        page.wait_for_function(  # ... all the way (axe would measure its text half faded in)
            "() => [...document.querySelectorAll('.md-tooltip')].every((t) => getComputedStyle(t).opacity === '0')"
        )
        # and every colour transition of the palette switch has run (axe once measured a tooltip mid-fade).
        page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
        failures += describe(
            f"{CALCULATOR} (dark)", [v for v in axe_violations(page, axe_source) if v["impact"] in FAILING_IMPACTS]
        )
    finally:
        context.close()
    assert not failures, "axe-core violations with a result shown:\n" + "\n".join(failures)


# --- other origins, console errors --------------------------------------------------------------------------


def test_no_page_requests_another_origin_or_logs_a_console_error_and_only_the_calculator_loads_webassembly(
    site, base_url, browser
):
    origin = urlsplit(base_url).netloc
    context = browser.new_context(locale="zh-CN")  # no bypass_csp: the pages' CSP is enforced
    problems: list[str] = []
    current = {"path": ""}
    requested: dict[str, list[str]] = {}
    # The calculator last: its service worker's precache (after the first result) must not land on another page.
    pages = [path for path in html_pages(site) if path != CALCULATOR] + [CALCULATOR]
    assert len(pages) > 10 and CALCULATOR in html_pages(site)

    def on_request(request: Any) -> None:
        requested.setdefault(current["path"], []).append(request.url)
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob"):
            return
        if url.scheme not in ("http", "https") or url.netloc != origin:
            problems.append(f"{current['path']}: request to another origin: {request.url}")

    def on_console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"{current['path']}: console error: {message.text} ({message.location})")

    def on_page_error(error: Any) -> None:
        problems.append(f"{current['path']}: uncaught exception: {error}")

    def on_failed(request: Any) -> None:
        problems.append(f"{current['path']}: request failed: {request.url} ({request.failure})")

    # On the context, these see the pages' workers (Pyodide's, the search's) and the service worker too.
    context.on("request", on_request)
    context.on("requestfailed", on_failed)
    context.on("console", on_console)
    try:
        page = context.new_page()
        page.on("pageerror", on_page_error)
        for path in pages:
            current["path"] = path
            page.goto(base_url + path, wait_until="networkidle")
            assert page.locator('meta[http-equiv="Content-Security-Policy"]').count() == 1, path
            if path == CALCULATOR:  # the worker, Pyodide, the wheel and the service worker: all of it
                assert show_a_result(page) in {"compliant", "short"}
                page.wait_for_load_state("networkidle")
            if path == BATCH:  # its worker, Pyodide, the whole standard library, the wheels
                page.locator("#batch-status", has_text="可以核对了").wait_for(timeout=BOOT_TIMEOUT_MS)
                page.wait_for_load_state("networkidle")
        page.close()
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    wasm = {path for path, urls in requested.items() if any(u.endswith(".wasm") or "/pyodide/" in u for u in urls)}
    assert wasm == {CALCULATOR, BATCH}


# --- the theme's script, on demand (site_src/assets/material-on-demand.js) ----------------------------------

READING_PAGE = "policies/luoyang/2023.html"
THEME_SCRIPT = ("/assets/javascripts/", "/search/search_index.json")  # Material's script, its search and index


def theme_requests(urls: list[str]) -> list[str]:
    return [u for u in urls if urlsplit(u).path.startswith(THEME_SCRIPT)]


@pytest.mark.parametrize("width", [375, 1280])
def test_the_themes_script_loads_when_the_reader_reaches_for_the_search_and_then_finds(base_url, browser, width):
    context = browser.new_context(locale="zh-CN", viewport={**PHONE, "width": width})  # the pages' CSP enforced
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        page = context.new_page()
        page.goto(base_url + READING_PAGE, wait_until="networkidle")
        before = theme_requests(requests)
        if width == PHONE["width"]:
            page.locator('label[for="__search"]:visible').first.click()  # the header's search button
        else:
            page.locator(".md-search__input").click()  # the header's search field
        page.keyboard.type("2020")  # typed at once, while the script loads: kept and searched
        found = page.locator(".md-search-result__item")
        found.first.wait_for(timeout=15_000)
        value = page.locator(".md-search__input").input_value()
    finally:
        context.close()
    assert before == []  # reading the page loaded neither Material's script nor the search index
    assert any(u.endswith(".min.js") for u in theme_requests(requests))
    assert value == "2020"


def test_the_palette_follows_the_system_until_the_reader_switches_and_keeps_the_switch(base_url, browser):
    context = browser.new_context(locale="zh-CN", color_scheme="dark")
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        page = context.new_page()
        page.goto(base_url + READING_PAGE, wait_until="load")
        scheme = lambda: page.evaluate("() => document.body.dataset.mdColorScheme")  # noqa: E731
        shown = lambda: page.locator('[data-md-component="palette"] label:not([hidden])').get_attribute("title")  # noqa: E731
        first = (scheme(), shown())
        page.locator('[data-md-component="palette"] label:not([hidden])').click()
        switched = (scheme(), shown())
        page.goto(base_url + "notices/luoyang-2023.html", wait_until="load")
        kept = (scheme(), shown())
    finally:
        context.close()
    assert first == ("slate", "切换到浅色")  # the system's dark preference, and the toggle offers the other
    assert switched == ("default", "切换到深色")
    assert kept == switched  # the reader's choice, on the next page too
    assert theme_requests(requests) == []  # without Material's script


def test_printing_a_reading_page_prints_its_text(base_url, browser):
    """The calculator's print rules (only its report) belong to the calculator page alone."""
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(base_url + "notices/luoyang-2023.html", wait_until="load")
        page.emulate_media(media="print")
        printed = page.locator("article").inner_text()
        heading_shown = page.locator("article h1").is_visible()
    finally:
        context.close()
    assert heading_shown
    assert "洛阳市人力资源和社会保障局" in printed and len(printed) > 2000


# --- read on a phone ----------------------------------------------------------------------------------------

PHONE = {"width": 375, "height": 667}
RAW_MARKS = ("#", "---", "**")  # the extraction's Markdown-like marks, drawn as text
MAINTAINERS_WORDS = ("policies/", "README", "localStorage", "编码为")
MIN_CHART_TEXT_PX = 11

PAGE_FACTS = """() => {
  const root = document.documentElement;
  const lines = document.body.innerText.split("\\n").map((l) => l.trim());
  const charts = [...document.querySelectorAll("svg.chart")].filter((svg) => svg.getClientRects().length > 0);
  const smallest = charts.map((svg) => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return Math.min(...[...svg.querySelectorAll("text")].map((t) => parseFloat(getComputedStyle(t).fontSize) * scale));
  });
  const calculator = [...document.querySelectorAll("a[href]")].filter((a) => {
    const r = a.getBoundingClientRect();
    return /calculator\\/(index\\.html)?([?#]|$)/.test(a.getAttribute("href")) && r.width > 0 && r.height > 0
      && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth
      && !a.closest(".md-sidebar, .md-nav, .md-header") && getComputedStyle(a).visibility !== "hidden";
  }).map((a) => a.innerText.trim());  // in the page's own text, not the (off-screen) navigation drawer
  return {overflow: root.scrollWidth - root.clientWidth, lines, smallest, calculator};
}"""


def page_problems(path: str, facts: dict[str, Any], width: int) -> list[str]:
    problems = []
    if width == PHONE["width"]:
        if facts["overflow"] > 0:
            problems.append(f"{path}: the page scrolls sideways by {facts['overflow']} px at {width} px")
        for line in facts["lines"]:
            if line.startswith(RAW_MARKS):
                problems.append(f"{path}: a line starts with a raw mark: {line[:60]!r}")
            problems += [f"{path}: {w!r} in visible text: {line[:80]!r}" for w in MAINTAINERS_WORDS if w in line]
    for px in facts["smallest"]:
        if px < MIN_CHART_TEXT_PX:
            problems.append(f"{path}: chart text drawn at {px:.1f} px at {width} px (at least {MIN_CHART_TEXT_PX})")
    return problems


@pytest.mark.parametrize("width", [375, 1280])
def test_every_page_reads_on_a_phone(site, base_url, browser, width):
    """At 375 px every check; at 1280 px the charts' text (they are drawn for the box they get)."""
    context = browser.new_context(locale="zh-CN", viewport={**PHONE, "width": width})
    problems: list[str] = []
    try:
        page = context.new_page()
        paths = html_pages(site)
        charts = 0
        for path in paths:
            if width != PHONE["width"] and not path.startswith("annexes/"):
                continue
            page.goto(base_url + path, wait_until="load")
            if path == CALCULATOR:
                page.wait_for_selector("#f-records-0-hours")  # the form, built by the page's script
            facts = page.evaluate(PAGE_FACTS)
            charts += len(facts["smallest"])
            problems += page_problems(path, facts, width)
            if path == "index.html" and width == PHONE["width"] and not facts["calculator"]:
                problems.append("index.html: no link to the calculator in the first screen at 375 px")
        assert charts > 0  # the annex pages' charts were measured
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_the_matrix_on_a_phone_keeps_its_headers_in_view_and_compares_two_chosen_policies_without_javascript(
    site, base_url, browser
):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base_url + "compare.html", wait_until="load")
        heads = page.locator("table.matrix thead th")
        total = heads.count()
        assert total >= 4
        wrap = page.locator(".matrix-wrap")
        wrap.scroll_into_view_if_needed()
        wrap.evaluate("(w) => { w.scrollTop = 800; w.scrollLeft = 200; }")
        box = wrap.bounding_box()
        corner = page.locator("table.matrix thead th.rule-col").bounding_box()
        second = heads.nth(2).bounding_box()
        assert abs(corner["y"] - box["y"]) <= 2 and abs(corner["x"] - box["x"]) <= 2  # the corner stays put
        assert abs(second["y"] - box["y"]) <= 2  # the policies' header row stays at the top while rows scroll
        rule_col = page.locator("table.matrix tbody th.rule-col").first.bounding_box()
        assert rule_col["width"] <= 0.3 * PHONE["width"]  # the rule column leaves room for the policies
        page.check("#pick-2")
        page.check("#pick-4")
        visible = [i for i in range(total) if heads.nth(i).is_visible()]
        assert visible == [0, 2, 4]  # the rule column and the two chosen policies, side by side
        assert (
            page.locator("table.matrix tbody tr:not(.group-row) td:visible").count()
            == 2 * page.locator("table.matrix tbody tr:not(.group-row)").count()
        )
        both = [heads.nth(i).bounding_box() for i in visible]
        assert both[-1]["x"] + both[-1]["width"] <= PHONE["width"]  # both in view without scrolling sideways
    finally:
        context.close()


def test_a_quote_lands_below_the_header_with_its_lead_in_in_view(built, base_url, browser):
    """Luoyang's "3.生育" is one of the cases of "有下列情况之一的……": that line must be readable on arrival."""
    from calculator.citations import quote_id, squeeze

    rule = built[1]["policies"]["luoyang/2023"]["rules"]["proration.cases"]
    quotes = [c["quote"] for item in rule["value"] for c in item.get("sources", []) if "生育" in c["quote"]]
    assert quotes, "Luoyang's proration cases cite 生育"
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{base_url}notices/luoyang-2023.html#{quote_id(quotes[0])}", wait_until="load")
        page.wait_for_timeout(300)
        target = page.locator(f"#{quote_id(quotes[0])}").bounding_box()
        header = page.locator("header.md-header").bounding_box()
        lead_in = page.locator(".notice-text p", has_text="有下列情况之一的").bounding_box()
        assert target["y"] >= header["y"] + header["height"]  # not under the header
        assert lead_in["y"] >= header["y"] + header["height"] and lead_in["y"] < target["y"]  # its lead-in above it
        assert squeeze(page.locator(f"#{quote_id(quotes[0])}").inner_text()) == squeeze(quotes[0])
    finally:
        context.close()
