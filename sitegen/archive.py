"""`build.py archive NOTICE.pdf|NOTICE.txt --region R --year Y [--number 文号]`: archive a new notice.

A PDF's text is extracted with poppler's `pdftotext -layout -enc UTF-8`: the layout mode keeps each printed
line whole and in reading order (and a table's row on one line); the raw mode can merge lines across short
paragraphs. A `.txt` is taken byte for byte. Either way the text is written once to
policies/sources/<region>-<year>.txt and never overwritten (a citation's evidence must not change under it),
and a row is added to the sources index (policies/sources/README.md). Nothing is repaired: what the
extraction damaged is listed for the maintainer to record under `damaged:`, never corrected in the archive.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

PDFTOTEXT = ("pdftotext", "-layout", "-enc", "UTF-8", "-eol", "unix", "-nopgbrk")
MAX_BYTES = 20_000_000  # a notice is a few pages; anything far larger is not one


class ArchiveError(Exception):
    """Bad input: the message says what is wrong, in Chinese."""


class ToolMissing(Exception):
    """pdftotext is not installed (an environment problem, not the maintainer's input)."""


@dataclass
class Archived:
    path: Path
    characters: int
    lines: int
    warnings: list[str]


def extract(notice: Path) -> bytes:
    """The notice's text as bytes: a .txt as it is, a PDF through pdftotext."""
    if not notice.is_file():
        raise ArchiveError(f"找不到通知文件 {notice}")
    size = notice.stat().st_size
    if size > MAX_BYTES:
        raise ArchiveError(f"{notice} 有 {size:,} 字节，不像是一份通知（上限 {MAX_BYTES:,}）")
    suffix = notice.suffix.lower()
    raw = notice.read_bytes()
    if suffix == ".txt":
        return raw
    if suffix != ".pdf":
        raise ArchiveError(f"{notice.name}：只收 .pdf 或 .txt（Word 文件请先另存为 PDF）")
    if not raw.startswith(b"%PDF-"):
        raise ArchiveError(f"{notice.name} 不是 PDF 文件（开头不是 %PDF-）")
    if shutil.which(PDFTOTEXT[0]) is None:
        raise ToolMissing("未安装 pdftotext（Debian 的 poppler-utils 包；`make` 会安装它）")
    run = subprocess.run([*PDFTOTEXT, str(notice), "-"], capture_output=True, timeout=120)
    if run.returncode != 0:
        reason = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ArchiveError(f"pdftotext 读不了 {notice.name}：{reason[-1] if reason else run.returncode}")
    return run.stdout


def check_text(raw: bytes, name: str) -> tuple[str, list[str]]:
    """(the text, what the maintainer should look at). Refuses what cannot be an archived notice."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ArchiveError(
            f"{name} 第 {line} 行：字节 0x{raw[err.start]:02x} 不是 UTF-8；请把文本另存为 UTF-8 再存档"
        ) from None
    visible = "".join(text.split())
    if not visible:
        raise ArchiveError(f"{name} 没有文字（扫描的 PDF 只有图像，需先做文字识别；本工具不做识别）")
    warnings = []
    han = sum(1 for ch in visible if "\u4e00" <= ch <= "\u9fff")
    if han < len(visible) // 4:
        warnings.append(f"只有 {han} 个汉字（共 {len(visible)} 个字符）：文字可能没有提取出来，请打开文本看一看")
    checks = [
        ("\ufffd", "替换符 �（原字节无法解码）"),
        ("private", "私用区字符（PDF 字体没有提供字符映射，显示为乱码）"),
        ("control", "控制字符"),
    ]
    for kind, label in checks:
        lines = [n for n, row in enumerate(text.splitlines(), 1) if _has(row, kind)]
        if lines:
            shown = "、".join(str(n) for n in lines[:8]) + (" 等" if len(lines) > 8 else "")
            warnings.append(f"第 {shown} 行有{label}：这些段落记入政策文件的 damaged:，不要在存档中修改")
    return text, warnings


def _has(row: str, kind: str) -> bool:
    if kind == "\ufffd":
        return "\ufffd" in row
    category = "Co" if kind == "private" else "Cc"
    return any(unicodedata.category(ch) == category and ch not in "\t\f" for ch in row)


def index_row(file: str, issuer: str, year: int, number: str | None, source: str) -> str:
    number_cell = number or "未填（存档时未给 --number）"
    notes = f"由 `build.py archive` 自 {source} 存档；损坏段落待核对"
    return f"| {file} | {issuer} | {year} | {number_cell} | 未填 | {notes} |"


def indexed_number(index: Path, file: str) -> str | None:
    """The document number given when `file` was archived (`--number`), if any."""
    if not index.is_file():
        return None
    for line in index.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0] == file and not cells[3].startswith("未填"):
            return cells[3]
    return None


def add_index_row(index: Path, row: str) -> str:
    """The index with `row` added after the last row of its table."""
    lines = index.read_text(encoding="utf-8").splitlines()
    last = max((n for n, line in enumerate(lines) if line.startswith("|")), default=None)
    if last is None:
        raise ArchiveError(f"{index} 中没有来源表格，无法登记")
    return "\n".join([*lines[: last + 1], row, *lines[last + 1 :]]) + "\n"


def archive(
    notice: Path, policies_dir: Path, region: str, year: int, number: str | None, regions: dict[str, dict[str, str]]
) -> Archived:
    from sitegen.scaffold import region_year_problem

    problem = region_year_problem(region, year, regions)
    if problem:
        raise ArchiveError(problem)
    if number is not None and not number.strip():
        raise ArchiveError("--number 是空的：没有印出文号时不要给 --number")
    sources = policies_dir / "sources"
    target = sources / f"{region}-{year}.txt"
    index = sources / "README.md"
    if target.exists():
        raise ArchiveError(f"{target} 已存档，不会覆盖（引文以它为准）；确需更换时先用 git 删除它并说明原因")
    if f"| {target.name} |" in index.read_text(encoding="utf-8"):
        raise ArchiveError(f"{index} 已登记 {target.name}，但文件不在；请先核对来源表")
    raw = extract(notice)
    text, warnings = check_text(raw, notice.name)
    name = regions[region]["name"]
    issuer = f"{name}（发文机关待填）"
    row = index_row(target.name, issuer, year, number, notice.name)
    if number and "".join(number.split()) not in "".join(text.split()):
        warnings.append(f"文号 {number} 在提取的文本中没有找到：请核对（文号可能未印出，或被提取损坏）")
    new_index = add_index_row(index, row)
    with target.open("xb") as handle:  # never overwrite, even if one appeared meanwhile
        handle.write(raw)
    index.write_text(new_index, encoding="utf-8")
    return Archived(target, len("".join(text.split())), len(text.splitlines()), warnings)
