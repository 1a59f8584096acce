"""The batch page's one entry point (单位批量核对): the office's file in, its results as the page shows them.

The page's web worker calls, with the file's bytes and name (nothing leaves the browser):
    check(data, name, as_of, progress, sheet)
                                        -> JSON: the summary, the result table (header and rows as the
                                           command line's CSV holds them), each person's shortfall and what
                                           would remain once their planned records are done, bad rows;
                                           a workbook's sheets (`sheets`, and `ask` when none is plainly
                                           the staff list: the page then asks which, and checks again)
    download(kind)                      -> the last results as bytes: "xlsx" or "csv" (UTF-8 with BOM)
    template(kind)                      -> the empty staff-list template: "xlsx" or "csv"
The check is the command line's (calculator.batch.table, check, people): the same rows, the same cells.
`progress(done, total)` is called as rows are read (total: the CSV's lines or the sheet's stated size, 0 when
unknown). `as_of` is the day of the check (YYYY-MM-DD; today when empty): records after it are planned.
Nothing here raises: a file that cannot be read, or an unexpected failure, is one plain message.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import vocabulary
from .batch import check as batch_check
from .batch import csv_io, table
from .batch.excel import ExcelError, SheetNotChosen, template_csv, template_xlsx
from .browser import engine

Progress = Callable[[int, int], object]
STEP = 500  # rows between two progress reports

_last: dict[str, Any] = {}  # the last check's header and rows, for download()


def _counted(rows: Iterable[list[str]], total: int, progress: Progress | None) -> Iterator[list[str]]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if progress is not None and done % STEP == 0:
            progress(done, total)
    if progress is not None:
        progress(done, done)


def check(
    data: bytes, name: str = "", as_of: str | None = None, progress: Progress | None = None, sheet: str | None = None
) -> str:
    try:
        return json.dumps(_check(bytes(data), name, as_of, progress, sheet or None), ensure_ascii=False)
    except SheetNotChosen as err:
        return json.dumps({"ok": False, "message": str(err), "ask": True, "sheets": err.sheets}, ensure_ascii=False)
    except (csv_io.CsvError, batch_check.BatchError, ExcelError) as err:
        return json.dumps({"ok": False, "message": str(err)}, ensure_ascii=False)
    except Exception as err:  # noqa: BLE001 - the page must get a message, not a traceback
        return json.dumps({"ok": False, "message": f"核对时出现内部错误（{type(err).__name__}），请刷新后重试"})


def _day(as_of: str | None) -> dt.date:
    if not as_of:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError:
        raise batch_check.BatchError(f"核对日期“{as_of}”不是一个日期：请写成 2025-12-01 这样") from None


def _check(data: bytes, name: str, as_of: str | None, progress: Progress | None, sheet: str | None) -> dict[str, Any]:
    day = _day(as_of)
    opened = table.open_rows(data, name, sheet)
    notices = opened.notices
    office = table.OfficeRows(_counted(opened.rows, opened.total, progress))
    with batch_check.paused_gc():
        result = batch_check.run_batch(engine(), office, day)
        header = table.result_header(office)
        cells = list(table.result_rows(result, office))
    _last.clear()
    _last.update(header=header, rows=cells)
    summary = batch_check.summary_of(result.counts())
    people = []
    for person, row in zip(result.people, cells, strict=True):
        outcome = person.outcome
        people.append(
            {
                "notice": _notice(person.policy),
                "short": outcome is not None and not outcome.compliant,
                "checked": outcome is not None,
                "remaining": (outcome.remaining[0] or 0) / 100 if outcome is not None else None,
                "what": _what_is_short(header, row),
                "planned": _if_planned_done(header, row),
                "cells": [table.xlsx_cells(header, row)[i] for i in range(len(row))],
            }
        )
    return {
        "ok": True,
        "header": header,
        "people": people,
        "summary": summary,
        "summary_text": batch_check.summary_text(batch_check.report(result, "json")),
        "bad_rows": [{"row": p.row, "field": p.field, "message": p.message} for p in result.bad_rows],
        "notices": [*result.notices, *notices],
        "carried": office.header,
        "as_of": day.isoformat(),
        "sheets": opened.sheets,
        "sheet": opened.sheet,
    }


def _notice(policy: str | None) -> str:
    """The notice as people name it (洛阳市 2023), or the 政策 cell as given when it names none."""
    if policy and policy in engine().bundle.get("policies", {}):
        return vocabulary.notice_text(policy, engine().bundle)
    return policy or ""


SHORT = (("尚差公需", "公需"), ("尚差必修课", "必修课"), ("尚差专业", "专业"))


def _shortfall(cell: dict[str, str], prefix: str) -> str:
    """The 尚差 columns (with `prefix`: 计划完成后) in words: 公需 20 学时、专业 40 学时; '' when nothing lacks."""
    parts = [
        f"{label} {cell[prefix + column]} 学时" for column, label in SHORT if cell[prefix + column] not in ("", "0")
    ]
    if not parts and cell[prefix + "尚差总学时"] not in ("", "0"):
        parts.append(f"总学时 {cell[prefix + '尚差总学时']} 学时")
    return "、".join(parts)


def _what_is_short(header: list[str], row: list[str]) -> str:
    """What the person still lacks, in words: 公需 20 学时、专业 40 学时; or why they could not be checked."""
    cell = dict(zip(header, row, strict=True))
    if cell["是否完成"] == "无法核对":
        return "无法核对：" + cell["有误的行"].split("；")[0]
    return _shortfall(cell, "") or "已完成"


def _if_planned_done(header: list[str], row: list[str]) -> str:
    """The planned records (dated after the day of the check) in words, and what would remain once they are
    done as dated; '' when the person has none (or could not be checked)."""
    cell = dict(zip(header, row, strict=True))
    count = cell["计划记录条数"]
    if count in ("", "0"):
        return ""
    if cell["计划完成后是否完成"] == "是":
        return f"计划 {count} 条，按期完成后即可完成"
    return f"计划 {count} 条，按期完成后仍差 {_shortfall(cell, '计划完成后')}"


def download(kind: str) -> bytes:
    if not _last:
        return b""
    if kind == "xlsx":
        return table.xlsx_bytes(_last["header"], _last["rows"])
    return table.csv_text(_last["header"], _last["rows"]).encode("utf-8")


def template(kind: str) -> bytes:
    if kind == "xlsx":
        return template_xlsx([(pid, vocabulary.notice_text(pid, engine().bundle)) for pid in engine().policy_ids()])
    return template_csv()
