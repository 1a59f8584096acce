"""The checks a JSON Schema cannot express, run on policy files that already pass the schema.

- region and year match the file's path; the region is known; the document file is archived;
- every citation is a verbatim passage of the named archived notice (white space ignored);
- scaffold placeholders (待核对, in a citation or anywhere else) are refused until a maintainer replaces them;
- `extends` names an existing policy and has no cycle;
- a 必修 floor does not exceed its category's floor; category floors fit in the total;
- date ranges run forwards;
- annex tables agree with their printed totals and rates;
- every number or date in a value can be read in its quote, or the rule says how it was read
  (`interpretation:`), so a reading that is not literal is always marked.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .bundle import ancestry, citations
from .citations import quote_problem, squeeze
from .drafts import UNVERIFIED, draft_items, is_draft_problem
from .passages import Notice, differences
from .problems import Path, Problem, format_path, line_of

if TYPE_CHECKING:
    from .policy_files import PolicyFile

NEAR = 0.5  # below this a "nearest passage" would only mislead
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def check_policy_set(
    policies: Mapping[str, PolicyFile],
    notices: Mapping[str, str],
    regions: Mapping[str, Any],
    drafts: bool = False,
    check_regions: bool = True,  # False when regions.yaml itself is broken (that is reported once)
) -> list[Problem]:
    """Every problem of the set. With `drafts`, the problems of items still marked 待核对 are not reported
    (the preview shows them as drafts); everything else is checked as always."""
    squeezed = {doc: squeeze(text) for doc, text in notices.items()}
    prepared: dict[str, Notice] = {}

    def nearest(document: str, quote: str) -> str:
        """Where the notice comes closest to a quote it does not contain, and how the two differ."""
        if document not in prepared:
            prepared[document] = Notice(notices[document])
        found = prepared[document].find(quote)
        if found is None or found.score < NEAR:
            return "（通知中没有相近的段落）"
        return f"；最接近的原文是 {_short(found.quote)!r}：{'；'.join(differences(quote, found.text))}"

    raw = {pid: p.data for pid, p in policies.items()}
    problems: list[Problem] = []
    documents: dict[str, str] = {}
    for policy in policies.values():
        report = _Reporter(policy, draft_items(policy.data) if drafts else set())
        _check_identity(policy, notices, regions if check_regions else None, report)
        _check_citations(policy, squeezed, nearest, report)
        _check_markers(policy, report)
        _check_extends(policy, raw, report)
        _check_floors(policy, raw, report)
        document = policy.data["document"]["id"]
        if document in documents:
            report(
                ("document", "id"),
                f"通知 {document!r} 已由 {documents[document]} 编码；一份通知只对应一个政策文件",
            )
        documents.setdefault(document, policy.id)
        _check_date_ranges(policy, report)
        _check_annexes(policy, report)
        _check_readings(policy, squeezed, report)
        problems.extend(report.problems)
    return problems


class _Reporter:
    def __init__(self, policy: PolicyFile, drafts: set[Path]):
        self.policy = policy
        self.drafts = drafts
        self.problems: list[Problem] = []

    def __call__(self, path: Path, message: str) -> None:
        if self.drafts and is_draft_problem(path, self.drafts):
            return
        line = line_of(self.policy.lines, path)
        self.problems.append(Problem(self.policy.shown_as, line, format_path(path), message))


def _near(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return f"；是不是 {close[0]!r}？" if close else ""


def _missing_notice(document: str, region: str, year: str, notices: Mapping[str, str]) -> str:
    """The notice is not archived. Another year's notice of the region is never proposed: it is the notice
    this file must not cite (a scaffold is made from last year's)."""
    others = [doc for doc in notices if doc.rsplit("-", 1)[-1] == year]
    return (
        f"没有存档的通知 policies/sources/{document}.txt{_near(document, others)}；新通知请用 "
        f"`python build.py archive 通知.pdf --region {region} --year {year}` 存档"
    )


def _short(quote: str) -> str:
    return quote if len(quote) <= 40 else quote[:37] + "..."


def _check_identity(
    policy: PolicyFile, notices: Mapping[str, str], regions: Mapping[str, Any] | None, report: _Reporter
) -> None:
    data = policy.data
    path_region, path_year = policy.id.split("/")
    if data["region"] != path_region:
        report(("region",), f"地区 {data['region']!r} 与文件所在的文件夹 {path_region!r} 不符")
    if str(data["year"]) != path_year:
        report(("year",), f"年份 {data['year']} 与文件名 {path_year}.yaml 不符")
    if regions is not None and data["region"] not in regions:
        report(("region",), f"未知地区 {data['region']!r}{_near(data['region'], list(regions))}")
    doc = data["document"]
    if doc["file"] != f"{doc['id']}.txt":
        report(("document", "file"), f"文件名 {doc['file']!r} 应为 {doc['id']}.txt（与通知编号 id 一致）")
    if doc["id"] not in notices:
        report(("document", "id"), _missing_notice(doc["id"], data["region"], path_year, notices))


def _sources(value: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """Every `source` field under `value`, with its path."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "source":
                yield (*path, key), child
            else:
                yield from _sources(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _sources(child, (*path, i))


def _check_citations(
    policy: PolicyFile, squeezed: Mapping[str, str], nearest: Callable[[str, str], str], report: _Reporter
) -> None:
    own = policy.data["document"]["id"]
    for path, source in _sources(policy.data, ()):
        for i, cite in enumerate(citations(source, own)):
            where = (*path, i) if isinstance(source, list) else path
            document, quote = cite["document"], cite["quote"]
            if UNVERIFIED in quote:
                report(where, f"引文尚未核对：读过新通知后，把“{UNVERIFIED}”标记换成新通知中的原文")
            elif short := quote_problem(quote):
                report(where, short)
            elif document == own and document not in squeezed:
                continue  # the notice is not archived: said once, by the identity check
            elif document not in squeezed:
                report(where, f"引用了未知的通知 {document!r}{_near(document, list(squeezed))}")
            elif squeeze(quote) not in squeezed[document]:
                report(
                    where,
                    f"在 policies/sources/{document}.txt 中找不到引文 {_short(quote)!r}{nearest(document, quote)}",
                )


def _check_markers(policy: PolicyFile, report: _Reporter) -> None:
    """A 待核对 left in a value, note or interpretation (citations are checked above): it would be published."""

    def walk(value: Any, path: Path) -> None:
        if isinstance(value, dict):
            # A value whose citation is marked is reported with the citation, once.
            cited_marked = UNVERIFIED in str(value.get("source", ""))
            for key, child in value.items():
                if key != "source" and not (cited_marked and key == "value"):
                    walk(child, (*path, key))
        elif isinstance(value, list):
            for i, child in enumerate(value):
                walk(child, (*path, i))
        elif isinstance(value, str) and UNVERIFIED in value:
            report(path, f"这一项尚未核对：按新通知改好后删去“{UNVERIFIED}”")

    walk(policy.data, ())


def _check_extends(policy: PolicyFile, raw: Mapping[str, Mapping[str, Any]], report: _Reporter) -> None:
    parent = policy.data.get("extends")
    if parent is None:
        return
    if parent not in raw:
        report(("extends",), f"extends 指向不存在或无效的政策 {parent!r}{_near(parent, list(raw))}")
        return
    chain = ancestry(policy.id, raw)
    last_parent = raw[chain[-1]].get("extends")
    if last_parent in chain:
        report(("extends",), "extends 形成循环：" + " -> ".join([*chain, last_parent]))


def _effective(policy: PolicyFile, raw: Mapping[str, Mapping[str, Any]], rule_id: str) -> tuple[Any, str]:
    """The rule's value after `extends`, and the id of the policy that states it."""
    for pid in ancestry(policy.id, raw):
        rule = raw[pid].get("rules", {}).get(rule_id)
        if rule is not None:
            return (rule.get("value") if rule.get("status", "stated") == "stated" else None), pid
    return None, policy.id


def _check_floors(policy: PolicyFile, raw: Mapping[str, Mapping[str, Any]], report: _Reporter) -> None:
    def value(rule_id: str) -> Any:
        return _effective(policy, raw, rule_id)[0]

    required_course, public = value("requirements.public_required_course"), value("requirements.public")
    if required_course is not None and public is not None and required_course > public:
        report(
            ("rules", "requirements.public_required_course", "value"),
            f"必修课下限 {required_course} 超过公需科目下限 {public}",
        )
    total, professional = value("requirements.total"), value("requirements.professional")
    if None not in (total, public, professional) and public + professional > total:
        report(
            ("rules", "requirements.total", "value"),
            f"公需 {public} + 专业 {professional} 的下限超过总学时 {total}",
        )


def _check_date_ranges(policy: PolicyFile, report: _Reporter) -> None:
    def walk(value: Any, path: Path) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("from"), str) and isinstance(value.get("to"), str) and value["from"] > value["to"]:
                report((*path, "to"), f"区间的结束日（{value['to']}）早于开始日（{value['from']}）")
            for key, child in value.items():
                walk(child, (*path, key))
        elif isinstance(value, list):
            for i, child in enumerate(value):
                walk(child, (*path, i))

    walk(policy.data.get("rules", {}), ("rules",))


def _check_annexes(policy: PolicyFile, report: _Reporter) -> None:
    for a, annex in enumerate(policy.data.get("annexes", [])):
        keys = {c["key"] for c in annex["columns"]}
        numeric = {c["key"] for c in annex["columns"] if c["type"] != "text"}
        for r, row in enumerate(annex["rows"]):
            for key, cell in row["cells"].items():
                where = ("annexes", a, "rows", r, "cells", key)
                if key not in keys:
                    report(where, f"未知的列 {key!r}{_near(key, sorted(keys))}")
                elif key in numeric and not isinstance(cell, int | float):
                    report(where, f"列 {key!r} 应为数字，实为 {cell!r}")
            missing = keys - set(row["cells"])
            if missing:
                report(("annexes", a, "rows", r, "cells"), f"缺少单元格：{', '.join(sorted(missing))}")
        for c, check in enumerate(annex.get("checks", [])):
            _check_annex_rule(annex, check, ("annexes", a, "checks", c), numeric, report)


def _check_annex_rule(
    annex: dict[str, Any], check: dict[str, Any], where: Path, numeric: set[str], report: _Reporter
) -> None:
    named = [check.get(k) for k in ("column", "numerator", "denominator", "rate") if k in check]
    unknown = [n for n in named if n not in numeric]
    if unknown:
        report(where, f"核对项用了未知的或非数字的列 {unknown[0]!r}")
        return
    rows = [row["cells"] for row in annex["rows"]]
    if check["kind"] == "column_total":
        total = sum(cells.get(check["column"], 0) for cells in rows)
        if total != check["total"]:
            report(where, f"列 {check['column']!r} 合计为 {total}，但通知印的是 {check['total']}")
        return
    scale = 10 ** check["decimals"]
    for r, cells in enumerate(rows):
        num, den, rate = (cells.get(check[k]) for k in ("numerator", "denominator", "rate"))
        if not all(isinstance(x, int | float) for x in (num, den, rate)) or not den:
            continue
        exact = Fraction(str(num)) * 100 * scale / Fraction(str(den))  # exact: no float rounding surprises
        shown = math.floor(exact) if check.get("rounding") == "truncate" else round(exact)
        if Fraction(shown, scale) != Fraction(str(rate)):
            report(
                ("annexes", where[1], "rows", r),
                f"{check['numerator']}/{check['denominator']} = {float(exact / scale):.4f}%，但该行印的是 {rate}%",
            )


def _readable(leaf: Any, quote: str, year: int) -> bool:
    """Can this number or date be read literally in the quote?"""
    if isinstance(leaf, bool) or leaf is None:
        return True
    if isinstance(leaf, int | float):
        text = f"{leaf:g}" if isinstance(leaf, float) else str(leaf)
        zeros = "0*" if "." in text else ""  # 109.1 reads in "109.10%"
        return re.search(rf"(?<![\d.]){re.escape(text)}{zeros}(?![\d])", quote) is not None
    if isinstance(leaf, str) and (m := DATE.match(leaf)):
        y, mo, d = (int(x) for x in m.groups())
        dense = squeeze(quote)  # "10 月 11 日": the 月/日 suffixes delimit the numbers, not the spaces
        year_ok = y == year or _number_in(str(y), dense)
        return year_ok and _number_in(f"{mo}月", dense) and _number_in(f"{d}日", dense)
    return True


def _number_in(text: str, quote: str) -> bool:
    """`text` (starting with digits) occurs in `quote` not as the tail of a longer number ("1日" in "11日")."""
    return re.search(rf"(?<!\d){re.escape(text)}", quote) is not None


def _check_readings(policy: PolicyFile, squeezed: Mapping[str, str], report: _Reporter) -> None:
    own = policy.data["document"]["id"]
    # "当年" is the path's year; a `year:` field that disagrees is reported by the identity check.
    path_year = policy.id.split("/")[1]
    year = int(path_year) if path_year.isdigit() else policy.data["year"]

    def walk(value: Any, path: Path, quote: str, reading: str) -> None:
        if isinstance(value, dict):
            if "source" in value:
                cites = citations(value["source"], own)
                if any(quote_problem(c["quote"]) for c in cites):
                    return  # the citation check reports the quote; nothing can be read in it
                # Keep white space as one space: it separates the numbers of a table row ("4500 4487").
                quote = " | ".join(" ".join(c["quote"].split()) for c in cites)
            if "interpretation" in value:
                reading = f"{reading} | {value['interpretation']}"
            for key, child in value.items():
                if key not in {"source", "interpretation", "note", "reference", "status"}:
                    walk(child, (*path, key), quote, reading)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                walk(child, (*path, i), quote, reading)
        elif not _readable(value, quote, year) and not _readable(value, reading, year):
            # An interpretation exempts a value only by stating it: "读作 8000", "按当年 12 月 31 日计算".
            report(path, f"{value!r} 在其引文中读不出来，也没有 `interpretation:` 写明是怎样读出的")

    for rule_id, rule in policy.data.get("rules", {}).items():
        walk(rule, ("rules", rule_id), "", "")
    for a, annex in enumerate(policy.data.get("annexes", [])):
        for r, row in enumerate(annex["rows"]):
            walk(row, ("annexes", a, "rows", r), "", "")
    for key in ("dated", "printed"):
        walk(policy.data["document"][key], ("document", key), "", "")
