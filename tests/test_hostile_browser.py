"""Hostile input to the browser calculator (issue 10), a table of cases in Debian's Chromium through Playwright.

Each case does what a person (or a spreadsheet, or a second tab, or a full disk) does to the page and asserts
three things: the message the page shows (in plain Chinese, naming the row and column or the field), that no
Traceback, binary or console error appears, and that nothing valid was lost: the record typed before the case is
still in the form and in this browser's saved copy, and every good row of a file reached the form.

One browser for the module. The file and typing cases share one page (Pyodide boots once; each case starts from a
cleared form with one good record typed); the cases about tabs, storage and going offline get contexts of their own.
"""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from browsing import Server
from test_browser import UPDATE_S, Tab, _NoStore, clear, fill_record, form_records, import_csv, record, wait_ready

KEY = "henan-ce-calculator/v1"
KEEP = "先前录入的记录"  # the title of the good record typed before every case
HEADER = "日期,类别,是否必修,学时,方式,天数,课程名称\r\n"
WAIT_MS = UPDATE_S * 1000


# ---- the page, and what must hold after every case ---------------------------------------------------------


@pytest.fixture(scope="module")
def shared(browser, server) -> Iterator[Tab]:
    tab = Tab(browser, server.base)
    tab.open()
    yield tab
    tab.close()


def saved(page: Any) -> dict[str, Any]:
    return json.loads(page.evaluate(f"() => localStorage.getItem({KEY!r})") or "null")


def start(tab: Tab) -> Any:
    """A cleared form with one good record (KEEP), its result on screen."""
    page = tab.page
    tab.errors.clear()
    clear(tab)
    page.select_option("#f-policy", "luoyang/2023")
    fill_record(page, 0, record(hours=6, title=KEEP))
    page.locator("#calc-results").filter(has_text="还差 84 学时").wait_for(timeout=WAIT_MS)
    return page


def status(page: Any, words: str) -> str:
    """The status line and the import's list of problems under it, once they have `words`."""
    end = time.monotonic() + UPDATE_S
    while True:
        line = page.locator("#calc-status").inner_text()
        report = page.locator("#calc-import-report")
        if report.is_visible():
            line += "\n" + report.inner_text()
        if words in line:
            return line
        assert time.monotonic() < end, f"{words!r} not in {line!r}"
        time.sleep(0.05)


def clean(tab: Tab) -> None:
    """No traceback, binary or internal error on the page; no console error; nothing from another origin."""
    body = tab.page.locator("body").inner_text()
    for sign in ("Traceback", 'File "', "PythonError", "内部错误", "calculator/", "\ufffd", "\x00"):
        assert sign not in body, f"{sign!r} on the page"
    tab.assert_clean()


def kept(page: Any, titles: list[str] | None = None) -> None:
    """The good record typed first is still in the form and saved; the form holds exactly `titles` after it."""
    shown = [r["title"] for r in form_records(page)]
    assert shown[0] == KEEP
    if titles is not None:
        assert shown[1:] == titles
    stored = [r["title"] for r in saved(page)["records"]]
    assert stored == shown, "the saved copy is what the form shows"


# ---- files ------------------------------------------------------------------------------------------------


def rows(*cells: str) -> bytes:
    return (HEADER + "".join(c + "\r\n" for c in cells)).encode("utf-8")


def xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return out.getvalue()


def staff(column: str, n: int) -> bytes:
    lines = [f"{column},日期,学时"] + [f"P{i:04d},2023-05-{1 + i % 28:02d},{1 + i % 5}" for i in range(n)]
    return "\r\n".join(lines).encode("utf-8")


MANY = HEADER + "".join(f"2023-05-{1 + i % 28:02d},公需,否,1,在线,,课程{i}\r\n" for i in range(10_000))

# (id, file name, bytes, words of the status line, titles that must reach the form after KEEP, or None: nothing)
FILES = [
    (
        "stray-quote",
        "r.csv",
        rows("2023-05-11,公需,否,1,在线,,甲", '2023-05-12,公需,否,1,在线,,"Bob', "2023-05-13,公需,否,1,在线,,丙"),
        "第 3 行未导入：引号没有闭合",
        ["甲", "丙"],
    ),
    (
        "quote-open-at-end",
        "r.csv",
        rows("2023-05-11,公需,否,1,在线,,甲", '2023-05-12,公需,否,1,在线,,"乙'),
        "第 3 行未导入：引号没有闭合",
        ["甲"],
    ),
    (
        "title-with-line-break",
        "r.csv",
        rows('2023-05-11,公需,否,1,在线,,"第一行\n第二行"'),
        "已导入 1 条",
        ["第一行\n第二行"],
    ),
    ("real-xlsx", "学时.xlsx", xlsx(), "这是Excel 工作簿，不是 CSV 文件", None),
    ("xlsx-renamed-csv", "学时.csv", xlsx(), "另存为”CSV", None),
    ("fake-xlsx", "学时.xlsx", rows("2023-05-11,公需,否,1,在线,,甲"), "文件名是 .xlsx", None),
    ("old-xls", "学时.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000), "旧版 Excel 工作簿", None),
    ("binary", "学时.csv", bytes(range(256)) * 16, "含有二进制内容", None),
    ("empty", "学时.csv", b"", "文件是空的", None),
    ("header-only", "学时.csv", HEADER.encode(), "只有表头", None),
    ("no-hours-column", "学时.csv", "姓名,备注\r\n张三,x\r\n".encode(), "至少含“日期”（date）和“学时”（hours）", None),
    ("broken-utf16", "学时.csv", b"\xff\xfe\x00\xd8\x41", "UTF-16", None),
    (
        "utf16-without-bom",
        "r.csv",
        # (told apart by its NULs, which a header of English column names shows plainly)
        "date,category,required_course,hours,mode,days,title\r\n2023-05-11,public,no,1,online,,no BOM\r\n".encode(
            "utf-16-le"
        ),
        "已导入 1 条",
        ["no BOM"],
    ),
    (
        "one-gbk-row-in-utf8",
        "r.csv",
        rows("2023-05-11,公需,否,1,在线,,张三")
        + "2023-05-12,公需,否,1,在线,,李四\r\n".encode("gbk")
        + "2023-05-13,公需,否,1,在线,,王五\r\n".encode(),
        "第 3 行未导入",
        ["张三", "王五"],
    ),
    ("staff-list-by-id", "名单.csv", staff("工号", 40), "多人的名单（“工号”列有 40 个不同的值）", None),
    (
        "staff-list-by-name",
        "名单.csv",
        "姓名,日期,学时\r\n张三,2023-05-10,6\r\n李四,2023-05-10,6\r\n".encode(),
        "批量核对",
        None,
    ),
    ("ten-thousand-rows", "big.csv", MANY.encode("utf-8"), "文件有 10000 行记录", None),
    (
        "utf16-tab-separated",
        "unicode.txt.csv",
        b"\xff\xfe" + (HEADER + "2023-05-11,公需科目,是,6,在线学习,,甲\r\n").replace(",", "\t").encode("utf-16-le"),
        "已导入 1 条",
        ["甲"],
    ),
    (
        "tab-separated-utf8",
        "r.csv",
        (HEADER + "2023-05-11,公需,否,1,在线,,甲\r\n").replace(",", "\t").encode(),
        "已导入 1 条",
        ["甲"],
    ),
    (
        "gbk-yes-words",
        "r.csv",
        (
            HEADER
            + "".join(
                f"2023-05-1{i},公需,{w},1,在线,,{w}\r\n" for i, w in enumerate(("TRUE", "yes", "是", "√", "必修"))
            )
        ).encode("gbk"),
        "已导入 5 条",
        ["TRUE", "yes", "是", "√", "必修"],
    ),
    (
        "dates-and-words",
        "r.csv",
        rows(
            "2023/5/10,公需课,否,1,线上,,斜杠",
            "2023.5.11,公需,否,1,网络,,点",
            "2023年5月12日,专业课,否,1,面授,1,年月日",
        ),
        "已导入 3 条",
        ["斜杠", "点", "年月日"],
    ),
    ("bad-hours-kept", "r.csv", rows("2023-05-11,公需,否,三十,在线,,甲"), "第 2 行（已导入，请在表单中改正）", ["甲"]),
    (
        "bad-category-named",
        "r.csv",
        rows("2023-05-11,体育,否,1,在线,,甲", "2023-05-12,公需,否,1,在线,,乙"),
        "第 2 行未导入：类别",
        ["乙"],
    ),
    (
        "html-header",
        "r.csv",
        "日期,学时,<img src=x onerror=alert(1)>\r\n2023-05-11,1,x\r\n".encode(),
        "<img src=x onerror=alert(1)>",
        [""],
    ),
]


@pytest.mark.parametrize(("name", "data", "words", "titles"), [c[1:] for c in FILES], ids=[c[0] for c in FILES])
def test_a_hostile_file(shared, name, data, words, titles):
    page = start(shared)
    began = time.monotonic()
    import_csv(page, name, data)
    line = status(page, words)
    elapsed = time.monotonic() - began
    assert all(c.isprintable() or c == "\n" for c in line), "no binary in the status line"
    if titles is None:
        assert "已导入" not in line and "未导入" in line, line
        kept(page, [])
    else:
        kept(page, titles)
    assert page.locator('img[src="x"]').count() == 0
    if name == "big.csv":
        assert elapsed < 10, f"{elapsed:.1f} s to refuse 10,000 rows"
    clean(shared)


def test_cells_are_read_by_the_batchs_vocabulary(shared):
    page = start(shared)
    import_csv(page, "r.csv", FILES[[c[0] for c in FILES].index("dates-and-words")][2])
    status(page, "已导入 3 条")
    got = form_records(page)[1:]
    assert [(r["date"], r["category"], r["mode"]) for r in got] == [
        ("2023-05-10", "public", "online"),
        ("2023-05-11", "public", "online"),
        ("2023-05-12", "professional", "face_to_face"),
    ]
    import_csv(page, "r.csv", FILES[[c[0] for c in FILES].index("gbk-yes-words")][2])
    status(page, "已导入 5 条")
    assert [r["required_course"] for r in form_records(page)[4:]] == [True] * 5
    clean(shared)


def test_export_then_import_gives_exactly_the_records(shared, tmp_path):
    page = start(shared)
    titles = ["=already", "\t开头是制表符", "  前后有空格  ", '引号"中', "逗号,中", "换\n行", "+86", "-", "@x"]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [f"2023-05-{11 + i}", "公需", "否", str(i + 1), "在线", "", t] for i, t in enumerate(titles)
    )
    data = (HEADER + out.getvalue()).encode("utf-8")
    import_csv(page, "r.csv", data)
    status(page, f"已导入 {len(titles)} 条")
    assert [r["title"] for r in form_records(page)[1:]] == titles
    # typed: an apostrophe of the person's own (a spreadsheet's mark for text) is kept too
    page.click("#calc-add")
    fill_record(page, len(titles) + 1, record(date="2023-06-01", hours=1, title="'=x"))
    before = form_records(page)
    with page.expect_download() as download:
        page.click("#calc-export")
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"'=already" in raw
    clear(shared)
    import_csv(page, "export.csv", raw)
    status(page, f"已导入 {len(before)} 条")
    assert form_records(page) == before
    clean(shared)


# ---- typed values: read by the vocabulary, and said how ------------------------------------------------------

# (id, field, typed, words next to the field, whether it is an error)
TYPED = [
    ("hours-with-unit", "records-0-hours", "16学时", "读作 16 学时", False),
    ("full-width-digit", "records-0-hours", "５", "读作 5 学时", False),
    ("slash-date", "records-0-date", "2023/5/10", "读作 2023年5月10日", False),
    ("chinese-date", "records-0-date", "2023年5月10日", "读作 2023年5月10日", False),
    ("months-with-unit", "circumstances-abroad_months", "5个月", "读作 5 个月", False),
    ("blank-hours", "records-0-hours", "", "缺少此项", True),
    ("huge-exponent", "records-0-hours", "1e999", "学时应为数字", True),
    ("underscore-number", "records-0-hours", "3_0", "学时应为数字", True),
    ("hours-in-clock-hours", "records-0-hours", "16小时", "学时应为数字", True),
    ("month-first-date", "records-0-date", "5/1/2023", "分不清月和日", True),
    ("no-such-date", "records-0-date", "2023-02-30", "日期不存在", True),
    ("three-decimals", "records-0-hours", "5000.004", "最多两位小数", True),
    ("html-as-hours", "records-0-hours", "<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>", True),
]


@pytest.mark.parametrize(("field", "typed", "words", "error"), [c[1:] for c in TYPED], ids=[c[0] for c in TYPED])
def test_a_typed_value(shared, field, typed, words, error):
    page = start(shared)
    page.fill(f"#f-{field}", typed)
    message = page.locator(f"#m-{field}")
    message.filter(has_text=words).wait_for(timeout=WAIT_MS)
    assert ("calc-error" in (message.get_attribute("class") or "")) is error
    assert page.input_value(f"#f-{field}") == typed, "what was typed is kept as typed"
    assert (page.locator("body").get_attribute("data-calc-result") == "error") is error
    for bad in ("null", "不是文本"):
        assert bad not in message.inner_text()
    kept(page)
    stored = saved(page)
    where = stored["circumstances"] if field.startswith("circumstances") else stored["records"][0]
    assert where[field.split("-")[-1]] == typed, "saved as typed"
    assert page.locator('img[src="x"]').count() == 0
    clean(shared)


def test_typed_readings_count_as_read(shared):
    page = start(shared)
    page.fill("#f-records-0-hours", "16学时")
    page.fill("#f-records-0-date", "2023年5月10日")
    page.locator("#calc-results").filter(has_text="还差 74 学时").wait_for(timeout=WAIT_MS)
    clean(shared)


# ---- two tabs, a full storage, offline -----------------------------------------------------------------------


def until(condition: Callable[[], bool], timeout: float = UPDATE_S) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


@pytest.fixture
def context(browser, server) -> Iterator[Callable[[], Any]]:
    """Pages of one browser context (tabs of one browser profile), opened and ready on demand."""
    tab = Tab(browser, server.base)
    tab.page.close()
    pages: list[Any] = []

    def open_page() -> Any:
        page = tab.context.new_page()
        page.on("dialog", lambda d: d.accept())
        page.goto(server.base + "calculator/")
        wait_ready(page)
        pages.append(page)
        return page

    open_page.tab = tab  # type: ignore[attr-defined]
    yield open_page
    tab.close()


def test_a_tab_opened_earlier_does_not_overwrite_newer_records(context):
    b = context()  # opened first, left alone
    a = context()
    a.select_option("#f-policy", "luoyang/2023")
    for row, title in enumerate(("一", "二", "三")):
        if row:
            a.click("#calc-add")
        fill_record(a, row, record(date=f"2023-05-1{row}", hours=2, title=title))
    # the other tab shows them without a reload (the storage event), and types one character
    b.locator("#f-records-2-title").wait_for(timeout=WAIT_MS)
    assert [r["title"] for r in form_records(b)] == ["一", "二", "三"]
    b.locator("#calc-status").filter(has_text="已同步另一个标签页").wait_for(timeout=WAIT_MS)
    b.locator("#f-records-0-title").press("End")
    b.keyboard.type("x")
    until(lambda: a.input_value("#f-records-0-title") == "一x")  # and the first tab shows it
    for page in (a, b):
        page.reload()
        wait_ready(page)
        assert [r["title"] for r in form_records(page)] == ["一x", "二", "三"]
    assert [r["title"] for r in saved(a)["records"]] == ["一x", "二", "三"]
    assert context.tab.errors == []


def test_a_save_missed_by_this_tab_is_taken_before_its_own(context):
    page = context()
    page.select_option("#f-policy", "luoyang/2023")
    fill_record(page, 0, record(hours=6, title="这个标签页"))
    page.locator("#calc-results").filter(has_text="还差 84 学时").wait_for(timeout=WAIT_MS)
    # another tab's save that this one did not hear of (a write in the same tab raises no storage event)
    other = saved(page)
    other["records"].append({**other["records"][0], "title": "另一个标签页", "date": "2023-06-01"})
    page.evaluate("(value) => localStorage.setItem('henan-ce-calculator/v1', value)", json.dumps(other))
    page.locator("#f-records-0-title").press("End")
    page.keyboard.type("!")
    page.locator("#f-records-1-title").wait_for(timeout=WAIT_MS)
    assert [r["title"] for r in form_records(page)] == ["这个标签页!", "另一个标签页"]
    assert [r["title"] for r in saved(page)["records"]] == ["这个标签页!", "另一个标签页"]
    page.locator("#calc-results").filter(has_text="还差 78 学时").wait_for(timeout=WAIT_MS)
    assert context.tab.errors == []


FILL_STORAGE = """() => {
  let size = 1 << 22, i = 0;
  while (size >= 16) {
    try { localStorage.setItem("filler-" + i++, "x".repeat(size)); } catch (error) { size >>= 1; }
  }
  return i;
}"""


def test_a_full_storage_says_so_keeps_the_input_and_offers_the_export(context, tmp_path):
    page = context()
    page.select_option("#f-policy", "luoyang/2023")
    fill_record(page, 0, record(hours=6, title="存满之前"))
    page.locator("#calc-results").filter(has_text="还差 84 学时").wait_for(timeout=WAIT_MS)
    assert page.locator("#calc-save").is_hidden()
    page.evaluate(FILL_STORAGE)
    page.click("#calc-add")
    fill_record(page, 1, record(date="2023-06-01", hours=4, title="存满之后"))
    alert = page.locator("#calc-save")
    alert.filter(has_text="无法保存在本机浏览器").wait_for(timeout=WAIT_MS)
    assert alert.get_attribute("role") == "alert"
    # the page keeps what was typed and still calculates with it
    page.locator("#calc-results").filter(has_text="还差 80 学时").wait_for(timeout=WAIT_MS)
    assert [r["title"] for r in form_records(page)] == ["存满之前", "存满之后"]
    assert [r["title"] for r in saved(page)["records"]] == ["存满之前"], "the saved copy is the last that fitted"
    with page.expect_download() as download:
        page.click("#calc-save-export")
    path = tmp_path / "saved.csv"
    download.value.save_as(path)
    assert "存满之后" in path.read_text(encoding="utf-8-sig")
    # room again: the next change is saved and the notice goes
    page.evaluate(
        "() => { for (const k of Object.keys(localStorage)) if (k.startsWith('filler-')) localStorage.removeItem(k); }"
    )
    page.fill("#f-records-1-hours", "5")
    alert.wait_for(state="hidden", timeout=WAIT_MS)
    assert [r["title"] for r in saved(page)["records"]] == ["存满之前", "存满之后"]
    assert context.tab.errors == []


def test_storage_turned_off_says_so(browser, server):
    tab = Tab(browser, server.base)
    tab.context.add_init_script(
        "Storage.prototype.setItem = function () { throw new DOMException('denied', 'SecurityError'); };"
    )
    try:
        page = tab.open()
        page.select_option("#f-policy", "luoyang/2023")
        fill_record(page, 0, record(hours=6, title="不能保存"))
        page.locator("#calc-save").filter(has_text="无法保存在本机浏览器").wait_for(timeout=WAIT_MS)
        page.locator("#calc-results").filter(has_text="还差 84 学时").wait_for(timeout=WAIT_MS)
        assert form_records(page)[0]["title"] == "不能保存"
        tab.assert_clean()
    finally:
        tab.close()


def test_the_address_without_the_slash_works_offline(browser, site):
    server = Server(site, _NoStore)
    tab = Tab(browser, server.base)
    try:
        page = tab.open()
        page.select_option("#f-policy", "luoyang/2023")
        fill_record(page, 0, record(hours=12, title="离线"))
        page.locator("#calc-results").filter(has_text="还差 78 学时").wait_for(timeout=WAIT_MS)
        page.evaluate("""async () => {
          await navigator.serviceWorker.ready;
          for (let i = 0; i < 200 && !navigator.serviceWorker.controller; i++) {
            await new Promise((r) => setTimeout(r, 50));
          }
        }""")
        server.stop()
        tab.requests.clear()
        page.goto(server.base + "calculator")
        wait_ready(page)
        assert page.url == server.base + "calculator/"
        assert page.input_value("#f-records-0-title") == "离线"
        page.locator("#calc-results").filter(has_text="还差 78 学时").wait_for(timeout=WAIT_MS)
        # offline, only the navigation's own network attempt may fail (the service worker then answers it)
        tab.errors = [e for e in tab.errors if "ERR_CONNECTION_REFUSED" not in e]
        tab.assert_clean()
    finally:
        tab.close()
        server.stop()


def test_a_calculator_wheel_that_differs_from_the_lock_file_is_refused(browser, server):
    """The worker imports the wheel itself (not through Pyodide's loadPackage), so it checks the wheel's sha256
    against the lock file as loadPackage would: a stale or altered copy (a cache, a proxy, a half deploy) must stop
    the calculator with its plain message, not run other rules, and keep what was typed."""
    tab = Tab(browser, server.base)

    def altered(route: Any) -> None:
        # Still a wheel that would work (one file more): only its hash tells it from the one the lock file pins.
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(route.fetch().body())) as wheel, zipfile.ZipFile(out, "w") as copy:
            for name in wheel.namelist():
                copy.writestr(name, wheel.read(name))
            copy.writestr("calculator/stale.txt", "an older deploy")
        route.fulfill(status=200, body=out.getvalue(), headers={"Content-Type": "application/zip"})

    tab.context.route("**/calculator-*-py3-none-any.whl", altered)
    try:
        page = tab.open(ready=False)
        page.select_option("#f-policy", "luoyang/2023")
        fill_record(page, 0, record(hours=6, title="校验失败之前"))
        page.locator("html[data-calculator-state=failed]").wait_for(state="attached", timeout=180_000)
        assert "计算器未能加载" in page.locator("#calc-status").inner_text()
        assert form_records(page)[0]["title"] == "校验失败之前"
        assert saved(page)["records"][0]["title"] == "校验失败之前"
        assert page.evaluate("() => document.documentElement.dataset.calculatorBoot") is None
        clean(tab)
    finally:
        tab.close()
