"""`build.py archive`: a notice (PDF or text) becomes policies/sources/<region>-<year>.txt and a row of the index.

The PDF is made in the test: Chromium prints the Luoyang 2023 notice (Chinese text, several pages) and every
passage that luoyang/2023.yaml cites must be found again, verbatim, in the text archived from that PDF.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
import yaml

from calculator.bundle import citations
from calculator.citations import find_quote
from calculator.policy_checks import _sources

ROOT = Path(__file__).resolve().parent.parent
NOTICE = ROOT / "policies" / "sources" / "luoyang-2023.txt"


def print_pdf(browser, text: str, path: Path) -> Path:
    """`text` printed by Chromium, one printed paragraph per line of text."""
    lines = [line for line in text.splitlines() if line.strip()]
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    page = browser.new_page()
    page.set_content(
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>"
        "<style>body{font:15px/1.8 'Noto Serif CJK SC','Noto Sans CJK SC',serif}</style>"
        f"<body>{body}</body></html>"
    )
    page.pdf(path=str(path), format="A4")
    page.close()
    return path


@pytest.fixture(scope="module")
def notice_pdf(browser, tmp_path_factory) -> Path:
    """The Luoyang 2023 notice printed by Chromium."""
    return print_pdf(browser, NOTICE.read_text(encoding="utf-8"), tmp_path_factory.mktemp("pdf") / "洛阳通知.pdf")


def test_next_years_notice_as_a_pdf_is_archived_and_aligned(browser, run_build, policies, tmp_path):
    """The whole way a maintainer goes: next year's notice as a PDF, archived, then `new` aligned to it."""
    from test_align import CHANGED, LUOYANG, NOT_FOUND, next_year

    pdf = print_pdf(browser, next_year(LUOYANG).replace("\n\n", "\n"), tmp_path / "洛阳2024.pdf")
    code, _, err = run_build("--policies", str(policies), "archive", str(pdf), "--region", "luoyang", "--year", "2024")
    assert code == 0, err
    code, out, err = run_build("--policies", str(policies), "new", "luoyang", "2024", "--format", "json")
    assert code == 0, err
    outcomes = {o["rule"]: o for o in json.loads(out)}
    assert {rule for rule, o in outcomes.items() if o["status"] != "same"} == set(CHANGED) | NOT_FOUND
    assert all(outcomes[rule]["new_value"] == value for rule, value in CHANGED.items())


def test_a_printed_pdf_is_archived_and_every_cited_passage_is_found_again(run_build, policies, notice_pdf):
    code, out, err = run_build(
        "--policies", str(policies), "archive", str(notice_pdf), "--region", "luoyang", "--year", "2024"
    )
    assert code == 0, err
    archived = policies / "sources" / "luoyang-2024.txt"
    assert "已存档" in out and archived.is_file()
    text = archived.read_text(encoding="utf-8")
    assert text.count("\f") == 0 and len(text.splitlines()) > 100  # several pages, page breaks dropped
    data = yaml.safe_load((ROOT / "policies" / "luoyang" / "2023.yaml").read_text(encoding="utf-8"))
    quotes = [
        c["quote"]
        for _, source in _sources(data, ())
        for c in citations(source, "luoyang-2023")
        if c["document"] == "luoyang-2023"
    ]
    assert len(quotes) > 30
    missing = [q for q in quotes if find_quote(q, text) is None]
    assert missing == [], missing
    # Reading order: the passages come in the order of the original.
    original = NOTICE.read_text(encoding="utf-8")
    starts = [find_quote(q, text)[0] for q in quotes]
    order = sorted(range(len(quotes)), key=lambda i: find_quote(quotes[i], original)[0])
    assert [starts[i] for i in order] == sorted(starts)
    index = (policies / "sources" / "README.md").read_text(encoding="utf-8")
    row = next(line for line in index.splitlines() if line.startswith("| luoyang-2024.txt |"))
    assert "| 2024 |" in row and "洛阳通知.pdf" in row and "未填" in row


def test_a_text_notice_is_archived_byte_for_byte_with_its_number(run_build, policies, tmp_path):
    raw = "关于做好 2024 年全市专业技术人员\r\n继续教育工作的通知\r\n（洛人社〔2024〕12号）\r\n".encode()
    given = tmp_path / "notice.txt"
    given.write_bytes(raw)
    code, out, err = run_build(
        "--policies", str(policies), "archive", str(given), "--region", "luoyang", "--year", "2024",
        "--number", "洛人社〔2024〕12号",
    )  # fmt: skip
    assert code == 0, err
    assert (policies / "sources" / "luoyang-2024.txt").read_bytes() == raw
    assert "注意" not in out  # nothing to look at: Chinese text, the number is printed
    index = (policies / "sources" / "README.md").read_text(encoding="utf-8")
    assert "| luoyang-2024.txt | 洛阳市（发文机关待填） | 2024 | 洛人社〔2024〕12号 |" in index
    # The index keeps its other rows and its text after the table.
    assert index.count("\n| ") == 7 and index.rstrip().endswith("any notice for a city-year not listed above.")


def test_damage_is_reported_not_repaired(run_build, policies, tmp_path):
    raw = "第一行：每年累计应不少于90学时\n第二行：字体坏了 \ue000\ue001\n第三行：\ufffd\n".encode()
    given = tmp_path / "n.txt"
    given.write_bytes(raw)
    code, out, _ = run_build(
        "--policies", str(policies), "archive", str(given), "--region", "kaifeng", "--year", "2024"
    )
    assert code == 0
    assert "第 2 行有私用区字符" in out and "第 3 行有替换符" in out and "damaged:" in out
    assert (policies / "sources" / "kaifeng-2024.txt").read_bytes() == raw


def _gbk(folder: Path) -> Path:
    path = folder / "gbk.txt"
    path.write_bytes("每年累计应不少于90学时".encode("gbk"))
    return path


def _empty_pdf(folder: Path) -> Path:
    path = folder / "blank.pdf"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # a header and nothing else: pdftotext fails on it
    return path


def _named(name: str, content: bytes):
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path

    return make


TEXT = _named("n.txt", "通知".encode())
# (id, the notice file, region, year, extra arguments, expected message): each exits 2 and writes nothing.
REFUSED = [
    ("missing file", lambda folder: folder / "nope.pdf", "luoyang", "2024", [], "找不到通知文件"),
    ("Word file", _named("n.docx", b"PK\x03\x04"), "luoyang", "2024", [], "只收 .pdf 或 .txt"),
    ("not a PDF", _named("n.pdf", b"<html>"), "luoyang", "2024", [], "不是 PDF 文件"),
    ("unreadable PDF", _empty_pdf, "luoyang", "2024", [], "pdftotext 读不了"),
    ("GBK text", _gbk, "luoyang", "2024", [], "不是 UTF-8"),
    ("empty text", _named("n.txt", b" \n\r\n\t"), "luoyang", "2024", [], "没有文字"),
    ("unknown region", TEXT, "luoyng", "2024", [], "未知地区 'luoyng'；是不是 'luoyang'"),
    ("year out of range", TEXT, "luoyang", "1999", [], "年份 1999 超出范围"),
    ("empty number", TEXT, "luoyang", "2024", ["--number", " "], "--number 是空的"),
    ("already archived", TEXT, "luoyang", "2023", [], "已存档，不会覆盖"),
]


@pytest.mark.parametrize(
    ("make", "region", "year", "extra", "expected"), [pytest.param(*c[1:], id=c[0]) for c in REFUSED]
)
def test_bad_input_is_refused_in_chinese(run_build, policies, tmp_path, make, region, year, extra, expected):
    before = {p: p.read_bytes() for p in (policies / "sources").iterdir()}
    notice = str(make(tmp_path))
    code, _, err = run_build("--policies", str(policies), "archive", notice, "--region", region, "--year", year, *extra)
    assert code == 2 and expected in err and err.startswith("archive: "), err
    assert {p: p.read_bytes() for p in (policies / "sources").iterdir()} == before
