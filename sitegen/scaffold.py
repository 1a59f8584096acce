"""`build.py new REGION YEAR --from ID`: next year's policy file, scaffolded from an existing one.

The scaffold keeps the rules and their values (dates moved to the new year) but not their evidence: every
citation becomes "待核对：<the old passage>", which `build.py check` refuses until a maintainer replaces it with
a passage of the new notice (archived as policies/sources/<region>-<year>.txt). The notice's number and dates
are left to fill in; annex tables and damaged passages belong to the old text and are not carried over.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml

from calculator.policy_checks import UNVERIFIED

DATE = re.compile(r"^(\d{4})-(\d{2}-\d{2})$")


class ScaffoldError(Exception):
    pass


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


def scaffold(policies_dir: Path, region: str, year: int, from_id: str | None) -> tuple[Path, str, list[str]]:
    """(path to write, YAML text, notes for the maintainer). Raises ScaffoldError with a clear message."""
    from calculator.policy_files import load_regions, policy_paths
    from calculator.yaml_source import read_yaml

    regions = load_regions(policies_dir)
    if region not in regions:
        near = difflib.get_close_matches(region, list(regions), n=1, cutoff=0.5)
        raise ScaffoldError(
            f"unknown region {region!r}"
            + (f"; did you mean {near[0]!r}?" if near else "")
            + " (regions are listed in policies/regions.yaml)"
        )
    if not 2000 <= year <= 2100:
        raise ScaffoldError(f"year {year} is out of range (2000-2100)")
    target = policies_dir / region / f"{year}.yaml"
    if target.exists():
        raise ScaffoldError(f"{target} already exists; edit it instead")
    existing = {f"{p.parent.name}/{p.stem}": p for p in policy_paths(policies_dir)}
    if from_id is None:
        earlier = sorted(
            (pid for pid in existing if pid.split("/")[0] == region and int(pid.split("/")[1]) < year),
            key=lambda pid: int(pid.split("/")[1]),
        )
        if not earlier:
            raise ScaffoldError(f"no earlier policy of {region}: name one with --from (e.g. --from luoyang/2023)")
        from_id = earlier[-1]
    if from_id not in existing:
        near = difflib.get_close_matches(from_id, list(existing), n=1, cutoff=0.5)
        raise ScaffoldError(f"unknown policy {from_id!r}" + (f"; did you mean {near[0]!r}?" if near else ""))
    old, _ = read_yaml(existing[from_id])
    years = year - int(old["year"])
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
                f"{from_id} extends {parent}, but {new_parent} does not exist yet: the scaffold has no "
                f"`extends` (add `extends: {new_parent}` once that notice is encoded, if the new notice "
                "implements it)"
            )
    doc_id = f"{region}-{year}"
    old_doc = old["document"]
    data["document"] = {
        "id": doc_id,
        "file": f"{doc_id}.txt",
        "title": _doc_field(old_doc["title"], retitle),
        "issuer": _doc_field(old_doc["issuer"], retitle),
        "number": {"value": UNVERIFIED, "source": f"{UNVERIFIED}：新通知的文号"},
        "dated": {"status": "unknown", "note": f"{UNVERIFIED}：新通知的成文日期（有则改为 value 和 source）"},
        "printed": {"status": "unknown", "note": f"{UNVERIFIED}：新通知的印发日期（有则改为 value 和 source）"},
    }
    if old.get("basis"):
        data["basis"] = _shift(old["basis"], 0)
    data["rules"] = {rule_id: _shift(rule, years) for rule_id, rule in old.get("rules", {}).items()}
    if old.get("annexes"):
        notes.append(
            f"{len(old['annexes'])} annex table(s) of {from_id} not carried over (they belong to the old notice)"
        )
    if old.get("damaged"):
        notes.append(f"{len(old['damaged'])} damaged passage(s) of {from_id} not carried over")
    pending = _count(data)
    header = (
        f"# {new_name} {year} 年专业技术人员继续教育通知 — scaffold from {from_id} (`build.py new`).\n"
        f"# Archive the notice as policies/sources/{doc_id}.txt, then for every rule: replace each\n"
        f"# “{UNVERIFIED}：...” source by the passage of the new notice (the old passage follows the marker\n"
        "# as a hint), correct the value, and re-read the interpretation and note. `build.py check` refuses\n"
        f"# this file until no “{UNVERIFIED}” is left. Dates were moved by {years:+d} year(s); rules the new\n"
        "# notice drops must be removed.\n"
    )
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110, default_flow_style=False)
    notes.append(f"{pending} citations to verify")
    return target, header + body, notes


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
    return 1 if isinstance(value, str) and value.startswith(f"{UNVERIFIED}：") else 0


def write_scaffold(policies_dir: Path, region: str, year: int, from_id: str | None) -> tuple[Path, list[str]]:
    path, text, notes = scaffold(policies_dir, region, year, from_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # never overwrite
        handle.write(text)
    return path, notes
