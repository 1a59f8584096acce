"""The command line: `python -m calculator check|policies|batch` (see README).

    check person.json [--as-of DATE] [--format json|text]    exit 0 compliant, 1 not yet, 2 bad input
    policies [--format text|json]                            the policies there are
    batch staff.csv|staff.xlsx [--sheet NAME] [--as-of DATE] [--format csv|json] [--policy ID]
          [--out FILE.csv|FILE.xlsx] [--jobs N]
                                                             exit 0 all compliant, 1 someone short, 2 bad rows
    every command: 3 on an unexpected internal error (one line; --debug prints the traceback), see exits.py

The bundle: `--bundle FILE` if given; else, in a checkout, build/policies.json when it is newer than every
file under policies/, otherwise compiled afresh with build.py's compile_policies (which also rewrites
build/policies.json); else the bundle packaged with the calculator (calculator/data/policies.json).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from .batch import check as batch_mod
from .batch import csv_io
from .batch import parallel as batch_parallel
from .batch import spill as batch_spill
from .batch import table as batch_table
from .batch.excel import ExcelError
from .engine import Engine, result_json
from .exits import EXIT_BAD, EXIT_OK, EXIT_SHORT, guarded
from .make_up import after_deadline
from .person import FieldProblem, PersonError, read_person
from .text_report import check_text, policies_text

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
MAX_SHOWN = 50  # problems listed one by one; the rest are counted in one line (and in `error_count`)


class BadInput(Exception):
    def __init__(self, problems: list[FieldProblem], where: str = ""):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
        self.where = where


# ---- the bundle --------------------------------------------------------------------------------------


def _newest_mtime(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0.0)


def _compile_in_checkout(root: Path) -> dict[str, Any] | None:
    spec = importlib.util.spec_from_file_location("_calculator_build", root / "build.py")
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bundle: dict[str, Any] | None = module.compile_policies(root / "policies", root / "build" / "policies.json")
    return bundle


def load_bundle(
    path: Path | None = None, root: Path = ROOT, err: TextIO = sys.stderr, package: Path = PACKAGE
) -> dict[str, Any]:
    if path is not None:
        return _read_bundle(path)
    built = root / "build" / "policies.json"
    policies = root / "policies"
    if (root / "build.py").is_file() and policies.is_dir():
        if built.is_file() and built.stat().st_mtime > _newest_mtime(policies):
            return _read_bundle(built)
        bundle = _compile_in_checkout(root)
        if bundle is not None:
            return bundle
        if built.is_file():
            print(f"注意：政策文件有误（见上），使用旧的 {built}", file=err)
            return _read_bundle(built)
        raise BadInput([FieldProblem("", "政策文件有误，无法编译（见上）")], "policies/")
    packaged = package / "data" / "policies.json"
    if packaged.is_file():
        return _read_bundle(packaged)
    if built.is_file():
        return _read_bundle(built)
    raise BadInput([FieldProblem("", "找不到政策数据（build/policies.json）；请先运行 build.py compile 或用 --bundle")])


def _read_bundle(path: Path) -> dict[str, Any]:
    try:
        bundle: object = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as error:
        raise BadInput([FieldProblem("", f"无法读取政策数据：{error}")], str(path)) from None
    problem = bundle_problem(bundle)
    if problem:
        raise BadInput(
            [FieldProblem("", f"不是政策数据（build.py compile 写出的 policies.json）：{problem}")], str(path)
        )
    assert isinstance(bundle, dict)
    return bundle


def bundle_problem(bundle: object) -> str:
    """What makes `bundle` unusable by the engine ("" when nothing does): the shape compile_bundle writes."""
    if not isinstance(bundle, dict):
        kinds = {list: "列表", str: "文本", int: "数字", float: "数字", bool: "真假值", type(None): "null"}
        return f"应为 JSON 对象，不是{kinds.get(type(bundle), type(bundle).__name__)}"
    policies = bundle.get("policies")
    if not isinstance(policies, dict):
        return "缺少 policies 对象"
    for key in ("catalog", "documents", "regions"):
        if not isinstance(bundle.get(key, {}), dict):
            return f"{key} 应为对象"
    for pid, policy in policies.items():
        if not isinstance(policy, dict):
            return f"policies[{pid!r}] 应为对象"
        for key, kind in (("region", str), ("year", int), ("document", str), ("rules", dict)):
            if not isinstance(policy.get(key), kind) or isinstance(policy.get(key), bool):
                return f"policies[{pid!r}].{key} 缺少或类型不对"
        if not all(isinstance(rule, dict) for rule in policy["rules"].values()):
            return f"policies[{pid!r}].rules 的每条规则应为对象"
    return ""


# ---- reading input ----------------------------------------------------------------------------------


def _read_bytes(name: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as error:
        raise BadInput([FieldProblem("", f"无法读取：{error.strerror or error}")], name) from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"字段 {key!r} 出现了两次")
        result[key] = value
    return result


def _whole_number(text: str) -> int:
    """A JSON integer; one of thousands of digits is refused by name (int() would fail past 4,300 digits)."""
    if len(text.lstrip("-")) > 30:
        raise ValueError(f"数字有 {len(text.lstrip('-')):,} 位，太长了：{text[:12]}…")
    return int(text)


def read_person_json(data: bytes, name: str) -> object:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadInput([FieldProblem("", f"不是 UTF-8 文本（第 {error.start} 个字节）")], name) from None
    if not text.strip():
        raise BadInput([FieldProblem("", '文件是空的；应为 JSON 对象 {"policy": ..., "records": [...]}')], name)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_int=_whole_number)
    except RecursionError:
        raise BadInput([FieldProblem("", "JSON 嵌套过深（数组或对象套了上千层），不是个人情况文件")], name) from None
    except json.JSONDecodeError as error:
        raise BadInput(
            [FieldProblem("", f"不是有效的 JSON：第 {error.lineno} 行第 {error.colno} 列：{error.msg}")], name
        ) from None
    except ValueError as error:
        raise BadInput([FieldProblem("", str(error))], name) from None


def parse_as_of(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput([FieldProblem("--as-of", f"日期应写作 YYYY-MM-DD 且存在，不是 {text!r}")]) from None


# ---- commands ---------------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    as_of = parse_as_of(args.as_of)
    data = read_person_json(_read_bytes(args.person), args.person)
    engine = Engine(load_bundle(args.bundle, err=err))
    try:
        person = read_person(data)
        evaluation = engine.evaluate(person, as_of)
    except PersonError as error:
        raise BadInput(error.problems, args.person) from None
    result = result_json(evaluation)
    if args.format == "json":
        out.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        name = f"{evaluation.policy.region_name} {evaluation.policy.year} 年度"
        out.write(check_text(result, name, after_deadline(evaluation.policy, result)))
    return EXIT_OK if result["compliant"] else EXIT_SHORT


def cmd_policies(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    bundle = load_bundle(args.bundle, err=err)
    if args.format == "json":
        listing = [
            {
                "id": pid,
                "region": p["region"],
                "region_name": p.get("region_name"),
                "year": p["year"],
                "extends": p.get("extends"),
                "document": p.get("document"),
            }
            for pid, p in sorted(bundle.get("policies", {}).items())
        ]
        out.write(json.dumps(listing, ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(policies_text(bundle))
    return EXIT_OK


def _whole_lines(text: str) -> str:
    """The text up to its last line break (included): the start of a file without its cut last line."""
    return text[: text.rfind("\n") + 1] or text


class _Batch:
    """What the batch read: its report, and the office's columns carried into the results."""

    def __init__(self) -> None:
        self.office: batch_table.OfficeRows | None = None
        self.carried: list[str] | None = None  # the office's own columns, when they came with the report
        self.notices: list[str] = []

    def header(self) -> list[str]:
        if self.carried is not None:
            return batch_table.header_with(self.carried)
        return batch_table.result_header(self.office)

    def carried_columns(self, report: batch_mod.Report) -> list[str]:
        """What stderr names as carried into the results unchanged."""
        if self.carried is not None:
            return self.carried
        return self.office.header if self.office is not None else report.ignored_columns

    def one_process(
        self, args: argparse.Namespace, engine: Engine, as_of: dt.date, rows: Iterable[list[str]]
    ) -> batch_mod.Report:
        office = self.office = batch_table.OfficeRows(rows)
        result = batch_mod.run_batch(engine, office, as_of, args.policy)
        found = batch_mod.report(result, args.format)
        if args.format == "csv":
            found.csv_lines = batch_table.csv_lines(result, office)
        elif office.header:
            for entry, person in zip(found.people_json, result.people, strict=True):
                entry["columns"] = dict(zip(office.header, office.of(person.person_id), strict=True))
        return found


def _spooled_stdin(folder: str) -> Path:
    """Standard input copied into a file in `folder`, a megabyte at a time, to be read as a file is: its
    memory flat whatever its size, cut between processes or checked in parts by the same code."""
    path = Path(folder, "stdin")
    try:
        with path.open("wb") as target:
            shutil.copyfileobj(sys.stdin.buffer, target, 1 << 20)
    except OSError as error:
        raise BadInput([FieldProblem("", f"无法读取：{error.strerror or error}")], "-") from None
    return path


def _batch_report(args: argparse.Namespace, engine: Engine, as_of: dt.date, batch: _Batch) -> batch_mod.Report:
    """The batch's report, of the file named or of standard input (spooled to a temporary file)."""
    if args.csv != "-":
        return _file_report(args, engine, as_of, batch, Path(args.csv))
    with tempfile.TemporaryDirectory(prefix="calculator-stdin-") as folder:
        # (what the report still reads once returned is its own: results in memory or in its own spool)
        return _file_report(args, engine, as_of, batch, _spooled_stdin(folder))


def _file_report(
    args: argparse.Namespace, engine: Engine, as_of: dt.date, batch: _Batch, path: Path
) -> batch_mod.Report:
    """The batch's report: an .xlsx read as its rows; a big CSV file in several processes when it can be
    cut between people (calculator.batch.parallel) and has no columns of the office's own, else in this
    one, a file read as it is decoded (a big one in parts, calculator.batch.spill)."""

    def one_process(rows: Iterable[list[str]]) -> batch_mod.Report:
        return batch.one_process(args, engine, as_of, rows)

    jobs = args.jobs or batch_parallel.MAX_PROCESSES  # 0: as many as the machine and the file are worth
    _usable_input(path)
    if _is_workbook(path):
        rows, batch.notices = batch_table.rows_of(_read_bytes(str(path)), path.name, args.sheet)
        return one_process(rows)
    processes = min(jobs, batch_parallel.processes_for(path.stat().st_size))
    cut = None
    if processes > 1:
        cut = batch_parallel.layout(_whole_lines(csv_io.head_text(path, batch_parallel.HEAD)))
    if cut is not None and batch_table.plain(cut.header):
        data = _read_bytes(str(path))
        refusal = csv_io.not_csv(data[:4096])
        if refusal is not None:
            raise csv_io.CsvError(refusal)
        decoded = csv_io.decode_lines(data)
        del data  # (the bytes are let go at once)
        text = decoded.text
        if not decoded.refused and not decoded.notices:
            joined = batch_parallel.run(engine, text, as_of, args.policy, args.format, processes)
            if joined is not None:
                return joined
        if decoded.refused or decoded.notices:
            return one_process(csv_io.Rows.of_text(text, decoded))
        del text, decoded  # not cut: the file is read again as it is decoded, without a copy in memory
    size = path.stat().st_size
    # A big file in parts, its memory flat (calculator.batch.spill), the office's own columns carried (as
    # the spill reads the header: a look at the file's start might decode it otherwise).
    if size >= batch_spill.MIN_SIZE:
        found = batch_spill.check_file(
            engine, lambda use: csv_io.read_file(path, use)[0], as_of, args.policy, args.format, size, carry=True
        )
        batch.carried = found.carried
        return found
    return csv_io.read_file(path, one_process)[0]


def _is_workbook(path: Path) -> bool:
    with path.open("rb") as handle:
        return batch_table.is_workbook(handle.read(8), path.name)


def _usable_input(path: Path) -> None:
    """The input file exists, is a file, and is not an Excel workbook or other binary data."""
    if not path.exists():
        raise csv_io.CsvError("找不到文件")
    if path.is_dir():
        raise csv_io.CsvError("这是一个文件夹，不是 CSV 文件")
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise csv_io.CsvError(f"无法读取：{csv_io.os_reason(error)}") from None
    refusal = csv_io.not_csv(head)
    if refusal is not None and not batch_table.is_workbook(head, path.name):
        raise csv_io.CsvError(refusal)


def cmd_batch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with batch_mod.paused_gc():
        return _batch(args, out, err)


def _batch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Exit 0: everyone done; 1: someone short; 2: bad rows, people who cannot be checked, no rows at
    all, or a file that cannot be read or written."""
    as_of = parse_as_of(args.as_of)
    engine = Engine(load_bundle(args.bundle, err=err))
    to_xlsx = bool(args.out) and args.out.lower().endswith(batch_table.XLSX_NAMES)
    if to_xlsx and args.format == "json":
        raise BadInput([FieldProblem("--format", "结果写成 .xlsx 时只能是表格（csv），不能是 json")], args.out)
    batch = _Batch()
    try:
        result = _batch_report(args, engine, as_of, batch)
    except (csv_io.CsvError, batch_mod.BatchError, ExcelError) as error:
        raise BadInput([FieldProblem("", str(error))], args.csv) from None

    def write(target: TextIO) -> None:
        if args.format == "json":
            batch_mod.write_json(target, result)  # a person at a time
        else:
            csv_io.write_lines(target, batch.header(), result.csv_lines, bom=target is not out)

    if to_xlsx:
        header = batch.header()
        rows = csv.reader(result.csv_lines)  # the CSV's cells exactly (see calculator.batch.table)
        _write_xlsx(Path(args.out), batch_table.xlsx_bytes(header, rows))
    elif args.out:
        try:
            csv_io.write_file(Path(args.out), write)
        except csv_io.CsvError as error:
            raise BadInput([FieldProblem("", str(error))], args.out) from None
    else:
        write(out)
    result.notices = [*result.notices, *batch.notices]
    for notice in result.notices:
        err.write(f"{args.csv}: {notice}\n")
    for problem in result.bad_rows:
        err.write(f"{args.csv}: {problem}\n")
    carried = batch.carried_columns(result)
    if carried:
        err.write(f"{args.csv}: 核对不使用、原样带入结果的列：{', '.join(carried)}\n")
    err.write(batch_mod.summary_text(result) + "\n")
    summary = result.summary()
    if summary["bad_rows"] or summary["not_checked"] or not summary["people"]:
        return EXIT_BAD
    return EXIT_SHORT if summary["short"] else EXIT_OK


def _write_xlsx(path: Path, data: bytes) -> None:
    """The workbook into the file, all or nothing (as csv_io.write_file writes a CSV)."""
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise BadInput([FieldProblem("", "这是一个文件夹，不是文件：请给出要写入的文件名")], str(path))
    if not target.parent.is_dir():
        raise BadInput([FieldProblem("", f"文件夹 {path.parent} 不存在")], str(path))
    try:
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, target)
    except OSError as error:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(handle.name)
        raise BadInput([FieldProblem("", f"无法写入：{csv_io.os_reason(error)}")], str(path)) from None


def _jobs(text: str) -> int:
    """--jobs: a whole number, 0 or more."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"应为 0 或正整数，不是 {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m calculator",
        description="河南省专业技术人员继续教育学时自查（规则依据各地通知原文）",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--bundle", type=Path, help="政策数据 JSON（默认：build/policies.json，过期则重新编译）")
    common.add_argument("--debug", action="store_true", help="内部错误时打印完整的 traceback")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", parents=[common], help="核对一个人的学时")
    check.add_argument("person", help="个人情况 JSON 文件（- 为标准输入）")
    check.add_argument("--as-of", help="按哪一天计算剩余天数（YYYY-MM-DD，默认今天）")
    check.add_argument("--format", choices=("json", "text"), default="json")
    policies = commands.add_parser("policies", parents=[common], help="列出现有政策")
    policies.add_argument("--format", choices=("text", "json"), default="text")
    batch = commands.add_parser("batch", parents=[common], help="人事部门批量核对（CSV 或 Excel .xlsx）")
    batch.add_argument("csv", help="学时记录 CSV 或 .xlsx：每行一条记录，含 person_id（人员编号/工号）列")
    batch.add_argument("--sheet", help=".xlsx 中要核对的工作表名（默认：唯一的一张，或第一张有所需表头的）")
    batch.add_argument("--as-of", help="按哪一天计算剩余天数（YYYY-MM-DD，默认今天）")
    batch.add_argument("--format", choices=("csv", "json"), default="csv")
    batch.add_argument("--policy", help="没有 policy 列或该列为空时使用的政策，如 luoyang/2023")
    batch.add_argument(
        "--out", help="写入文件：以 .xlsx 结尾写成 Excel 工作簿，否则 CSV（带 BOM，Excel 可直接打开）；默认标准输出"
    )
    batch.add_argument(
        "--jobs", type=_jobs, default=0, help="最多用几个进程（默认按 CPU 核数；大文件按人分段并行核对；1 为单进程）"
    )
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    return guarded(lambda: _run(args, out, err), args.debug, err)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    handlers = {"check": cmd_check, "policies": cmd_policies, "batch": cmd_batch}
    try:
        return handlers[args.command](args, out, err)
    except BadInput as error:
        report_bad_input(error, getattr(args, "format", None) == "json", out, err)
        return EXIT_BAD


def report_bad_input(error: BadInput, as_json: bool, out: TextIO, err: TextIO) -> None:
    """The first MAX_SHOWN problems one by one, then one line counting the rest (a file of 100,000 bad
    records must not print 300,000 lines); in JSON the list is bounded alike and `error_count` has them all."""
    where = f"{error.where}: " if error.where else ""
    shown, rest = error.problems[:MAX_SHOWN], len(error.problems) - MAX_SHOWN
    for problem in shown:
        err.write(f"{where}{problem}\n")
    if rest > 0:
        err.write(f"{where}……另有 {rest} 个问题未列出（共 {len(error.problems)} 个；请先改正上面这些）\n")
    if as_json:
        errors = [{"field": p.field, "message": p.message, **({"row": p.row} if p.row else {})} for p in shown]
        body = {"errors": errors, "error_count": len(error.problems)}
        out.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
