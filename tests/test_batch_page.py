"""The batch page (单位批量核对) in Debian's Chromium, as an HR clerk uses it: the template downloads; a filled
.xlsx of 3 people (Chinese headers, a 身份证号 column, 政策 written 洛阳市 2023) shows 3 people with the right
results; the .xlsx and CSV downloads hold the command line's results on the same file, cell by cell; bad
rows are listed by their row; no request leaves the origin, nothing is uploaded; a dropped workbook whose
staff sheet is not plain asks for its sheet, and 核对日期 makes later records planned. Screenshots at 375 and
1280 px go to build/screenshots/ and build/screens/ to be looked at."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from test_batch_tables import csv_table, same_cells, xlsx_table

from calculator.batch.excel import read_xlsx, write_xlsx
from calculator.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "screenshots"
SCREENS = ROOT / "build" / "screens"
BOOT_MS = 240_000  # Pyodide, openpyxl and the whole standard library on a loaded machine
ID = "110105199001011234"
HEADER = ["工号", "姓名", "身份证号", "部门", "政策", "日期", "类别", "学时", "方式"]
THREE = [
    ["0001", "张三", ID, "内科", "洛阳市 2023", "2023-03-01", "公需", 30, "在线"],
    ["0001", "张三", ID, "内科", "", "2023-05-01", "专业", 60, "在线"],
    ["0002", "李四", "41010519900101123X", "外科", "洛阳市 2023", "2023-03-01", "公需", 12, "在线"],
    ["0003", "王五", "410105199001011235", "检验科", "洛阳市 2023", "2023-04-01", "专业", 20, "面授"],
]
BAD = [
    *THREE,
    ["0003", "王五", "", "", "", "2023/13/45", "专业", 10, ""],
    ["", "无编号", "", "", "", "2023-05-01", "公需", 3, ""],
]


# Every text the status line shows from the page's start (window.__statuses), loading included.
STATUS_WORDS = """
window.__statuses = [];
new MutationObserver(() => {
  const text = document.getElementById("batch-status")?.textContent;
  if (text && window.__statuses[window.__statuses.length - 1] !== text) window.__statuses.push(text);
}).observe(document, { subtree: true, childList: true, characterData: true });
"""
MAINTAINERS_WORDS = ("Python", "运行环境", "pyodide", "localStorage", ".whl")


@pytest.fixture
def page(browser: Any, server: Any) -> Any:
    context = browser.new_context(locale="zh-CN", accept_downloads=True, viewport={"width": 375, "height": 800})
    requests: list[Any] = []
    errors: list[str] = []
    context.on("request", lambda r: requests.append(r))
    context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    context.on("weberror", lambda e: errors.append(str(e.error)))
    context.add_init_script(STATUS_WORDS)
    tab = context.new_page()
    tab.goto(server.base + "batch/")
    tab.locator("#batch-status", has_text="可以核对了").wait_for(timeout=BOOT_MS)
    tab.requests, tab.errors, tab.base = requests, errors, server.base
    yield tab
    context.close()


def cli(path: Path, out: Path) -> None:
    code = main(["batch", str(path), "--out", str(out)], io.StringIO(), io.StringIO())
    assert code in (0, 1, 2)


def check_file(page: Any, path: Path) -> None:
    page.set_input_files("#batch-input", str(path))
    page.wait_for_selector("#batch-table tbody tr", timeout=120_000)


def download(page: Any, selector: str, target: Path) -> Path:
    with page.expect_download() as waiting:
        page.click(selector)
    waiting.value.save_as(target)
    return target


def no_request_leaves(page: Any) -> None:
    """Every request went to this site, and none sent anything (no POST, no body: nothing uploaded)."""
    assert page.errors == []
    for request in page.requests:
        if request.url.startswith(("data:", "blob:")):
            continue
        assert request.url.startswith(page.base), request.url
        assert request.method == "GET" and not request.post_data_buffer, request.url


def test_the_status_line_speaks_to_readers_while_it_loads(page: Any) -> None:
    statuses: list[str] = page.evaluate("() => window.__statuses")
    assert any("加载" in text for text in statuses) and any("可以核对了" in text for text in statuses)
    assert [t for t in statuses if any(word in t for word in MAINTAINERS_WORDS)] == []


def test_three_people_from_xlsx_and_the_downloads_match_the_command_line(page: Any, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "batch-375-empty.png"), full_page=True)
    template = download(page, "#batch-template-xlsx", tmp_path / "template.xlsx")
    assert read_xlsx(template).sheets[0] and [c for _, c in read_xlsx(template)][0][0] == "人员编号"
    assert download(page, "#batch-template-csv", tmp_path / "template.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    staff = tmp_path / "staff.xlsx"
    staff.write_bytes(write_xlsx(HEADER, THREE, title="人员"))
    check_file(page, staff)
    rows = page.locator("#batch-table tbody tr")
    assert rows.count() == 3
    out = io.StringIO()
    main(["batch", str(staff), "--format", "json"], out, io.StringIO())
    expected = json.loads(out.getvalue())
    s = expected["summary"]
    summary = page.locator("#batch-summary > div").all_inner_texts()
    assert [text.split()[0] for text in summary] == [str(s[k]) for k in ("people", "compliant", "short", "hours_short")]
    assert (s["people"], s["compliant"], s["short"]) == (3, 1, 2)
    first = rows.nth(0).locator("td").all_inner_texts()
    assert first[:4] == ["0001", "张三", ID, "内科"] and first[-2:] == ["已完成", "—"]  # nothing planned
    assert first[4] == "洛阳市 2023" and first[5] == "90 / 90 / 0"  # 洛阳市 2023 read as the notice
    left = expected["people"][1]["remaining"]
    assert (
        rows.nth(1).locator("td.batch-what").inner_text()
        == f"公需 {left['public']:g} 学时、专业 {left['professional']:g} 学时"
    )
    page.screenshot(path=str(SHOTS / "batch-375-results.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "batch-1280-results.png"), full_page=True)

    page.check("#batch-short-only")
    assert page.locator("#batch-table tbody tr").count() == 2
    page.select_option("#batch-order", "short")
    short = sorted((p for p in expected["people"] if not p["compliant"]), key=lambda p: -p["remaining"]["total"])
    shown = page.locator("#batch-table tbody tr td:first-child").all_inner_texts()
    assert shown == [p["person_id"] for p in short] and len(set(p["remaining"]["total"] for p in short)) == 2

    expected_csv, expected_xlsx = tmp_path / "cli.csv", tmp_path / "cli.xlsx"
    cli(staff, expected_csv)
    cli(staff, expected_xlsx)
    got_csv = download(page, "#batch-download-csv", tmp_path / "page.csv")
    got_xlsx = download(page, "#batch-download-xlsx", tmp_path / "page.xlsx")
    assert got_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    want = csv_table(expected_csv.read_text(encoding="utf-8-sig"))
    # --as-of: the page counts the days left from today, as the command line does without --as-of
    assert csv_table(got_csv.read_text(encoding="utf-8-sig")) == want
    assert xlsx_table(got_xlsx) == xlsx_table(expected_xlsx)
    same_cells(xlsx_table(got_xlsx), want)
    assert [row[2] for row in want[1:]] == [ID, "41010519900101123X", "410105199001011235"]
    no_request_leaves(page)


def test_bad_rows_are_listed_by_their_row(page: Any, tmp_path: Path) -> None:
    staff = tmp_path / "bad.xlsx"
    staff.write_bytes(write_xlsx(HEADER, BAD))
    check_file(page, staff)
    bad = page.locator("#batch-bad li").all_inner_texts()
    assert any(text.startswith("第 6 行「日期」") for text in bad), bad
    assert any(text.startswith("第 7 行「工号」") and "缺少人员编号" in text for text in bad), bad
    assert page.locator("#batch-table tbody tr").count() == 3
    page.screenshot(path=str(SHOTS / "batch-375-bad.png"), full_page=True)
    not_a_workbook = tmp_path / "old.xls"
    not_a_workbook.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    page.set_input_files("#batch-input", str(not_a_workbook))
    page.locator("#batch-status", has_text="请另存为 .xlsx").wait_for(timeout=60_000)
    no_request_leaves(page)
    assert json.dumps(page.errors) == "[]"


def drop(page: Any, path: Path) -> None:
    """The file dropped on the drop zone as a browser drops one: a DataTransfer holding it."""
    page.evaluate(
        """([data, name]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name));
            const zone = document.getElementById("batch-drop");
            for (const type of ["dragenter", "dragover", "drop"]) {
              zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
            }
        }""",
        [base64.b64encode(path.read_bytes()).decode("ascii"), path.name],
    )


def two_sheets(path: Path) -> None:
    """A workbook whose first sheet is a note and whose staff list is hidden: the page must ask."""
    book = Workbook()
    note = book.active
    note.title = "说明"
    note.append(["本表说明：学时记录见第二张工作表"])
    staff = book.create_sheet("名单")
    for row in [HEADER, *THREE]:
        staff.append(row)
    staff.sheet_state = "hidden"
    book.save(path)


def test_a_dropped_workbook_with_a_day_of_the_check_and_a_sheet_to_choose(page: Any, tmp_path: Path) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    staff = tmp_path / "两张表.xlsx"
    two_sheets(staff)
    assert page.input_value("#batch-as-of")  # today by default
    page.fill("#batch-as-of", "2023-04-15")
    drop(page, staff)
    page.wait_for_selector("#batch-sheet-select", timeout=120_000)
    assert "“名单”（隐藏）" in page.inner_text("#batch-status")
    assert page.locator("#batch-sheet-select option").all_inner_texts() == ["说明", "名单"]
    page.screenshot(path=str(SCREENS / "batch-375-sheet-ask.png"), full_page=True)

    page.select_option("#batch-sheet-select", "名单")
    page.click("#batch-sheet-go")
    page.wait_for_selector("#batch-table tbody tr", timeout=120_000)
    rows = page.locator("#batch-table tbody tr")
    assert rows.count() == 3
    assert "核对日期 2023-04-15" in page.inner_text("#batch-results")
    assert page.input_value("#batch-sheet-select") == "名单"
    # 张三's 专业 record of 2023-05-01 is after the day of the check: planned, not credited
    assert rows.nth(0).locator("td.batch-what").inner_text() == "专业 60 学时"
    assert rows.nth(0).locator("td.batch-planned").inner_text() == "计划 1 条，按期完成后即可完成"
    assert rows.nth(1).locator("td.batch-planned").inner_text() == "—"
    page.screenshot(path=str(SCREENS / "batch-375-as-of-planned.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SCREENS / "batch-1280-as-of-planned.png"), full_page=True)
    table = page.locator("#batch-table")  # (the theme makes the table itself the box that scrolls)
    table.evaluate("(box) => { box.scrollLeft = box.scrollWidth; }")  # the last columns: 尚差, 计划中的记录
    table.screenshot(path=str(SCREENS / "batch-1280-planned-column.png"))

    # the downloads are the command line's with the same day and sheet, cell by cell
    expected = tmp_path / "cli.csv"
    code = main(
        ["batch", str(staff), "--sheet", "名单", "--as-of", "2023-04-15", "--out", str(expected)],
        io.StringIO(),
        io.StringIO(),
    )
    assert code == 1
    got = download(page, "#batch-download-csv", tmp_path / "page.csv")
    want = csv_table(expected.read_text(encoding="utf-8-sig"))
    assert csv_table(got.read_text(encoding="utf-8-sig")) == want
    assert want[0][want[0].index("计划记录条数")] == "计划记录条数" and want[1][want[0].index("计划记录条数")] == "1"

    # another day: the same file and sheet are checked again
    page.fill("#batch-as-of", "2023-12-01")
    page.locator("#batch-results", has_text="核对日期 2023-12-01").wait_for(timeout=120_000)
    first = page.locator("#batch-table tbody tr").nth(0)
    assert first.locator("td.batch-what").inner_text() == "已完成"
    assert first.locator("td.batch-planned").inner_text() == "—"
    no_request_leaves(page)
