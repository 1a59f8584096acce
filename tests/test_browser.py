"""The calculator page end to end, in Debian's Chromium through Playwright (issue 5).

What a person does on the page, and what they must see:
- the form filled in for four people gives, in the text of #calc-results, what the engine gives in-process for
  the same person (and one number per case worked out by hand); a reload keeps what was typed;
- every bad entry (negative hours, text, a date outside the year, 30 hours in one day, months out of range)
  shows a message next to its field, keeps what was typed, and never a Python traceback;
- a GBK CSV (as Excel in China writes it) imports; export then import gives the same records and result;
- `<img src=x onerror=alert(1)>` stays text wherever it is typed or imported;
- a second visit works with the server gone (the service worker's cache); no console error on the calculator
  (every page's requests and console: tests/test_pages_browser.py);
- keyboard: Tab reaches every control in order, the buttons work with Enter; each message is tied to its field
  by aria-describedby; screenshots at 375 px and 1280 px go to build/screenshots/ (looked at by a person) and the
  phone layout has nothing wider than the screen.

One browser for this module, a new context per test; the site is the session's full build (conftest `built`),
served over http://127.0.0.1 (a worker and a service worker need http). Pyodide boots in 2-4 s per context, so
each test boots it at most twice and checks several things on one page. The page's CSP forbids eval, so waits use
locators and Python-side polling, never a string `wait_for_function`. Chromium is installed by `make test`
(`make chromium`): when it is missing the tests fail and say so, they do not skip.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browsing import QuietHandler, Server

from calculator.citations import quote_id

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "build" / "screenshots"
STORAGE_KEY = "henan-ce-calculator/v1"  # where the page keeps the form (site_src/calculator/state.mjs)
READY = "就绪"  # in #calc-status once Pyodide and the calculator package are loaded in the worker
BOOT_MS = 120_000  # Pyodide's boot on a slow, busy machine; 2-4 s on an idle one
UPDATE_S = 15.0  # a result after an input: ~15 ms on an idle machine
XSS = "<img src=x onerror=alert(1)>"
MONTHS = ("abroad_months", "sick_leave_months", "maternity_months", "approved_leave_months")
ROWS = {"合计": "total", "公需科目": "public", "其中必修课": "public_required_course", "专业科目": "professional"}


# --- serving the site, the browser, one context per test ----------------------------------------------------


class _NoStore(QuietHandler):
    """No HTTP caching at all: a page that works once the server is gone came from the service worker."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@pytest.fixture(scope="module")
def engine(built):
    from calculator.engine import Engine

    return Engine(built[1])


class Tab:
    """A browser context with one page, and everything it logs or asks for."""

    def __init__(self, browser: Any, base: str, **options: Any):
        self.base = base
        self.context = browser.new_context(locale="zh-CN", **options)
        # window.print() would open the print dialog; count the calls instead
        self.context.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1; };")
        self.context.add_init_script(STATES)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.alerts: list[str] = []
        self.context.on(
            "console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None
        )
        self.context.on("weberror", lambda e: self.errors.append(f"uncaught: {e.error}"))
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.confirm = True

    def _dialog(self, dialog: Any) -> None:
        if dialog.type == "confirm":
            dialog.accept() if self.confirm else dialog.dismiss()
        else:
            self.alerts.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

    def open(self, path: str = "calculator/", ready: bool = True) -> Any:
        self.page.goto(self.base + path)
        if ready:
            wait_ready(self.page)
        return self.page

    def foreign(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.base) and not u.startswith(("data:", "blob:"))]

    def assert_clean(self) -> None:
        assert self.errors == [], "console errors"
        assert self.foreign() == [], "requests to another origin"
        assert self.alerts == [], "a script ran an alert"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser, server) -> Iterator[Tab]:
    t = Tab(browser, server.base)
    yield t
    t.close()


# Every value <html data-calculator-state> takes, in order, from the start of the page (window.__states).
STATES = """
window.__states = [];
const note = (value) => {
  if (value && window.__states[window.__states.length - 1] !== value) window.__states.push(value);
};
new MutationObserver((changes) => {
  for (const change of changes) note(change.oldValue);  // a value replaced before this callback still counts
  note(document.documentElement.dataset.calculatorState);
}).observe(document, { subtree: true, attributes: true, attributeOldValue: true,
                       attributeFilter: ["data-calculator-state"] });
"""


def wait_state(page: Any, state: str, timeout: float = BOOT_MS) -> None:
    page.locator(f"html[data-calculator-state={state}]").wait_for(state="attached", timeout=timeout)


def wait_ready(page: Any) -> None:
    """The engine answers, and the answer for what the form holds (if it holds anything) is on the page."""
    page.locator("#calc-status").filter(has_text=READY).wait_for(timeout=BOOT_MS)
    if page.evaluate("() => document.documentElement.dataset.calculatorState") != "ready":
        wait_state(page, "result")


# --- the form, as a person fills it -------------------------------------------------------------------------


def text(value: Any) -> str:
    return "" if value is None else str(value)


def clear(tab: Tab) -> None:
    tab.page.click("#calc-clear")  # confirm() is accepted
    assert tab.page.locator("fieldset.calc-record").count() == 1


def fill(page: Any, person: dict[str, Any]) -> None:
    """Type `person` (the calculator contract's JSON, as the page sends it) into a cleared form: only what differs
    from an empty form is touched."""
    page.select_option("#f-policy", person["policy"])
    if person.get("employer"):
        page.select_option("#f-employer", person["employer"])
    circumstances = person.get("circumstances", {})
    for key in MONTHS:
        if circumstances.get(key) is not None:
            page.fill(f"#f-circumstances-{key}", text(circumstances[key]))
    if circumstances.get("full_year_service"):
        page.check("#f-circumstances-full_year_service")
    if person.get("cadre_academy_hours") is not None:
        page.fill("#f-cadre_academy_hours", text(person["cadre_academy_hours"]))
    for row, rec in enumerate(person["records"]):
        if row > 0:
            page.click("#calc-add")
        fill_record(page, row, rec)


DEFAULTS = {"category": "public", "required_course": False, "mode": "online"}


def set_field(page: Any, row: int, key: str, value: Any) -> None:
    at = f"#f-records-{row}-{key}"
    if key in ("category", "mode"):
        page.select_option(at, value)
    elif key == "required_course":
        page.set_checked(at, bool(value))
    else:
        page.fill(at, text(value))


def fill_record(page: Any, row: int, rec: dict[str, Any]) -> None:
    """Type a record into an empty row; hours last, so the final result is the whole record's."""
    for key in ("date", "category", "required_course", "mode", "days", "title"):
        if rec.get(key) is not None and rec.get(key) != DEFAULTS.get(key):
            set_field(page, row, key, rec[key])
    set_field(page, row, "hours", rec.get("hours"))


def form_records(page: Any) -> list[dict[str, Any]]:
    """Every record row's controls, as the form shows them."""
    return page.locator("fieldset.calc-record").evaluate_all(
        """sets => sets.map((set) => Object.fromEntries([...set.querySelectorAll("[data-field]")].map((c) =>
             [c.dataset.field.replace(/^records\\[\\d+\\]\\./, ""), c.type === "checkbox" ? c.checked : c.value])))"""
    )


# --- the result, as the page shows it -----------------------------------------------------------------------


def _hours(cell: str) -> float | None:
    cell = cell.strip()
    if cell == "—":
        return None
    match = re.fullmatch(r"(-?\d+(?:\.\d+)?) 学时", cell)
    assert match, f"not an hours cell: {cell!r}"
    return float(match.group(1))


def shown(page: Any) -> dict[str, Any]:
    """What #calc-results says, read from its text: verdict, deadline, the table, warnings, explanation steps."""
    results = page.locator("#calc-results")
    lines = [line.strip() for line in results.inner_text().splitlines() if line.strip()]
    table: dict[str, dict[str, float | None]] = {"required": {}, "credited": {}, "remaining": {}}
    for line in lines:
        cells = line.split("\t")
        if cells[0] in ROWS and len(cells) >= 4:
            for column, cell in zip(("required", "credited", "remaining"), cells[1:4], strict=True):
                table[column][ROWS[cells[0]]] = _hours(cell)
    return {
        "verdict": lines[0] if lines else "",
        "deadline": next((line for line in lines if line.startswith("截止日期")), None),
        **table,
        "warnings": results.locator('section[aria-label="提示"] li').all_inner_texts(),
        "steps": results.locator(".calc-steps > ol > li > p:first-child").all_inner_texts(),
    }


def expected(result: dict[str, Any], rows: list[int] | None = None) -> dict[str, Any]:
    """What the page must show for the engine's `result`; `rows[i]` is the form row of the engine's records[i]."""

    def table(column: str) -> dict[str, float]:
        return {k: float(v) for k, v in result[column].items() if result["required"][k] is not None}

    due = result["deadline"]
    if due:
        day = dt.date.fromisoformat(due)
        left = result["days_left"]
        when = f"还有 {left} 天" if left >= 0 else f"已过 {-left} 天"
        deadline = f"截止日期：{day.year}年{day.month}月{day.day}日（{when}）"
    else:
        deadline = "截止日期：通知未写明"
    warnings = []
    for w in result["warnings"]:
        if w["code"] in ("late_record", "planned"):
            continue  # shown apart, in their own sections
        if w["record"] is None:
            warnings.append(w["message"])
        else:
            row = rows[w["record"]] if rows else w["record"]
            warnings.append(f"第 {row + 1} 条记录：" + re.sub(r"^第 \d+ 条记录（records\[\d+\]）\s*", "", w["message"]))
    from calculator.verdict import verdict

    return {
        "verdict": verdict(result)["text"],  # the words decided in Python (calculator.verdict)
        "deadline": deadline,
        "required": table("required"),
        "credited": table("credited"),
        "remaining": table("remaining"),
        "warnings": warnings,
        "steps": [s["text"] for s in result["steps"]],
    }


def wait_shown(page: Any, want: dict[str, Any], timeout: float = UPDATE_S) -> dict[str, Any]:
    """Poll the page's results until they are `want` (the worker answers the latest input only)."""
    end = time.monotonic() + timeout
    while True:
        got = shown(page)
        if got == want or time.monotonic() > end:
            assert got == want
            return got
        page.wait_for_timeout(50)


def no_traceback(page: Any) -> None:
    body = page.locator("body").inner_text()
    for sign in ("Traceback", 'File "', "Error:", "PythonError", "calculator/"):
        assert sign not in body, f"{sign!r} on the page"


# --- the cases: the same person in the page and in the engine -----------------------------------------------


def record(**fields: Any) -> dict[str, Any]:
    out = {"date": "2023-05-10", "category": "public", "required_course": False, "hours": 6, "mode": "online"}
    out.update(fields)
    return out


CASES = [
    pytest.param(
        {
            "policy": "luoyang/2023",
            "circumstances": {"full_year_service": False},
            "records": [record(hours=31, title="数字技术")],
        },
        # 31 public hours: the public floor (30) is met; the professional floor (60) is not, and the one hour of
        # public surplus cannot fill it: total remaining = max(0 + 60, 90 - 31) = 60.
        {"remaining": {"public": 0, "professional": 60, "total": 60}, "credited": {"public": 31}},
        "short",
        id="luoyang-2023-public-31",
    ),
    pytest.param(
        {
            "policy": "zhengzhou/2020",
            "circumstances": {"full_year_service": False},
            "records": [
                record(date="2020-03-01", hours=20, required_course=True, title="必修课"),
                record(date="2020-03-02", hours=15),
                record(date="2020-04-01", hours=60, category="professional"),
            ],
        },
        # 35 public hours, but only 20 of the 24 required-course hours: public remaining = max(30-35, 24-20) = 4.
        {
            "remaining": {"public_required_course": 4, "public": 4, "professional": 0, "total": 4},
            "credited": {"public": 35, "total": 95},
        },
        "short",
        id="zhengzhou-2020-required-course",
    ),
    pytest.param(
        {
            "policy": "luoyang/2023",
            "employer": "public_institution",
            "circumstances": {"full_year_service": False},
            "cadre_academy_hours": 20,
            "records": [record(hours=10, mode="face_to_face", days=1)],
        },
        # 10 face-to-face hours in one day count as 6 (the per-day cap); 20 cadre-academy hours offset public:
        # credited public 26, remaining 4.
        {"remaining": {"public": 4, "total": 64}, "credited": {"public": 26}},
        "short",
        id="luoyang-2023-cap-and-cadre-offset",
    ),
    pytest.param(
        {
            "policy": "henan/2023",
            "circumstances": {"full_year_service": False},
            "records": [record(hours=30), record(date="2023-06-01", hours=60, category="professional")],
        },
        {"remaining": {"public": 0, "professional": 0, "total": 0}, "credited": {"total": 90}},
        "compliant",
        id="henan-2023-compliant",
    ),
]


def test_the_form_shows_the_engines_result_for_each_case_and_a_reload_keeps_the_data(tab, engine):
    page = tab.open()
    for case in CASES:
        person, by_hand, verdict = case.values
        clear(tab)
        fill(page, person)
        result = engine.check(json.loads(json.dumps(person)))
        got = wait_shown(page, expected(result))
        for column, values in by_hand.items():
            for key, value in values.items():
                assert got[column][key] == value, (case.id, column, key)
        assert page.locator("body").get_attribute("data-calc-result") == verdict
        # each quoted passage links to its place on its notice page (the worker names the anchor)
        quotes = page.locator("#calc-results .calc-steps blockquote")
        assert quotes.count() >= 1
        for i in range(quotes.count()):
            quoted = quotes.nth(i).locator("p").first.inner_text().strip("“”")
            href = quotes.nth(i).locator("a").get_attribute("href") or ""
            assert href.endswith("#" + quote_id(quoted)), (case.id, quoted, href)

    # the last case stays in the form: a reload (a second Pyodide boot) shows it again, as typed
    person = CASES[-1].values[0]
    before = form_records(page)
    page.reload()
    wait_ready(page)
    assert page.input_value("#f-policy") == person["policy"]
    assert form_records(page) == before
    assert [r["hours"] for r in before] == ["30", "60"]
    wait_shown(page, expected(engine.check(json.loads(json.dumps(person)))))
    no_traceback(page)
    tab.assert_clean()


# --- bad entries ----------------------------------------------------------------------------------------------

BAD = [
    # (field, typed, record fields): each an error the engine names, shown next to that field
    ("records[0].hours", "-3", {}),
    ("records[0].hours", "abc", {}),
    ("records[0].hours", "30", {"mode": "face_to_face", "days": 1}),  # 30 hours in one day
    ("records[0].days", "0", {"mode": "face_to_face"}),
    ("circumstances.abroad_months", "13", {}),
    ("circumstances.sick_leave_months", "三个月", {}),
    ("cadre_academy_hours", "-5", {}),
]


def slug(field: str) -> str:
    return re.sub(r"-$", "", re.sub(r"[\[\].]+", "-", field))


def test_every_bad_entry_shows_a_message_by_its_field_and_keeps_what_was_typed(tab, engine):
    page = tab.open()
    page.select_option("#f-policy", "luoyang/2023")
    fill_record(page, 0, record())
    page.locator("body[data-calc-result=short]").wait_for(timeout=UPDATE_S * 1000)
    good = record()
    for field, typed, extra in BAD:
        problems = form_problems(engine, field, typed, extra)
        assert [p["field"] for p in problems] == [field], (field, typed)
        for key, value in extra.items():
            set_field(page, 0, key, value)
        page.fill(f"#f-{slug(field)}", typed)
        control = page.locator(f"#f-{slug(field)}")
        message = page.locator(f"#m-{slug(field)}")
        message.filter(has_text=problems[0]["message"]).wait_for(timeout=UPDATE_S * 1000)
        assert message.inner_text() == problems[0]["message"]
        assert "calc-error" in (message.get_attribute("class") or "")
        assert control.input_value() == typed, "what was typed is kept"
        assert control.get_attribute("aria-invalid") == "true"
        assert border(control) == "rgb(183, 28, 28)" != border(page.locator("#f-records-0-title")), "marked in red"
        assert f"m-{slug(field)}" in (control.get_attribute("aria-describedby") or "").split()
        assert page.locator("body").get_attribute("data-calc-result") == "error"
        # the list above the results names the field as the form labels it, and links to it
        link = page.locator(f'#calc-results a[href="#f-{slug(field)}"]')
        assert link.count() == 1
        assert "records[" not in page.locator("#calc-results").inner_text()
        no_traceback(page)
        # put it right again
        key = field.split(".")[-1]
        page.fill(f"#f-{slug(field)}", text(good.get(key)) if field.startswith("records") else "")
        for key in reversed(list(extra)):  # days before the mode: days are shown for face-to-face records only
            set_field(page, 0, key, good.get(key, ""))
        page.locator("body[data-calc-result=short]").wait_for(timeout=UPDATE_S * 1000)
        assert message.inner_text() == ""
        assert control.get_attribute("aria-invalid") is None

    # the link in the list of errors takes the focus to the field
    page.fill("#f-cadre_academy_hours", "-5")
    page.click('#calc-results a[href="#f-cadre_academy_hours"]')
    assert page.evaluate("() => document.activeElement.id") == "f-cadre_academy_hours"

    # corrected, the message goes and the result comes back
    page.fill("#f-cadre_academy_hours", "")
    page.locator("body[data-calc-result=short]").wait_for(timeout=UPDATE_S * 1000)
    assert page.locator("#m-cadre_academy_hours").inner_text() == ""
    assert page.locator("#f-cadre_academy_hours").get_attribute("aria-invalid") is None

    # a date outside the policy's year: a warning (not an error) next to that record, and no credit
    clear(tab)
    person = {
        "policy": "luoyang/2023",
        "circumstances": {"full_year_service": False},
        "records": [record(date="2023-03-01", hours=6), record(date="2022-12-31", hours=8)],
    }
    fill(page, person)
    result = engine.check(json.loads(json.dumps(person)))
    assert [(w["code"], w["record"]) for w in result["warnings"] if w["record"] is not None] == [("outside_year", 1)]
    got = wait_shown(page, expected(result))
    assert got["credited"]["total"] == 6
    slot = page.locator("#m-records-1")
    assert slot.inner_text().startswith("⚠ ") and "2022-12-31 不在 2023 年度内" in slot.inner_text()
    assert "calc-warning" in (slot.get_attribute("class") or "")
    assert page.locator('fieldset[data-row="1"]').get_attribute("aria-describedby") == "m-records-1"
    assert page.locator("#m-records-0").inner_text() == ""
    assert page.input_value("#f-records-1-date") == "2022-12-31"
    assert page.locator("body").get_attribute("data-calc-result") == "short"

    # a bad entry survives a reload, still with its message
    page.fill("#f-records-0-hours", "abc")
    page.locator("#m-records-0-hours").filter(has_text="abc").wait_for(timeout=UPDATE_S * 1000)
    page.reload()
    wait_ready(page)
    assert page.input_value("#f-records-0-hours") == "abc"
    page.locator("#m-records-0-hours").filter(has_text="abc").wait_for(timeout=UPDATE_S * 1000)
    no_traceback(page)
    tab.assert_clean()


def form_problems(engine: Any, field: str, typed: str, extra: dict[str, Any]) -> list[dict[str, str]]:
    """The problems the page must show for one typed value: the form's text is read by the one vocabulary
    (calculator.person_input.read_form), then checked by the engine."""
    from calculator.person import PersonError
    from calculator.person_input import read_form

    rec = {
        "date": "2023-05-10",
        "category": "public",
        "required_course": False,
        "hours": "6",
        "mode": "online",
        "days": "",
        "title": "",
    }
    rec.update({k: v if isinstance(v, bool) else text(v) for k, v in extra.items()})
    form: dict[str, Any] = {"policy": "luoyang/2023", "circumstances": {"full_year_service": False}, "records": [rec]}
    if field.startswith("records[0]."):
        rec[field.split(".")[1]] = typed
    elif field.startswith("circumstances."):
        form["circumstances"][field.split(".")[1]] = typed
    else:
        form[field] = typed
    reading = read_form(form)
    if reading.problems:
        return [{"field": p.field, "message": p.message} for p in reading.problems]
    try:
        engine.check(reading.person)
    except PersonError as err:
        return [{"field": p.field, "message": p.message} for p in err.problems]
    return []


def border(control: Any) -> str:
    return control.evaluate("c => getComputedStyle(c).borderTopColor")


# --- CSV import and export, and text that looks like HTML -----------------------------------------------------

GBK_CSV = (
    "日期,类别,是否必修,学时,方式,天数,课程名称\r\n"
    "2023-05-10,公需科目,是,6,在线学习,,数字经济与“十四五”规划\r\n"
    "2023-06-01,专业科目,否,8,面授培训,1,岩土工程新规范（郑州）\r\n"
)


def import_csv(page: Any, name: str, data: bytes) -> None:
    page.set_input_files("#calc-import", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def test_the_page_says_its_state_on_the_html_element(tab):
    page = tab.open()
    # nothing chosen, nothing typed: the engine is ready, and there is no result to show
    assert page.evaluate("() => window.__states") == ["loading", "ready"]
    page.select_option("#f-policy", "luoyang/2023")
    fill_record(page, 0, record(hours=6))
    wait_state(page, "result", UPDATE_S * 1000)
    page.evaluate("() => { window.__states = []; }")
    page.fill("#f-records-0-hours", "7")
    wait_state(page, "result", UPDATE_S * 1000)
    # the result on screen was for the earlier input until the answer came
    assert page.evaluate("() => window.__states")[:2] == ["result", "ready"]
    assert "已计入" in page.locator("#calc-results").inner_text()
    assert "7 学时" in page.locator("#calc-results").inner_text()
    tab.assert_clean()


def test_a_saved_input_is_asked_while_the_calculator_starts(tab):
    """A returning person's saved records are asked at once: the question waits in the worker while Python
    starts, and is answered as soon as the calculator is imported, without a round trip through the page."""
    saved = {"policy": "luoyang/2023", "records": [{**record(), "hours": "6", "days": "", "title": ""}]}
    tab.context.add_init_script(f"localStorage.setItem({json.dumps(STORAGE_KEY)}, {json.dumps(json.dumps(saved))});")
    page = tab.open()
    wait_state(page, "result")
    assert page.evaluate("() => window.__states") == ["loading", "ready", "result"]
    marks = page.workers[0].evaluate(
        "() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]))"
    )
    assert marks["calculator:asked"] < marks["calculator:imported"] < marks["calculator:answered"]
    assert "就绪" in page.inner_text("#calc-status") and "6 学时" in page.inner_text("#calc-results")
    tab.assert_clean()


@pytest.mark.parametrize("width, height, mobile", [(375, 812, True), (1280, 800, False)], ids=["375px", "1280px"])
def test_no_verdict_until_a_notice_is_chosen_and_something_typed(browser, server, built, width, height, mobile):
    """Issue 12, item 1: the page opens on no notice and no verdict; it names the notices archived and what to
    do about one that is not; ?policy= preselects; the choice is remembered."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab = Tab(browser, server.base, viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile)
    try:
        page = tab.open()
        assert page.input_value("#f-policy") == ""
        shown = page.locator("#calc-results").inner_text()
        assert "请先选择城市与年度" in shown and "尚未达标" not in shown and "已过" not in shown
        assert page.locator("body[data-calc-result]").count() == 0
        archive = page.locator("#calc-archive").inner_text()
        bundle = built[1]["policies"]
        newest = max(p["year"] for p in bundle.values())
        for policy in bundle.values():  # every archived notice is named, from the bundle
            assert f"{policy['region_name']} {policy['year']} 年度" in archive
        assert f"{newest + 1} 年度" in archive and "还没有收录" in archive and "人社部门" in archive
        # words for people (item 10): no storage API, runtime or file names in what a reader sees
        words = page.locator("article").inner_text()
        assert "保存在本机浏览器" in words
        for term in ("localStorage", "Python", "运行环境", ".py", ".json"):
            assert term not in words, term
        page.screenshot(path=str(SCREENSHOTS / f"calculator-{width}-start.png"), animations="disabled")
        # a notice chosen, nothing typed: its requirements, still no verdict
        page.select_option("#f-policy", "zhengzhou/2020")
        page.locator("#calc-results").filter(has_text="填写学习记录后").wait_for(timeout=UPDATE_S * 1000)
        assert "尚未达标" not in page.locator("#calc-results").inner_text()
        assert page.evaluate("() => document.documentElement.dataset.calculatorState") == "ready"
        page.fill("#f-records-0-date", "2020-05-10")
        page.fill("#f-records-0-hours", "6")
        wait_state(page, "result", UPDATE_S * 1000)
        assert "尚未达标" in page.locator("#calc-results").inner_text()
        # remembered: a reload opens on Zhengzhou 2020
        page.reload()
        wait_ready(page)
        assert page.input_value("#f-policy") == "zhengzhou/2020"
        # the home page's link: ?policy= preselects, over the remembered choice
        page.goto(server.base + "calculator/?policy=luoyang/2023")
        wait_ready(page)
        assert page.input_value("#f-policy") == "luoyang/2023"
        page.goto(server.base + "calculator/?policy=nowhere/2026")  # an unknown id is ignored
        wait_ready(page)
        assert page.input_value("#f-policy") in ("luoyang/2023", "zhengzhou/2020")
        tab.assert_clean()
    finally:
        tab.close()


def test_a_gbk_csv_imports_and_export_then_import_gives_the_same_records(tab, engine, tmp_path):
    page = tab.open()
    page.select_option("#f-policy", "luoyang/2023")
    data = GBK_CSV.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GBK, not UTF-8 in disguise
    import_csv(page, "学时.csv", data)
    page.locator("#calc-status").filter(has_text="已导入 2 条记录").wait_for()
    records = form_records(page)
    assert records == [
        {
            "date": "2023-05-10",
            "category": "public",
            "required_course": True,
            "hours": "6",
            "mode": "online",
            "days": "",
            "title": "数字经济与“十四五”规划",
        },
        {
            "date": "2023-06-01",
            "category": "professional",
            "required_course": False,
            "hours": "8",
            "mode": "face_to_face",
            "days": "1",
            "title": "岩土工程新规范（郑州）",
        },
    ]
    person = {
        "policy": "luoyang/2023",
        "circumstances": {"full_year_service": False},
        "records": [
            record(hours=6, required_course=True, title="数字经济与“十四五”规划"),
            record(
                date="2023-06-01",
                category="professional",
                hours=8,
                mode="face_to_face",
                days=1,
                title="岩土工程新规范（郑州）",
            ),
        ],
    }
    got = wait_shown(page, expected(engine.check(person)))
    assert got["credited"]["professional"] == 6  # 8 face-to-face hours in a day, capped at 6 in Luoyang

    # cells a spreadsheet would misread: a formula, a comma, quotes, a leading +
    page.click("#calc-add")
    tricky = record(date="2023-07-01", hours=2.5, title='=SUM(A1),"引号"+86')
    fill_record(page, 2, tricky)
    person["records"].append(tricky)
    wait_shown(page, expected(engine.check(person)))
    before = form_records(page)
    before_text = page.locator("#calc-results").inner_text()
    with page.expect_download() as download:
        page.click("#calc-export")
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode()), "a BOM, so Excel reads UTF-8"
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "date,category,required_course,hours,mode,days,title"
    assert lines[3].endswith(',"\'=SUM(A1),""引号""+86"'), "a formula is written as text"

    clear(tab)
    import_csv(page, "export.csv", raw)
    page.locator("#calc-status").filter(has_text="已导入 3 条记录").wait_for()
    assert form_records(page) == before
    end = time.monotonic() + UPDATE_S
    while page.locator("#calc-results").inner_text() != before_text and time.monotonic() < end:
        page.wait_for_timeout(50)
    assert page.locator("#calc-results").inner_text() == before_text
    tab.assert_clean()


def test_html_typed_or_imported_stays_text(tab):
    page = tab.open()
    page.select_option("#f-policy", "luoyang/2023")
    fill_record(page, 0, record(title=XSS))
    # echoed back in an error message, next to the field and in the list of errors
    page.click("#calc-add")
    fill_record(page, 1, record(hours=XSS))
    page.locator("#m-records-1-hours").filter(has_text=XSS).wait_for(timeout=UPDATE_S * 1000)
    assert page.locator("#calc-results").inner_text().count(XSS) == 1
    # imported: as a title, and as an unknown column named in the status line
    import_csv(page, "x.csv", f"date,hours,title,{XSS}\n2023-05-11,1,{XSS},x\n".encode())
    page.locator("#calc-import-report").filter(has_text=XSS).wait_for()
    assert page.locator('img[src="x"]').count() == 0
    # and after a reload, from localStorage into the form (no need to wait for Pyodide this time)
    page.reload()
    page.locator("#f-records-2-title").wait_for(state="attached")
    assert [r["title"] for r in form_records(page)] == [XSS, "", XSS]
    assert page.input_value("#f-records-1-hours") == XSS
    assert page.locator('img[src="x"]').count() == 0
    assert not [u for u in tab.requests if u.endswith("/x")]
    tab.assert_clean()  # no alert()


# --- offline, other origins, console ---------------------------------------------------------------------------


def test_a_second_visit_works_offline_from_the_service_workers_cache(browser, site):
    server = Server(site, _NoStore)  # its own origin (port), stopped half way; nothing in the HTTP cache
    tab = Tab(browser, server.base)
    try:
        page = tab.open()
        page.select_option("#f-policy", "luoyang/2023")
        fill_record(page, 0, record(hours=12, title="离线"))
        page.locator("#calc-results").filter(has_text="还差 78 学时").wait_for(timeout=UPDATE_S * 1000)
        online = page.locator("#calc-results").inner_text()
        cached = page.evaluate("""async () => {
          const registration = await navigator.serviceWorker.ready;  // installed: the precache is complete
          for (let i = 0; i < 200 && !navigator.serviceWorker.controller; i++) {
            await new Promise((r) => setTimeout(r, 50));
          }
          const names = await caches.keys();
          const cache = await caches.open(names.find((n) => n.startsWith("henan-ce-calculator-")));
          return { active: registration.active.state, controlled: Boolean(navigator.serviceWorker.controller),
                   urls: (await cache.keys()).map((r) => r.url) };
        }""")
        assert cached["controlled"], cached
        assert server.base + "calculator/pyodide/pyodide.asm.wasm" in cached["urls"]
        server.stop()  # offline: the server's port refuses connections
        tab.requests.clear()
        page.reload()
        wait_ready(page)
        assert page.input_value("#f-records-0-title") == "离线"
        page.locator("#calc-results").filter(has_text="还差 78 学时").wait_for(timeout=UPDATE_S * 1000)
        assert page.locator("#calc-results").inner_text() == online
        # offline, only the navigation's own network attempt may fail (the service worker then answers it)
        tab.assert_clean()
    finally:
        tab.close()
        server.stop()


# --- keyboard, labels and messages, the layout on a phone ------------------------------------------------------

CONTROLS = "#calc-form input, #calc-form select, #calc-form textarea, #calc-form button"
NAME = "(c) => c.id || (c.dataset.remove !== undefined ? 'remove-' + c.dataset.remove : '')"  # a control's name


def test_keyboard_reaches_every_control_in_order_and_the_buttons_work_with_enter(tab):
    page = tab.open(ready=False)
    # a listener from the start: Playwright intercepts file choosers only once one is registered, and doing that
    # in expect_file_chooser() can lose the race with the key press
    choosers: list[Any] = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    page.locator("#f-records-0-date").wait_for()
    page.click("#calc-add")
    # the controls of the fields shown: before a notice is chosen, only those every record needs (form_fields)
    ids = page.locator(CONTROLS).evaluate_all(f"cs => cs.filter((c) => !c.closest('[hidden]')).map({NAME})")
    assert all(ids) and len(ids) == len(set(ids))
    # every control is labelled and described: its message slot (and hint) exist
    for control in page.locator("#calc-form [data-field]").all():
        ident = control.get_attribute("id")
        assert control.evaluate("c => c.labels.length") >= 1, ident
        described = (control.get_attribute("aria-describedby") or "").split()
        assert "m-" + ident[2:] in described, ident
        for ref in described:
            assert page.locator(f"#{ref}").count() == 1, (ident, ref)
    for row in (0, 1):
        assert page.locator(f'fieldset[data-row="{row}"]').get_attribute("aria-describedby") == f"m-records-{row}"

    # Tab from the first control: every control, in document order
    page.focus(f"#{ids[0]}")
    visited: list[str] = []
    for _ in range(4 * len(ids)):  # a date input takes a Tab per part (month, day, year)
        now = page.evaluate(f"() => ({NAME})(document.activeElement)")
        if not visited or visited[-1] != now:
            visited.append(now)
        if now == ids[-1]:
            break
        page.keyboard.press("Tab")
    assert visited == ids

    # Enter on each button
    page.focus("#calc-add")
    page.keyboard.press("Enter")
    assert page.locator("fieldset.calc-record").count() == 3
    assert page.evaluate("() => document.activeElement.id") == "f-records-2-date", "focus goes to the new record"
    page.focus('button[data-remove="2"]')
    page.keyboard.press("Enter")
    assert page.locator("fieldset.calc-record").count() == 2
    page.focus("#calc-import")  # the file input (visually hidden behind its label) opens the file chooser
    page.keyboard.press("Enter")
    end = time.monotonic() + 10
    while not choosers and time.monotonic() < end:
        page.wait_for_timeout(50)
    assert [c.element.get_attribute("id") for c in choosers] == ["calc-import"]
    page.fill("#f-records-0-title", "键盘")
    page.focus("#calc-export")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")
    page.focus("#calc-print")
    page.keyboard.press("Enter")
    assert page.evaluate("() => window.__printed") == 1
    page.focus("#calc-clear")
    tab.confirm = False  # "cancel" keeps everything
    page.keyboard.press("Enter")
    assert page.locator("fieldset.calc-record").count() == 2
    tab.confirm = True
    page.keyboard.press("Enter")
    assert page.locator("fieldset.calc-record").count() == 1
    assert page.input_value("#f-records-0-title") == ""
    tab.assert_clean()


def layout(page: Any) -> dict[str, Any]:
    return page.evaluate("""() => ({
      page: document.documentElement.scrollWidth,
      controls: [...document.querySelectorAll(
          "#calc-form input:not([type=file]), #calc-form select, #calc-form textarea, #calc-form button,"
          + " #calc-form label.md-button")].filter((c) => !c.closest("[hidden]"))  // fields the notice provides
        .map((c) => [c.id || c.textContent, ...["left", "right", "height"].map((k) => c.getBoundingClientRect()[k])]),
      results: [...document.querySelectorAll("#calc-results > *, #calc-results th, #calc-results td")]
        .map((c) => [c.tagName + " " + c.textContent.slice(0, 12), c.getBoundingClientRect().right]),
      wide: [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > innerWidth + 1
          && !e.closest(".md-search, .matrix-wrap")).slice(0, 5).map((e) => `${e.tagName}.${e.className}`),
    })""")


@pytest.mark.parametrize("width, height, mobile", [(375, 812, True), (1280, 800, False)], ids=["375px", "1280px"])
def test_screenshots_and_nothing_wider_than_the_screen(browser, server, width, height, mobile):
    """Writes build/screenshots/calculator-<width>.png (the form with a warning and the result) and, on a phone,
    calculator-375-error.png (a bad entry and its message); a person looks at them."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab = Tab(browser, server.base, viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile)
    try:
        page = tab.open()
        page.select_option("#f-policy", "luoyang/2023")
        page.select_option("#f-employer", "public_institution")
        fill_record(page, 0, record(hours=10, mode="face_to_face", days=1, title="专业技术人员职业道德"))
        page.click("#calc-add")
        fill_record(page, 1, record(date="2022-12-01", hours=4, category="professional", title="上一年度的课"))
        page.locator("#m-records-1").filter(has_text="不在 2023 年度内").wait_for(timeout=UPDATE_S * 1000)
        page.evaluate("() => window.scrollTo(0, 0)")
        found = layout(page)
        assert found["page"] <= width, ("the page scrolls sideways", found["wide"])
        for name, left, right, tall in found["controls"]:
            assert left >= 0 and right <= width, (name, left, right)
            assert tall >= 24, (name, tall)  # WCAG 2.2 target size
        for name, right in found["results"]:
            assert right <= width, (name, right)
        page.screenshot(path=str(SCREENSHOTS / f"calculator-{width}.png"), full_page=True, animations="disabled")
        if mobile:  # a bad entry on a phone: the message fits beside its field
            page.fill("#f-records-0-hours", "三十")
            message = page.locator("#m-records-0-hours")
            message.filter(has_text="三十").wait_for(timeout=UPDATE_S * 1000)
            box = message.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
            message.evaluate("m => m.scrollIntoView({ block: 'center' })")
            page.screenshot(path=str(SCREENSHOTS / f"calculator-{width}-error.png"), animations="disabled")
        tab.assert_clean()
    finally:
        tab.close()
