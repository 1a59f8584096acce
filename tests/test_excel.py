""".xlsx in and out (calculator/batch/excel.py): cells read as the text a person sees, with their row numbers;
results written with text as text; the template; the self-hosted wheels under Pyodide."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from calculator import vocabulary
from calculator.batch import excel
from calculator.batch.excel import ExcelError, read_xlsx, write_xlsx

ROOT = Path(__file__).resolve().parent.parent


def book_bytes(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def patched(data: bytes, member: str, change) -> bytes:
    """The workbook with one member's XML changed (`change(text) -> text`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == member:
                content = change(content.decode("utf-8")).encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


def read_all(data: bytes, sheet: str | None = None) -> tuple[list[tuple[int, list[str]]], list[excel.CellNote]]:
    rows = read_xlsx(data, sheet)
    return list(rows), rows.notes


def one_sheet(*rows: list[object]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    return book_bytes(book)


# ---- round trips ----------------------------------------------------------------------------------------------

TEXTS = [
    "0001",  # leading zeros
    "110105199001011234",  # an 18-digit 身份证号
    "11010519900101123X",
    "13800138000",  # a phone number
    "+86 138 0013 8000",
    "=1+1",  # would run as a formula
    '=HYPERLINK("http://example.com","点我")',
    "-5",
    "@SUM(A1)",
    "#N/A",  # would be an error value
    "TRUE",
    "  前后有空格  ",
    "两行\n文字",
    "张𠀋",  # a name outside the BMP
    "1e5",
    "2023-05-10",
]


def test_text_cells_come_back_as_they_were_written():
    header = ["工号", "文字", "备注"]
    body = [[f"{i:04d}", text, f"第 {i} 行"] for i, text in enumerate(TEXTS)]
    rows, notes = read_all(write_xlsx(header, body))
    assert rows == [(1, header), *((i + 2, row) for i, row in enumerate(body))]
    assert notes == []


_INLINE = re.compile(
    r'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is>(<t(?: xml:space="preserve")?>.*?</t>)</is></c>',
    re.DOTALL,  # a text may hold line breaks
)


def as_excel_saves(data: bytes) -> bytes:
    """The workbook with its text moved into a shared-string table, where Excel and WPS keep text
    (openpyxl writes text inline, in the cells)."""
    table: dict[str, int] = {}  # each distinct text once, as Excel keeps them

    def shared(found: re.Match[str]) -> str:
        index = table.setdefault(found.group(2), len(table))
        return f'{found.group(1)} t="s"><v>{index}</v></c>'

    data = patched(data, "xl/worksheets/sheet1.xml", lambda xml: _INLINE.sub(shared, xml))
    strings = "".join(f"<si>{t}</si>" for t in table)
    sst = f'<sst xmlns="{SHEET_NS}" count="{len(table)}" uniqueCount="{len(table)}">{strings}</sst>'
    override = (
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
    )
    relation = (
        '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml" Id="rIdShared" />'
    )
    data = patched(data, "[Content_Types].xml", lambda xml: xml.replace("</Types>", override + "</Types>"))
    data = patched(
        data, "xl/_rels/workbook.xml.rels", lambda xml: xml.replace("</Relationships>", relation + "</Relationships>")
    )
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", sst)
    return out.getvalue()


SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def test_text_kept_in_a_shared_string_table_as_excel_saves_it_reads_the_same():
    texts = [t for t in TEXTS if not t.startswith(("=", "#"))]  # openpyxl's normal mode would make these formulas
    data = as_excel_saves(one_sheet(["文字"], *[[t] for t in texts]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert 't="inlineStr"' not in archive.read("xl/worksheets/sheet1.xml").decode()
    rows, _ = read_all(data)
    assert [cells[0] for _, cells in rows[1:]] == texts


def test_numbers_the_calculator_computed_are_numbers_and_read_as_a_person_sees_them():
    data = write_xlsx(["学时", "尚差"], [[6, 1.5], [16.0, 0.1 + 0.2], [0, -3], [1234567.25, 90]])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.data_type for c in sheet[2]] == ["n", "n"]
    assert sheet["A2"].value == 6 and sheet["B2"].value == 1.5
    rows, _ = read_all(data)
    assert [cells for _, cells in rows[1:]] == [["6", "1.5"], ["16", "0.3"], ["0", "-3"], ["1234567.25", "90"]]


def test_written_text_is_text_with_the_text_format_never_a_formula():
    data = write_xlsx(["身份证号", "备注", "学时"], [["110105199001011234", "=1+1", 6], ["0001", "#N/A", 1.5]])
    book = openpyxl.load_workbook(io.BytesIO(data))  # not read-only, not data-only: formulas would show
    sheet = book.active
    for cell in (sheet["A2"], sheet["B2"], sheet["A3"], sheet["B3"]):
        assert cell.data_type == "s", cell
        assert cell.number_format == "@", cell
    assert sheet["A2"].value == "110105199001011234" and sheet["B2"].value == "=1+1"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere
    assert sheet["C2"].data_type == "n"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and sheet["A1"].value == "身份证号"


def test_columns_are_sized_to_their_text():
    data = write_xlsx(["工号", "身份证号", "说明"], [["1", "110105199001011234", "未完成：公需科目尚差 6 学时" * 2]])
    dims = openpyxl.load_workbook(io.BytesIO(data)).active.column_dimensions
    assert dims["A"].width < dims["B"].width < dims["C"].width <= excel.MAX_WIDTH
    assert dims["B"].width >= 18


def test_characters_a_workbook_cannot_hold_are_shown_not_dropped():
    rows, _ = read_all(write_xlsx(["备注"], [["a\x01b\x1fc"]]))
    assert rows[1] == (2, ["a\u2401b\u241fc"])


def test_dates_written_as_dates_read_as_year_month_day():
    rows, _ = read_all(write_xlsx(["日期"], [[dt.date(2023, 5, 10)]]))
    assert rows[1] == (2, ["2023-05-10"])


def test_rows_of_any_iterable_and_none_cells():
    rows, _ = read_all(write_xlsx(["a", "b", "c"], iter([("x", None, "z"), ["", "y"]])))
    assert rows == [(1, ["a", "b", "c"]), (2, ["x", "", "z"]), (3, ["", "y"])]


# ---- reading what Excel and WPS save --------------------------------------------------------------------------


def test_an_identity_number_stored_as_text_stays_intact():
    rows, notes = read_all(one_sheet(["身份证号"], ["110105199001011234"], ["41010219851212001X"]))
    assert [cells for _, cells in rows] == [["身份证号"], ["110105199001011234"], ["41010219851212001X"]]
    assert notes == []


@pytest.mark.parametrize("stored", [110105199001011234, 1.10105199001011e17, 4101021985121200])
def test_an_identity_number_stored_as_a_number_is_reported(stored):
    rows, notes = read_all(one_sheet(["工号", "身份证号"], ["7", stored]))
    assert rows[1][0] == 2
    assert re.fullmatch(r"\d{16,18}", rows[1][1][1])  # every digit the file still has, not 1.10105E+17
    assert [(n.row, n.column, n.cell) for n in notes] == [(2, 2, "B2")]
    assert "15 位" in notes[0].message and "文本" in notes[0].message
    assert str(notes[0]).startswith("第 2 行 B 列：")


def test_fifteen_digits_are_not_reported():
    _, notes = read_all(one_sheet(["编号"], [999999999999999]))
    assert notes == []


def test_numbers_read_as_excel_shows_them():
    rows, _ = read_all(one_sheet(["n"] * 6, [16, 16.0, 1.5, 0.1 + 0.2, -2.25, 1e-05]))
    assert rows[1][1] == ["16", "16", "1.5", "0.3", "-2.25", "0.00001"]


def test_date_cells_read_as_year_month_day():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["日期", "带时间", "只显示日期", "时刻", "午夜"])
    sheet.append([dt.date(2023, 5, 10), dt.datetime(2023, 5, 10, 14, 30), dt.datetime(2023, 5, 10, 14, 30)])
    sheet["C2"].number_format = "yyyy/m/d"
    sheet["D2"] = dt.time(9, 5)
    sheet["E2"] = dt.datetime(2023, 12, 31)
    sheet["F2"] = 45056  # the same day as a plain number: not a date cell, read as the number
    rows, _ = read_all(book_bytes(book))
    assert rows[1] == (2, ["2023-05-10", "2023-05-10 14:30:00", "2023-05-10", "09:05:00", "2023-12-31", "45056"])
    for text in rows[1][1][:1] + rows[1][1][2:3] + rows[1][1][4:5]:
        assert vocabulary.date_cell(text, "date")[0] in ("2023-05-10", "2023-12-31")


def test_a_date_written_by_a_1904_workbook():
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    book.active.append([dt.date(2023, 5, 10)])
    rows, _ = read_all(book_bytes(book))
    assert rows == [(1, ["2023-05-10"])]


def test_booleans_read_as_the_vocabulary_reads_them():
    rows, _ = read_all(one_sheet(["必修课"], [True], [False]))
    assert [vocabulary.bool_cell(cells[0], "required_course") for _, cells in rows[1:]] == [True, False]


def test_a_formula_gives_its_saved_result():
    data = one_sheet(["学时", "合计"], [6, 1])
    data = patched(data, "xl/worksheets/sheet1.xml", lambda x: x.replace('<c r="B2" t="n"><v>1</v></c>', ""))
    data = patched(
        data,
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace("</row></sheetData>", '<c r="B2"><f>A2*2</f><v>12</v></c></row></sheetData>'),
    )
    rows, notes = read_all(data)
    assert rows[1] == (2, ["6", "12"]) and notes == []


def test_a_formula_without_a_saved_result_is_empty_and_reported():
    rows, notes = read_all(one_sheet(["学时", "合计"], [6, "=A2*2"]))
    assert rows[1] == (2, ["6"])
    assert [(n.row, n.column) for n in notes] == [(2, 2)]
    assert notes[0].message == excel.FORMULA_WITHOUT_RESULT


def test_cells_merged_over_rows_are_read_on_each_row():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工号", "日期", "学时", "备注", ""])
    sheet.append(["0001", "2023-05-10", 6, "合并两列"])
    sheet.append([None, "2023-06-10", 3])
    sheet.append([None, "2023-07-10", 2])
    sheet.append(["0002", "2023-05-11", 1])
    sheet.merge_cells("A2:A4")  # one person's id over their rows
    sheet.merge_cells("D2:E2")  # across columns: the text stays in the first
    sheet.merge_cells("A5:A7")  # over rows the file does not have
    rows, _ = read_all(book_bytes(book))
    assert rows == [
        (1, ["工号", "日期", "学时", "备注"]),
        (2, ["0001", "2023-05-10", "6", "合并两列"]),
        (3, ["0001", "2023-06-10", "3"]),
        (4, ["0001", "2023-07-10", "2"]),
        (5, ["0002", "2023-05-11", "1"]),
        (6, ["0002"]),
        (7, ["0002"]),
    ]


def test_blank_rows_keep_the_numbers_of_the_rows_after_them():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"], sheet["A2"], sheet["B5"] = "工号", "0001", "x"
    sheet["C3"].number_format = "@"  # a styled empty cell: the row is in the file but blank
    sheet["Z2"].number_format = "@"  # trailing empty cells are dropped
    rows = read_xlsx(book_bytes(book))
    assert list(read_xlsx(book_bytes(book))) == [(1, ["工号"]), (2, ["0001"]), (5, ["", "x"])]
    assert list(rows.text_rows()) == [["工号"], ["0001"], [], [], ["", "x"]]


# ---- choosing the sheet ---------------------------------------------------------------------------------------


def workbook(*sheets: tuple[str, list[list[object]]], hidden: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title == hidden:
            sheet.sheet_state = "hidden"
    return book_bytes(book)


STAFF = [["工号", "姓名", "日期", "类别", "学时"], ["0001", "张三", "2023-05-10", "公需科目", 6]]


def test_of_several_sheets_the_first_with_the_headers_is_read():
    data = workbook(("说明", [["本表由人事科填写"]]), ("汇总", [[None], ["人员编号", "学时"]]), ("名单", STAFF))
    rows = read_xlsx(data)
    assert rows.sheet == "名单" and rows.sheets == ["说明", "汇总", "名单"]
    assert list(rows)[1] == (2, ["0001", "张三", "2023-05-10", "公需科目", "6"])


def test_the_header_may_follow_blank_rows_and_use_any_alias():
    data = workbook(("Sheet1", [["x"]]), ("Sheet2", [[], [], [" Person_ID ", "日 期", "科目", "HOURS"]]))
    assert read_xlsx(data).sheet == "Sheet2"


def test_a_hidden_sheet_is_not_chosen():
    data = workbook(("旧名单", STAFF), ("新名单", STAFF), hidden="旧名单")
    assert read_xlsx(data).sheet == "新名单"


def test_no_sheet_with_the_headers_names_every_sheet():
    data = workbook(("说明", [["本表由人事科填写"]]), ("名单", [["姓名", "部门"], ["张三", "内科"]]), ("空表", []))
    with pytest.raises(ExcelError) as caught:
        read_xlsx(data)
    message = str(caught.value)
    for text in ("“说明”：本表由人事科填写", "“名单”：姓名、部门", "“空表”：空", "人员编号、日期、类别、学时"):
        assert text in message


def test_one_sheet_is_read_whatever_its_headers():
    rows = read_xlsx(workbook(("人员", [["姓名"], ["张三"]])))
    assert rows.sheet == "人员" and list(rows) == [(1, ["姓名"]), (2, ["张三"])]


def test_a_sheet_can_be_named():
    data = workbook(("名单", STAFF), ("另一份", [["工号"], ["9"]]))
    assert list(read_xlsx(data, "另一份")) == [(1, ["工号"]), (2, ["9"])]
    with pytest.raises(ExcelError, match="没有名为“三月”的工作表；工作表有：“名单”、“另一份”"):
        read_xlsx(data, "三月")
    assert excel.sheet_names(data) == ["名单", "另一份"]


def test_a_path_is_read_like_bytes(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(workbook(("名单", STAFF)))
    with read_xlsx(path) as rows:
        assert list(rows)[0] == (1, STAFF[0])
    assert list(read_xlsx(str(path)))[1][0] == 2


# ---- files that are not .xlsx: a table of hostile inputs ---------------------------------------------------


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def ole(*streams: str) -> bytes:
    """The start of a compound file (the container of .xls) with directory entries naming `streams`."""
    names = b"".join(name.encode("utf-16-le").ljust(128, b"\0") for name in streams)
    return excel.OLE_MAGIC + b"\0" * 504 + names


GOOD = workbook(("名单", STAFF))

BAD_FILES = [
    ("empty", b"", "文件是空的"),
    ("old .xls", ole("Root Entry", "Workbook", "\x05SummaryInformation"), "请另存为 .xlsx"),
    ("old .xls (Excel 5)", ole("Root Entry", "Book"), "请另存为 .xlsx"),
    ("password", ole("Root Entry", "EncryptionInfo", "EncryptedPackage"), "密码"),
    ("csv", "工号,日期,类别,学时\n0001,2023-05-10,公需,6\n".encode(), "不是 Excel 工作簿（.xlsx）文件"),
    ("gbk csv", "工号,日期\n".encode("gbk"), "不是 Excel 工作簿（.xlsx）文件"),
    ("pdf", b"%PDF-1.7\n", "不是 Excel 工作簿（.xlsx）文件"),
    ("zip of text", zip_of({"readme.txt": b"hello"}), "压缩包里没有工作表"),
    ("docx", zip_of({"word/document.xml": b"<w/>"}), "压缩包里没有工作表"),
    ("ods", zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "请另存为 .xlsx"),
    ("xlsb", zip_of({"xl/workbook.bin": b"\0"}), "请另存为 .xlsx"),
    ("truncated", GOOD[: len(GOOD) // 2], "已损坏"),
    ("zip header only", b"PK\x03\x04" + b"\0" * 100, "已损坏"),
    ("bad workbook xml", patched(GOOD, "xl/workbook.xml", lambda x: x[: len(x) // 2]), "已损坏"),
]


@pytest.mark.parametrize("data, message", [(d, m) for _, d, m in BAD_FILES], ids=[n for n, _, _ in BAD_FILES])
def test_a_file_that_is_not_an_xlsx_is_refused_saying_why(data, message):
    with pytest.raises(ExcelError, match=re.escape(message)):
        list(read_xlsx(data))


def test_a_damaged_sheet_is_refused_when_read():
    data = patched(GOOD, "xl/worksheets/sheet1.xml", lambda x: x.replace("</sheetData>", "<row><c r="))
    rows = read_xlsx(data)
    with pytest.raises(ExcelError, match="工作表“名单”已损坏"):
        list(rows)


def test_the_xls_file_on_disk_is_refused(tmp_path):
    path = tmp_path / "名单.xls"
    path.write_bytes(ole("Root Entry", "Workbook"))
    with pytest.raises(ExcelError, match=re.escape(excel.XLS_MESSAGE)):
        read_xlsx(path)


# ---- size and speed -------------------------------------------------------------------------------------------


def staff_rows(people: int, records: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for p in range(people):
        for r in range(records):
            rows.append(
                [f"{p:06d}", f"4101021985{p:08d}", "张三", "luoyang/2023", f"2023-{r % 12 + 1:02d}-10"]
                + ["公需科目" if r % 3 else "专业科目", 6 if r % 2 else 1.5, "在线学习", 1, "备注"]
            )
    return rows


HEADER = ["工号", "身份证号", "姓名", "政策", "日期", "类别", "学时", "方式", "天数", "备注"]


def test_two_thousand_rows_are_read_in_well_under_a_few_seconds():
    """Not a benchmark (bench/excel.py is): a guard against reading becoming many times slower (about
    0.3 s of CPU time here; the bound is generous for a loaded machine)."""
    data = write_xlsx(HEADER, staff_rows(200, 10))
    start = time.process_time()
    rows = list(read_xlsx(data))
    spent = time.process_time() - start
    assert len(rows) == 2001 and rows[-1][0] == 2001
    assert spent < 3, f"{spent:.2f} s of CPU time for 2,000 rows"


def test_reading_streams_memory_stays_flat():
    """Peak memory while reading 4x the rows grows by much less than 4x what the rows themselves take."""
    import tracemalloc

    def peak(people: int) -> int:
        data = write_xlsx(HEADER, staff_rows(people, 10))
        tracemalloc.start()
        for _ in read_xlsx(data):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(100), peak(400)
    assert large < small * 1.2 + 100_000, (small, large)


def test_openpyxl_is_loaded_only_when_a_workbook_is_read():
    code = (
        "import sys, calculator.batch.excel, calculator.browser, calculator.engine, calculator.person\n"
        "assert 'openpyxl' not in sys.modules, 'imported without reading'\n"
        "calculator.batch.excel.template_csv(); calculator.batch.excel.template_notes()\n"
        "assert 'openpyxl' not in sys.modules, 'the CSV template needs no openpyxl'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# ---- the template ---------------------------------------------------------------------------------------------


def test_the_template_has_every_column_the_batch_reads():
    assert sorted(excel.TEMPLATE_COLUMNS) == sorted(vocabulary.COLUMN_NAMES)
    assert set(excel.COLUMN_NOTES) == set(excel.TEMPLATE_COLUMNS)
    assert [vocabulary.column_for(h) for h in excel.template_header()] == list(excel.TEMPLATE_COLUMNS)


def test_the_required_columns_are_the_batchs():
    from calculator.batch.people import REQUIRED_COLUMNS

    assert excel.REQUIRED == REQUIRED_COLUMNS


def test_the_template_xlsx_reads_back_as_its_header_and_example():
    data = excel.template_xlsx()
    rows = read_xlsx(data)
    assert rows.sheet == "学时记录" and rows.sheets == ["学时记录", "说明"]
    got = list(rows)
    assert got[0] == (1, excel.template_header())
    example = ["" if v is None else str(v) for v in excel.template_example()]
    while example[-1] == "":
        example.pop()
    assert got[1] == (2, example) and len(got) == 2


def test_the_example_row_is_accepted_by_the_vocabulary():
    row = dict(zip(excel.TEMPLATE_COLUMNS, excel.template_example(), strict=True))
    assert vocabulary.date_cell(str(row["date"]), "date") == ("2023-05-10", 2023)
    assert vocabulary.category_cell(str(row["category"]), "category") == "public"
    assert vocabulary.hours_cell(str(row["hours"]), "hours") == 600
    assert vocabulary.mode_cell(str(row["mode"]), "mode") == "online"
    assert vocabulary.employer_cell(str(row["employer"]), "employer") == "public_institution"
    assert vocabulary.bool_cell(str(row["required_course"]), "required_course") is True
    assert vocabulary.days_cell("", "days") == (100, False)


def test_the_templates_text_columns_are_text_so_typed_ids_keep_their_digits():
    sheet = openpyxl.load_workbook(io.BytesIO(excel.template_xlsx()))["学时记录"]
    letter = excel.column_letter(excel.TEMPLATE_COLUMNS.index("person_id") + 1)
    assert sheet.column_dimensions[letter].number_format == "@"
    assert sheet[f"{letter}2"].data_type == "s" and sheet[f"{letter}2"].value == "0001"
    hours = excel.column_letter(excel.TEMPLATE_COLUMNS.index("hours") + 1)
    assert sheet[f"{hours}2"].data_type == "n"
    assert sheet.freeze_panes == "A2"
    assert len(sheet.data_validations.dataValidation) == 5


def test_the_notes_explain_each_column_with_the_vocabularys_values():
    rows = list(read_xlsx(excel.template_xlsx(), "说明"))
    assert rows[0] == (1, excel.NOTES_HEADER)
    by_header = {cells[0]: cells for _, cells in rows[1:]}
    assert list(by_header) == excel.template_header()
    for header, cells in by_header.items():
        column = vocabulary.column_for(header)
        assert cells[1] == ("必填" if column in excel.REQUIRED else "选填")
        assert cells[2] and cells[3]
        for alias in vocabulary.COLUMN_NAMES[column]:
            assert alias in cells[4] or alias == header
    for text in vocabulary.CATEGORY_TEXT:
        assert text in by_header["类别"][3]
    for text in vocabulary.MODE_TEXT:
        assert text in by_header["方式"][3]
    for text in vocabulary.TRUE_TEXT | (vocabulary.FALSE_TEXT - {""}):
        assert text in by_header["必修课"][3]
    assert "2023/5/10" in by_header["日期"][3]


def test_the_notes_list_the_policies_given():
    notes = excel.template_notes([("luoyang/2023", "洛阳市 2023"), ("henan/2023", "河南省 2023")])
    assert "luoyang/2023（洛阳市 2023）；henan/2023（河南省 2023）" in notes


def test_the_csv_template_is_the_same_with_a_bom():
    data = excel.template_csv()
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0].split(",") == excel.template_header()
    assert lines[1].split(",")[:3] == ["0001", "张三", "luoyang/2023"]
    assert len(lines[1].split(",")) == len(excel.TEMPLATE_COLUMNS)
    notes = excel.template_notes()
    assert len(notes.splitlines()) == len(excel.TEMPLATE_COLUMNS)
    assert notes.startswith("人员编号（必填）：")


# ---- the wheels the site ships, under Pyodide --------------------------------------------------------------

RUNNER = """
import {loadPyodide} from "%(pyodide)s/pyodide.mjs";
import fs from "fs";
// The batch reads .xlsx with more of the standard library (xml, zipfile…) than the calculator page ships
// (webcalc.stdlib trims it): Pyodide's whole library here, as the batch page will load its own.
const py = await loadPyodide({indexURL: "%(pyodide)s/", stdLibURL: "%(stdlib)s"});
const loaded = [];
const failed = [];
const options = {messageCallback: (m) => loaded.push(m), errorCallback: (m) => failed.push(m)};
await py.loadPackage("calculator", options);
// The person calculator loads only its own wheel: importing its entry point must not need openpyxl.
py.runPython("import calculator.browser, sys; assert 'openpyxl' not in sys.modules");
// ... nor the batch's modules, which come in the batch page's own wheel.
py.runPython(`
try:
    import calculator.batch.excel
except ModuleNotFoundError:
    pass
else:
    raise AssertionError("the person calculator's wheel holds the batch")
`);
await py.loadPackage("openpyxl", options);
await py.loadPackage("calculator-batch", options);
if (failed.length) { console.error(failed.join("; ")); process.exit(3); }
py.FS.writeFile("/home/pyodide/in.xlsx", fs.readFileSync("%(input)s"));
console.log(py.runPython(`
import json, sys, time
import openpyxl
from calculator.batch import excel
start = time.perf_counter()
rows = excel.read_xlsx(open("/home/pyodide/in.xlsx", "rb").read())
got = list(rows)
seconds = time.perf_counter() - start
json.dumps({"python": sys.version.split()[0], "openpyxl": openpyxl.__version__, "sheet": rows.sheet,
            "rows": got, "notes": [str(n) for n in rows.notes], "seconds": seconds}, ensure_ascii=False)
`));
console.error(loaded.join("\\n"));
"""


def test_the_lock_file_registers_the_excel_wheels_with_their_hashes(built):
    site = built[0]
    pyodide_dir = site / "calculator" / "pyodide"
    packages = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))["packages"]
    from webcalc.excel_wheels import WHEELS

    for wheel in WHEELS:
        entry = packages[wheel.name]
        assert entry["file_name"] == wheel.file_name and entry["version"] == wheel.version
        assert entry["sha256"] == wheel.sha256 == excel_sha(pyodide_dir / wheel.file_name)
    assert packages["openpyxl"]["depends"] == ["et-xmlfile"]
    assert packages["calculator"]["depends"] == []  # the person calculator does not pull them in
    sw = (site / "calculator" / "sw.js").read_text(encoding="utf-8")
    assert "openpyxl" not in sw and "et_xmlfile" not in sw


def excel_sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pyodide_reads_an_xlsx_written_here_with_the_self_hosted_wheels(built, tmp_path):
    site = built[0]
    pyodide_dir = site / "calculator" / "pyodide"
    assert shutil.which("node"), "node is needed (Debian: nodejs)"
    header = ["工号", "身份证号", "日期", "类别", "学时", "备注"]
    body = [["0001", "110105199001011234", dt.date(2023, 5, 10), "公需科目", 6, "=1+1"]]
    body += [[f"{i:04d}", f"4101021985{i:08d}", "2023/6/1", "专业科目", 1.5, ""] for i in range(2, 2001)]
    (tmp_path / "in.xlsx").write_bytes(write_xlsx(header, body))
    script = tmp_path / "run.mjs"
    script.write_text(
        RUNNER
        % {
            "pyodide": pyodide_dir.as_posix(),
            "stdlib": (ROOT / "node_modules" / "pyodide" / "python_stdlib.zip").as_posix(),
            "input": (tmp_path / "in.xlsx").as_posix(),
        },
        encoding="utf-8",
    )
    done = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert out["python"].startswith("3.14") and out["openpyxl"] == "3.1.5"
    assert "Loaded et-xmlfile, openpyxl" in done.stderr  # both, from the lock file (depends)
    rows = [(n, cells) for n, cells in out["rows"]]
    assert rows[0] == (1, header)
    assert rows[1] == (2, ["0001", "110105199001011234", "2023-05-10", "公需科目", "6", "=1+1"])
    assert rows[2] == (3, ["0002", "410102198500000002", "2023/6/1", "专业科目", "1.5"])
    assert len(rows) == 2001 and out["notes"] == []
    assert rows == list(read_xlsx(tmp_path / "in.xlsx"))  # the same as on CPython
    print(f"Pyodide read 2,000 rows in {out['seconds']:.2f} s")


# ---- the wheels' build step (webcalc/excel_wheels.py) ----------------------------------------------------------


def test_the_wheels_are_the_versions_requirements_txt_installs():
    from webcalc.excel_wheels import WHEELS

    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line)
    assert {w.name: w.version for w in WHEELS} == {"openpyxl": pins["openpyxl"], "et-xmlfile": pins["et-xmlfile"]}
    import et_xmlfile

    assert openpyxl.__version__ == pins["openpyxl"] and et_xmlfile.__version__ == pins["et-xmlfile"]


def test_a_cached_wheel_is_used_and_a_wrong_one_refused(tmp_path):
    from webcalc.excel_wheels import WHEELS, WheelError, fetch

    wheel = WHEELS[0]
    calls = []

    def download(w, folder: Path) -> None:
        calls.append(w.name)
        (folder / w.file_name).write_bytes(b"not the wheel")

    with pytest.raises(WheelError, match="sha256"):
        fetch(wheel, tmp_path, download)
    assert calls == [wheel.name]
    with pytest.raises(WheelError, match="sha256"):  # the bad file is in the cache now: refused, not fetched again
        fetch(wheel, tmp_path, download)
    assert calls == [wheel.name]
    (tmp_path / wheel.file_name).unlink()
    with pytest.raises(WheelError, match="did not give"):
        fetch(wheel, tmp_path, lambda w, folder: None)
    assert not list(tmp_path.iterdir())  # nothing half-written left behind


def test_the_step_copies_the_wheels_and_adds_their_lock_entries(built, tmp_path):
    from webcalc.excel_wheels import CACHE, WHEELS, add_excel_wheels

    # The site build (`built`) has filled the cache: a second build downloads nothing.
    (tmp_path / "pyodide-lock.json").write_text(json.dumps({"packages": {"calculator": {"depends": []}}}))
    copied = add_excel_wheels(tmp_path, CACHE, lambda w, folder: pytest.fail("downloaded although cached"))
    assert [p.name for p in copied] == [w.file_name for w in WHEELS]
    packages = json.loads((tmp_path / "pyodide-lock.json").read_text())["packages"]
    assert set(packages) == {"calculator", "openpyxl", "et-xmlfile"}
    assert packages["openpyxl"]["imports"] == ["openpyxl"] and packages["et-xmlfile"]["depends"] == []
