"""`build.py new REGION YEAR --from ID [--notice FILE]`: next year's policy file, from an existing one.

With the new notice (archived, or --notice), every citation is aligned to it (sitegen.align). Without it, the
scaffold keeps the rules and their values (dates moved to the new year) but not their evidence: every citation
becomes "待核对：<the old passage>", which `build.py check` refuses until a maintainer replaces it with a passage
of the new notice (archived as policies/sources/<region>-<year>.txt). The notice's number and dates are left to
fill in; annex tables and damaged passages belong to the old text and are not carried over.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from calculator.passages import Notice
from calculator.policy_checks import UNVERIFIED

from .align import CHANGED_MARK, MISSING_MARK, Aligner, Outcome

DATE = re.compile(r"^(\d{4})-(\d{2}-\d{2})$")


class ScaffoldError(Exception):
    pass


def region_year_problem(region: str, year: int, regions: Mapping[str, object]) -> str | None:
    """What is wrong with a region id and a year given on the command line (`new`, `archive`), or None."""
    if region not in regions:
        near = difflib.get_close_matches(region, list(regions), n=1, cutoff=0.5)
        hint = f"；是不是 {near[0]!r}？" if near else ""
        return f"未知地区 {region!r}{hint}（地区编号见 policies/regions.yaml）"
    if not 2000 <= year <= 2100:
        return f"年份 {year} 超出范围（2000—2100）"
    return None


def placeholder(source: Any) -> Any:
    """A `source` field with every passage replaced by the to-be-verified marker (old passage kept as a hint)."""
    if isinstance(source, list):
        return [placeholder(s) for s in source]
    quote = source["quote"] if isinstance(source, dict) else source
    return f"{UNVERIFIED}：{quote}"


def _shift(value: Any, years: int) -> Any:
    """Move every date by `years` (02-29 becomes 02-28 when the new year has none); mark every source."""
    if isinstance(value, dict):
        return {k: (placeholder(v) if k == "source" else _shift(v, years)) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, years) for v in value]
    if isinstance(value, str) and (m := DATE.match(value)):
        year, rest = int(m.group(1)) + years, m.group(2)
        if rest == "02-29" and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
            rest = "02-28"
        return f"{year}-{rest}"
    return value


@dataclass
class Scaffold:
    path: Path
    text: str
    notes: list[str]
    outcomes: list[Outcome] | None  # rule by rule, when aligned to the new notice


def scaffold(policies_dir: Path, region: str, year: int, from_id: str | None, notice: str | None = None) -> Scaffold:
    """Next year's file, aligned to the new notice's text when there is one. Raises ScaffoldError."""
    from calculator.policy_files import load_regions, policy_paths
    from calculator.yaml_source import read_yaml

    regions = load_regions(policies_dir)
    problem = region_year_problem(region, year, regions)
    if problem:
        raise ScaffoldError(problem)
    target = policies_dir / region / f"{year}.yaml"
    if target.exists():
        raise ScaffoldError(f"{target} 已存在；请直接编辑它")
    existing = {f"{p.parent.name}/{p.stem}": p for p in policy_paths(policies_dir)}
    if from_id is None:
        earlier = sorted(
            (pid for pid in existing if pid.split("/")[0] == region and int(pid.split("/")[1]) < year),
            key=lambda pid: int(pid.split("/")[1]),
        )
        if not earlier:
            raise ScaffoldError(f"{region} 没有更早的政策：请用 --from 指定一份（如 --from luoyang/2023）")
        from_id = earlier[-1]
    if from_id not in existing:
        near = difflib.get_close_matches(from_id, list(existing), n=1, cutoff=0.5)
        raise ScaffoldError(f"未知政策 {from_id!r}" + (f"；是不是 {near[0]!r}？" if near else ""))
    old, _ = read_yaml(existing[from_id])
    old_year = int(old["year"])
    years = year - old_year
    notes = []
    old_name, new_name = regions[old["region"]]["name"], regions[region]["name"]

    def retitle(text: str) -> str:
        return text.replace(str(old["year"]), str(year)).replace(old_name, new_name)

    data: dict[str, Any] = {"region": region, "year": year}
    parent = old.get("extends")
    if parent:
        parent_region = parent.split("/")[0]
        new_parent = f"{parent_region}/{year}"
        if parent_region == region:  # e.g. henan/2024 from luoyang/2023, which extends henan/2023
            notes.append(
                f"{from_id} 继承 {parent}（{region} 自己的通知）：脚手架不写 extends，只含 {from_id} 自己的规则，"
                f"不含它从 {parent} 继承的规则；要从 {region} 的规则开始，请用 --from {parent}"
            )
        elif new_parent in existing:
            data["extends"] = new_parent
        else:
            notes.append(
                f"{from_id} 继承 {parent}，但 {new_parent} 尚不存在：新文件没有写 `extends`"
                f"（若新通知实施省级通知，待其编码后加上 `extends: {new_parent}`）"
            )
    doc_id = f"{region}-{year}"
    old_doc = old["document"]
    outcomes: list[Outcome] | None = None
    if notice is None:
        title, issuer = _doc_field(old_doc["title"], retitle), _doc_field(old_doc["issuer"], retitle)
        basis = _shift(old["basis"], 0) if old.get("basis") else None
        data_rules = {rule_id: _shift(rule, years) for rule_id, rule in old.get("rules", {}).items()}
    else:
        aligner = Aligner(Notice(notice), old_doc["id"], old_year, year)
        outcomes = []

        def align(name: str, item: dict[str, Any], rename: tuple[str, str] | None = None) -> dict[str, Any]:
            new, outcome = aligner.rule(name, item, rename)
            outcomes.append(outcome)
            return new

        title = align("document.title", old_doc["title"], (old_name, new_name))
        issuer = align("document.issuer", old_doc["issuer"], (old_name, new_name))
        basis = [align(f"basis[{i}]", entry) for i, entry in enumerate(old.get("basis") or [])] or None
        for entry in basis or []:
            if entry.get("policy"):  # last year's provincial policy: the new year's, once it is encoded
                current = f"{entry['policy'].split('/')[0]}/{year}"
                if current in existing:
                    entry["policy"] = current
                else:
                    del entry["policy"]
                    entry["in_archive"] = False
        data_rules = {rule_id: align(rule_id, rule) for rule_id, rule in old.get("rules", {}).items()}
    data["document"] = {
        "id": doc_id,
        "file": f"{doc_id}.txt",
        "title": title,
        "issuer": issuer,
        "number": _number(policies_dir, doc_id, notice),
        "dated": {"status": "unknown", "note": f"{UNVERIFIED}：新通知的成文日期（有则改为 value 和 source）"},
        "printed": {"status": "unknown", "note": f"{UNVERIFIED}：新通知的印发日期（有则改为 value 和 source）"},
    }
    if basis:
        data["basis"] = basis
    data["rules"] = data_rules
    if old.get("annexes"):
        notes.append(f"{from_id} 的 {len(old['annexes'])} 个附件表格未带入（属于旧通知）")
    if old.get("damaged"):
        notes.append(f"{from_id} 的 {len(old['damaged'])} 处损坏段落未带入")
    pending = _count(data)
    if outcomes is None:
        how = (
            f"# 为每条规则把“{UNVERIFIED}：……”换成新通知的原文（标记后是旧原文，作提示），改正取值，\n"
            f"# 重读 interpretation 和 note。日期已整体移动 {years:+d} 年。\n"
        )
    else:
        how = (
            f"# 已按新通知逐条对齐引文：原文相同的规则已写入新原文；“{CHANGED_MARK}”后是新通知的原文，\n"
            "# 取值已按它提出，读过、改对后删去标记；"
            f"“{MISSING_MARK}”后是旧原文，新通知中没有找到，\n"
            "# 请在新通知中查找，找不到就删去该规则（或改为 status: unknown）。\n"
        )
    header = (
        f"# {new_name} {year} 年专业技术人员继续教育通知 — 由 {from_id} 生成（`build.py new`）。\n"
        f"# 新通知存档为 policies/sources/{doc_id}.txt（`build.py archive`）。\n"
        + how
        + f"# 只要还有“{UNVERIFIED}”，`build.py check` 就拒绝本文件；新通知删去的规则要删掉。\n"
    )
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110, default_flow_style=False)
    notes.append(f"{pending} 处引文待核对")
    return Scaffold(target, header + body, notes, outcomes)


def _number(policies_dir: Path, doc_id: str, notice: str | None) -> dict[str, Any]:
    """The number given to `build.py archive --number`, when the notice prints it; else to be filled in."""
    from calculator.citations import squeeze

    from .archive import indexed_number

    number = indexed_number(policies_dir / "sources" / "README.md", f"{doc_id}.txt")
    if number and notice is not None and squeeze(number) in squeeze(notice):
        return {"value": number, "source": number}
    return {"value": UNVERIFIED, "source": f"{UNVERIFIED}：新通知的文号"}


def _doc_field(field: dict[str, Any], retitle: Any) -> dict[str, Any]:
    if field.get("status", "stated") != "stated":
        return dict(field)
    out = {"value": retitle(field["value"]), "source": placeholder(field["source"])}
    if field.get("interpretation"):
        out["interpretation"] = field["interpretation"]
    return out


def _count(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_count(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count(v) for v in value)
    return 1 if isinstance(value, str) and value.startswith(UNVERIFIED) else 0


def write_scaffold(
    policies_dir: Path, region: str, year: int, from_id: str | None, notice: str | None = None
) -> Scaffold:
    made = scaffold(policies_dir, region, year, from_id, notice)
    made.path.parent.mkdir(parents=True, exist_ok=True)
    with made.path.open("x", encoding="utf-8") as handle:  # never overwrite
        handle.write(made.text)
    return made
