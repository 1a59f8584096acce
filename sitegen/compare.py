"""Rule-by-rule comparison of compiled policies (bundle entries), for the site and for `build.py diff`.

A rule is *present* when some policy file in the chain says something about it (a value, "unknown" with a
note, or a reference); a catalog rule nobody states is absent. Values are compared with nested citations
removed and dates taken relative to the policy's year (12-31 of 2023 and 12-31 of 2024 are the same rule),
so consecutive notices differ only where the rule did.

Kinds of change, from A to B:
    added      absent in A, present in B
    removed    present in A, absent in B
    changed    state, value, reference or interpretation differ
    reworded   same meaning; only the cited wording or the note differs
    same       same meaning and wording (`inherited` when B takes it unchanged from the policy it extends)
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from calculator.bundle import unknown_rule
from calculator.citations import squeeze

from .quotes import citations_in
from .values import DATE

SEMANTIC = ("state", "value", "reference", "interpretation")
KIND_ORDER = ("changed", "added", "removed", "reworded", "same", "inherited")


def present(rule: Mapping[str, Any]) -> bool:
    return not (rule["state"] == "unknown" and rule.get("from") is None)


def _relative(value: Any, year: int) -> Any:
    """Strip nested citations; dates become (years after the policy's year, month-day)."""
    if isinstance(value, dict):
        return {k: _relative(v, year) for k, v in value.items() if k != "sources"}
    if isinstance(value, list):
        return [_relative(v, year) for v in value]
    if isinstance(value, str) and (m := DATE.match(value)):
        return f"Y{int(m.group(1)) - year:+d}-{m.group(2)}-{m.group(3)}"
    return value


def meaning(rule: Mapping[str, Any], year: int) -> str:
    """What a reader or the calculator takes from the rule (not how it is worded), as a comparable key."""
    if not present(rule) or rule["state"] == "unknown":
        return json.dumps(["unknown"])
    return json.dumps(
        [rule["state"], _relative(rule.get("value"), year), rule.get("reference")], ensure_ascii=False, sort_keys=True
    )


def wording(rule: Mapping[str, Any]) -> tuple[Any, ...]:
    quotes = tuple(
        squeeze(c["quote"]) for c in citations_in({"sources": rule.get("sources", []), "value": rule.get("value")})
    )
    return quotes, rule.get("note")


@dataclass
class RuleChange:
    rule_id: str
    title: str
    group_title: str
    kind: str
    before: dict[str, Any] | None  # the resolved rule in A (None when absent)
    after: dict[str, Any] | None
    fields: list[str] = field(default_factory=list)  # which of state/value/reference/interpretation changed


@dataclass
class PolicyDiff:
    a: str  # labels ("luoyang/2023", "HEAD:luoyang/2023", a file path ...)
    b: str
    rules: list[RuleChange]
    extra: list[str] = field(default_factory=list)  # document/annex/damaged/basis changes (same-policy diffs)

    def by_kind(self, *kinds: str) -> list[RuleChange]:
        return [c for c in self.rules if c.kind in kinds]

    @property
    def changed(self) -> bool:
        return bool(self.by_kind("changed", "added", "removed", "reworded") or self.extra)

    def counts(self) -> Counter[str]:
        return Counter(c.kind for c in self.rules)


def compare_rule(
    a: Mapping[str, Any], b: Mapping[str, Any], year_a: int, year_b: int, b_policy: str
) -> tuple[str, list[str]]:
    pa, pb = present(a), present(b)
    if not pa and not pb:
        return "absent", []
    if pb and not pa:
        return "added", []
    if pa and not pb:
        return "removed", []
    if a == b and year_a == year_b:
        return ("inherited" if b.get("from") != b_policy else "same"), []
    fields = []
    if a["state"] != b["state"]:
        fields.append("state")
    if meaning(a, year_a) != meaning(b, year_b) and a["state"] == b["state"]:
        fields.append("value" if a.get("reference") == b.get("reference") else "reference")
    if (a.get("interpretation") or None) != (b.get("interpretation") or None):
        fields.append("interpretation")
    if fields:
        return "changed", fields
    if wording(a) != wording(b):
        return "reworded", []
    return ("inherited" if b.get("from") != b_policy and b.get("from") == a.get("from") else "same"), []


def diff_policies(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    catalog: Mapping[str, Any],
    label_a: str | None = None,
    label_b: str | None = None,
    details: bool = False,
) -> PolicyDiff:
    """Compare two compiled policies rule by rule (catalog order). `details`: also documents, annexes,
    damaged passages and basis (meant for two versions of the same policy)."""
    changes = []
    for rule_id, spec in catalog.items():
        ra, rb = a["rules"][rule_id], b["rules"][rule_id]
        kind, fields = compare_rule(ra, rb, a["year"], b["year"], b["id"])
        if kind == "absent":
            continue
        changes.append(
            RuleChange(
                rule_id,
                spec["title"],
                spec["group_title"],
                kind,
                ra if present(ra) else None,
                rb if present(rb) else None,
                fields,
            )
        )
    diff = PolicyDiff(label_a or a["id"], label_b or b["id"], changes)
    if details:
        diff.extra = _details(a, b)
    return diff


def empty_policy(like: Mapping[str, Any]) -> dict[str, Any]:
    """A policy with every rule absent: the other side of an added or removed policy."""
    rules: dict[str, Any] = {rid: unknown_rule() for rid in like["rules"]}
    return {**like, "rules": rules, "annexes": [], "damaged": [], "basis": []}


def _details(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    out = []
    for field_name in ("extends", "region_name"):
        if a.get(field_name) != b.get(field_name):
            out.append(f"{field_name}: {a.get(field_name)} → {b.get(field_name)}")
    annex_a = {x["id"]: x for x in a.get("annexes", [])}
    annex_b = {x["id"]: x for x in b.get("annexes", [])}
    for annex_id in sorted(set(annex_a) | set(annex_b)):
        xa, xb = annex_a.get(annex_id), annex_b.get(annex_id)
        if xa is None:
            out.append(f"附件表格 {annex_id} 新增（{len((xb or {}).get('rows', []))} 行）")
        elif xb is None:
            out.append(f"附件表格 {annex_id} 删除")
        elif xa != xb:
            rows_a = [r["cells"] for r in xa["rows"]]
            rows_b = [r["cells"] for r in xb["rows"]]
            moved = [
                i
                for i in range(max(len(rows_a), len(rows_b)))
                if (rows_a[i] if i < len(rows_a) else None) != (rows_b[i] if i < len(rows_b) else None)
            ]
            what = f"第 {', '.join(str(i + 1) for i in moved)} 行数值不同" if moved else "标题、说明或引文不同"
            out.append(f"附件表格 {annex_id}：{what}")
    damaged_a = {squeeze(c["quote"]) for d in a.get("damaged", []) for c in d["sources"]}
    damaged_b = {squeeze(c["quote"]) for d in b.get("damaged", []) for c in d["sources"]}
    if damaged_a != damaged_b:
        out.append(f"损坏段落：新增 {len(damaged_b - damaged_a)} 处，移除 {len(damaged_a - damaged_b)} 处")
    basis_a = {x["title"]: x for x in a.get("basis", [])}
    basis_b = {x["title"]: x for x in b.get("basis", [])}
    for title in sorted(set(basis_a) | set(basis_b)):
        if title not in basis_a:
            out.append(f"依据文件新增：{title}")
        elif title not in basis_b:
            out.append(f"依据文件移除：{title}")
        elif basis_a[title] != basis_b[title]:
            out.append(f"依据文件改动：{title}")
    return out


def diff_documents(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Differences in the encoded notice's metadata (title, number, dates) between two versions."""
    out = []
    for key in ("title", "issuer", "number", "dated", "printed"):
        ra, rb = a[key], b[key]
        if (ra["state"], ra["value"]) != (rb["state"], rb["value"]):
            out.append(f"通知 {key}: {ra['value'] or '未规定'} → {rb['value'] or '未规定'}")
        elif wording(ra) != wording(rb) or ra.get("interpretation") != rb.get("interpretation"):
            out.append(f"通知 {key}: 引文或说明改动")
    return out


# --- the comparison matrix -------------------------------------------------------------------------------


@dataclass
class Cell:
    policy_id: str
    rule: dict[str, Any]
    key: str
    differs: bool = False


@dataclass
class MatrixRow:
    rule_id: str
    title: str
    group: str
    group_title: str
    kind: str
    cells: list[Cell]

    @property
    def uniform(self) -> bool:
        return not any(c.differs for c in self.cells)


def matrix(bundle: Mapping[str, Any], order: Iterable[str]) -> list[MatrixRow]:
    """Every catalog rule across every policy (in `order`). A cell differs when its meaning is not the
    row's most common one (ties: the meaning met first in `order`). Linear in the number of policies."""
    order = list(order)
    policies = bundle["policies"]
    rows = []
    for rule_id, spec in bundle["catalog"].items():
        cells = []
        for pid in order:
            rule = policies[pid]["rules"][rule_id]
            cells.append(Cell(pid, rule, meaning(rule, policies[pid]["year"])))
        counts = Counter(c.key for c in cells)
        if len(counts) > 1:
            first_seen = {c.key: i for i, c in reversed(list(enumerate(cells)))}
            majority = min(counts, key=lambda k: (-counts[k], first_seen[k]))
            for c in cells:
                c.differs = c.key != majority
        rows.append(MatrixRow(rule_id, spec["title"], spec["group"], spec["group_title"], spec["kind"], cells))
    return rows
