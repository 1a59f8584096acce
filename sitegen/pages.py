"""Every page of the site as (path, template, context), and the Markdown they render to.

`SiteData` turns the compiled bundle and the archived notices into view models: rules with their Chinese
values, states, interpretations and quote links; the notices marked up with an anchor per cited passage;
the comparison matrix; the "what changed" diffs. `generate` renders the Jinja2 templates of
site_src/templates into a docs folder. Every page costs time proportional to its own content, and no page
lists every page, so the build grows linearly with the number of policies.
"""

from __future__ import annotations

import datetime
import json
import posixpath
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from calculator.citations import quote_id, squeeze
from calculator.engine.rules import policy_rules
from calculator.form_fields import form_fields

from . import charts, notice_text, platforms, urls
from .compare import PolicyDiff, diff_policies, matrix, meaning, present
from .quotes import Notice, bundle_citations, split_highlight_css
from .values import (
    SUBJECTS,
    interpretation_html,
    note_html,
    platform_extras,
    value_brief,
    value_html,
    value_text,
)

# Up to this many policies the comparison matrix is one page; beyond it (a page of 180 columns is 1.6 MB) it is
# one page per year (every region) and one per region (every year), each listing the others: every policy is
# in two pages, so the matrix pages together grow linearly, and each stays under 300 KB up to 19 regions.
MATRIX_COLUMNS = 12

DOC_FIELDS = {"title": "标题", "issuer": "发文机关", "number": "文号", "dated": "成文日期", "printed": "印发日期"}
DOC_KINDS = {"title": "text", "issuer": "text", "number": "text", "dated": "date", "printed": "date"}


class SiteError(Exception):
    """The bundle cannot be turned into pages (names the policy or document and what is wrong)."""


@dataclass
class Page:
    path: str  # Markdown path under the docs folder
    template: str
    context: dict[str, Any]


class SiteData:
    def __init__(self, bundle: Mapping[str, Any], notices: Mapping[str, str], today: datetime.date | None = None):
        self.bundle = bundle
        self.today = today or datetime.date.today()  # the build's date: the home page says which years are missing
        self.catalog: dict[str, Any] = bundle["catalog"]
        self.policies: dict[str, Any] = bundle["policies"]
        self.documents: dict[str, Any] = bundle["documents"]
        self.regions: dict[str, Any] = bundle["regions"]
        self.notices = notices
        rank = {region: i for i, region in enumerate(self.regions)}
        self.order = sorted(
            self.policies,
            key=lambda pid: (
                rank.get(self.policies[pid]["region"], len(rank)),
                self.policies[pid]["region"],
                self.policies[pid]["year"],
            ),
        )
        self.by_region: dict[str, list[str]] = defaultdict(list)
        for pid in self.order:
            self.by_region[self.policies[pid]["region"]].append(pid)
        self.groups: dict[str, str] = {}
        for spec in self.catalog.values():
            self.groups.setdefault(spec["group"], spec["group_title"])
        self.spans, self.anchor = self._locate_quotes()
        self.platforms = platforms.directory(bundle, self.order)
        self.platform_named = platforms.by_name(self.platforms)

    # --- quotes ------------------------------------------------------------------------------------------

    def _locate_quotes(self) -> tuple[dict[str, dict[str, tuple[int, int]]], dict[tuple[str, str], str]]:
        spans: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        anchor: dict[tuple[str, str], str] = {}
        missing = []
        for document, quotes in sorted(bundle_citations(self.bundle).items()):
            if document not in self.notices:
                missing.append(f"document {document}: no archived notice policies/sources/{document}.txt")
                continue
            notice = Notice(self.notices[document])
            for quote in sorted(quotes):
                at = notice.find(quote)
                if at is None:
                    missing.append(f"document {document}: quote not found: {quote[:40]!r}")
                    continue
                qid = quote_id(quote)
                spans[document][qid] = at
                anchor[(document, squeeze(quote))] = qid
        if missing:
            raise SiteError("cannot anchor every citation:\n  " + "\n  ".join(missing))
        return spans, anchor

    def doc_label(self, document: str) -> str:
        entry = self.documents.get(document)
        if entry is None:
            return document
        policy = self.policies[entry["policy"]]
        return f"{policy['region_name']} {policy['year']} 年通知"

    def quote_href(self, page: str, document: str, quote: str) -> str:
        return urls.href(page, urls.notice_page(document), self.anchor[(document, squeeze(quote))])

    def cite(self, page: str, citations: list[dict[str, str]], own_document: str | None = None) -> Markup:
        """Quote links: each quote, linked to its passage on the notice page, with the notice named."""
        items = []
        for c in citations:
            doc = (
                ""
                if c["document"] == own_document
                else f'<span class="quote-doc">（{escape(self.doc_label(c["document"]))}）</span>'
            )
            items.append(
                f'<p class="quote"><span class="quote-mark">原文</span>'
                f'<a class="quote-link" href="{escape(self.quote_href(page, c["document"], c["quote"]))}">'
                f"「{escape(c['quote'])}」</a>{doc}</p>"
            )
        return Markup(f'<div class="quotes">{"".join(items)}</div>') if items else Markup("")

    # --- rules -------------------------------------------------------------------------------------------

    def policy_label(self, pid: str) -> str:
        p = self.policies[pid]
        return f"{p['region_name']} {p['year']}"

    def rule_view(self, page: str, pid: str, rule_id: str, rule: Mapping[str, Any] | None = None) -> dict[str, Any]:
        policy = self.policies[pid]
        rule = rule if rule is not None else policy["rules"][rule_id]
        spec = self.catalog[rule_id]
        own_doc = policy["document"]
        state = rule["state"] if present(rule) else "absent"
        inherited = None
        source_pid = rule.get("from")
        if source_pid and source_pid != pid and source_pid in self.policies:
            inherited = {
                "label": self.policy_label(source_pid) + " 年通知",
                "policy": source_pid,
                "href": urls.href(page, urls.policy_page(source_pid), urls.rule_anchor(rule_id)),
            }
        cite = lambda cs: str(self.cite(page, cs, own_doc))  # noqa: E731
        return {
            "id": rule_id,
            "anchor": urls.rule_anchor(rule_id),
            "title": spec["title"],
            "kind": spec["kind"],
            "state": state,
            "value_html": Markup(
                value_html(spec["kind"], rule["value"], cite, lambda p: self.address_elsewhere(page, p))
            )
            if state == "stated"
            else "",
            "value_text": value_text(spec["kind"], rule["value"]) if state == "stated" else "",
            "citations": self.cite(page, rule.get("sources", []), own_doc),
            "interpretation": Markup(interpretation_html(rule.get("interpretation"))),
            "note": Markup(note_html(rule.get("note"))),
            "reference": rule.get("reference"),
            "inherited": inherited,
            "draft": bool(rule.get("draft")),  # only in the preview (build.py serve --drafts)
            "policy": pid,
            "policy_label": self.policy_label(pid),
            "policy_href": urls.href(page, urls.policy_page(pid), urls.rule_anchor(rule_id)),
        }

    def grouped_rules(self, page: str, pid: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(groups with their present rules, the absent rules)."""
        groups: dict[str, dict[str, Any]] = {}
        absent = []
        for rule_id, spec in self.catalog.items():
            view = self.rule_view(page, pid, rule_id)
            if view["state"] == "absent":
                absent.append(view)
                continue
            group = groups.setdefault(
                spec["group"], {"id": "g-" + spec["group"].replace("_", "-"), "title": spec["group_title"], "rules": []}
            )
            group["rules"].append(view)
        return list(groups.values()), absent

    def document_view(self, page: str, document: str) -> dict[str, Any]:
        entry = self.documents[document]
        fields = []
        for key, label in DOC_FIELDS.items():
            rule = entry[key]
            fields.append(
                {
                    "label": label,
                    "state": rule["state"],
                    "value": value_text(DOC_KINDS[key], rule["value"]) if rule["state"] == "stated" else "不详",
                    "citations": self.cite(page, rule["sources"], document),
                    "interpretation": Markup(interpretation_html(rule.get("interpretation"))),
                    "note": Markup(note_html(rule.get("note"))),
                }
            )
        title = entry["title"]["value"] or f"{self.doc_label(document)}"
        return {
            "id": document,
            "title": title,
            "fields": fields,
            "policy": entry["policy"],
            "policy_label": self.policy_label(entry["policy"]),
            "policy_href": urls.href(page, urls.policy_page(entry["policy"])),
            "href": urls.href(page, urls.notice_page(document)),
        }

    # --- pages -------------------------------------------------------------------------------------------

    def policy_context(self, pid: str) -> dict[str, Any]:
        page = urls.policy_page(pid)
        policy = self.policies[pid]
        groups, absent = self.grouped_rules(page, pid)
        parent = policy.get("extends")
        siblings = self.by_region[policy["region"]]
        i = siblings.index(pid)
        changes = []
        if parent and parent in self.policies:
            changes.append(
                {
                    "label": f"与所实施的{self.policy_label(parent)} 年通知相比",
                    "href": urls.href(page, urls.province_change_page(pid)),
                }
            )
        if i > 0:
            changes.append(
                {
                    "label": f"与上一份通知（{self.policy_label(siblings[i - 1])}）相比",
                    "href": urls.href(page, urls.consecutive_change_page(siblings[i - 1], pid)),
                }
            )
        if i + 1 < len(siblings):
            changes.append(
                {
                    "label": f"下一份通知（{self.policy_label(siblings[i + 1])}）的变化",
                    "href": urls.href(page, urls.consecutive_change_page(pid, siblings[i + 1])),
                }
            )
        return {
            "policy": policy,
            "label": self.policy_label(pid),
            "draft": any(r.get("draft") for r in policy["rules"].values() if r.get("from") == pid)
            or any(isinstance(f, dict) and f.get("draft") for f in self.documents[policy["document"]].values()),
            "document": self.document_view(page, policy["document"]),
            "parent": {
                "id": parent,
                "label": self.policy_label(parent),
                "href": urls.href(page, urls.policy_page(parent)),
            }
            if parent in self.policies
            else None,
            "groups": groups,
            "absent": absent,
            "basis": [self.basis_view(page, pid, b) for b in policy["basis"]],
            "annexes": [
                {"title": a["title"], "rows": len(a["rows"]), "href": urls.href(page, urls.annex_page(pid, a["id"]))}
                for a in policy["annexes"]
            ],
            "damaged": [self.damaged_view(page, d, policy["document"]) for d in policy["damaged"]],
            "changes": changes,
            "compare_href": urls.href(page, self.compare_page_of(pid)),
            "calculator_href": urls.href(page, "calculator/index.md") + "?policy=" + pid,
        }

    def basis_view(self, page: str, pid: str, basis: Mapping[str, Any]) -> dict[str, Any]:
        linked = basis.get("policy")
        return {
            "title": basis["title"],
            "number": basis.get("number"),
            "in_archive": basis.get("in_archive"),
            "policy_href": urls.href(page, urls.policy_page(linked)) if linked in self.policies else None,
            "policy_label": self.policy_label(linked) if linked in self.policies else None,
            "citations": self.cite(page, basis["sources"], self.policies[pid]["document"]),
        }

    def damaged_view(self, page: str, damaged: Mapping[str, Any], own_doc: str) -> dict[str, Any]:
        return {"reason": damaged["reason"], "citations": self.cite(page, damaged["sources"], own_doc)}

    def notice_context(self, document: str) -> dict[str, Any]:
        page = urls.notice_page(document)
        entry = self.documents[document]
        policy = self.policies[entry["policy"]]
        damaged_ids = {
            self.anchor[(c["document"], squeeze(c["quote"]))]
            for d in policy["damaged"]
            for c in d["sources"]
            if c["document"] == document
        }
        html, split = notice_text.render(
            self.notices[document], self.spans.get(document, {}), {qid: "damaged" for qid in damaged_ids}
        )
        return {
            "download": f"{document}.txt",
            "document": self.document_view(page, document),
            "text": Markup(html),
            "style": Markup(split_highlight_css(".notice-text", split)),
            "passages": len(self.spans.get(document, {})),
            "damaged": [self.damaged_view(page, d, document) for d in policy["damaged"]],
        }

    def diff_context(self, page: str, diff: PolicyDiff, a: str, b: str, kind: str) -> dict[str, Any]:
        def side(pid: str, rule: Mapping[str, Any] | None, rule_id: str) -> dict[str, Any] | None:
            return None if rule is None else self.rule_view(page, pid, rule_id, rule)

        sections = defaultdict(list)
        for change in diff.rules:
            sections[change.kind].append(
                {
                    "id": change.rule_id,
                    "title": change.title,
                    "group_title": change.group_title,
                    "fields": change.fields,
                    "before": side(a, change.before, change.rule_id),
                    "after": side(b, change.after, change.rule_id),
                }
            )
        return {
            "kind": kind,
            "a": self.policy_label(a),
            "b": self.policy_label(b),
            "a_href": urls.href(page, urls.policy_page(a)),
            "b_href": urls.href(page, urls.policy_page(b)),
            "sections": sections,
            "counts": diff.counts(),
        }

    def changes(self) -> Iterator[tuple[str, str, str, str]]:
        """(page, before, after, kind) for every comparison page."""
        for pid in self.order:
            parent = self.policies[pid].get("extends")
            if parent in self.policies:
                yield urls.province_change_page(pid), parent, pid, "parent"
        for pids in self.by_region.values():
            for before, after in zip(pids, pids[1:], strict=False):
                yield urls.consecutive_change_page(before, after), before, after, "consecutive"

    def matrix_parts(self) -> list[tuple[str, str, list[str], str]]:
        """(page, title, policies, "year" or "region") of each part of the matrix; none when it is one page."""
        if len(self.order) <= MATRIX_COLUMNS:
            return []
        years = sorted({self.policies[pid]["year"] for pid in self.order})
        parts = [
            (
                urls.compare_year_page(y),
                f"{y} 年各地",
                [pid for pid in self.order if self.policies[pid]["year"] == y],
                "year",
            )
            for y in years
        ]
        for region, pids in self.by_region.items():
            name = self.regions.get(region, {}).get("name", region)
            parts.append((urls.compare_region_page(region), f"{name}历年", pids, "region"))
        return parts

    def compare_page_of(self, pid: str) -> str:
        """The matrix page that shows this policy beside the other regions of its year."""
        if len(self.order) <= MATRIX_COLUMNS:
            return "compare.md"
        return urls.compare_year_page(self.policies[pid]["year"])

    def compare_index_context(self, parts: list[tuple[str, str, list[str], str]]) -> dict[str, Any]:
        page = "compare.md"

        def links(kind: str) -> list[dict[str, Any]]:
            return [
                {"title": t, "href": urls.href(page, p), "count": len(pids)} for p, t, pids, k in parts if k == kind
            ]

        return {"parts": True, "policies": len(self.order), "years": links("year"), "regions": links("region")}

    def matrix_context(
        self, page: str = "compare.md", pids: list[str] | None = None, title: str = ""
    ) -> dict[str, Any]:
        pids = self.order if pids is None else pids
        rows = matrix(self.bundle, pids)
        columns = [
            {"id": pid, "label": self.policy_label(pid), "href": urls.href(page, urls.policy_page(pid))} for pid in pids
        ]
        groups: list[dict[str, Any]] = []
        for row in rows:
            if not groups or groups[-1]["id"] != row.group:
                groups.append({"id": row.group, "title": row.group_title, "rows": []})
            cells = []
            for cell in row.cells:
                rule = cell.rule
                state = rule["state"] if present(rule) else "absent"
                source_pid = rule.get("from")
                cells.append(
                    {
                        "policy": cell.policy_id,
                        "state": state,
                        "text": value_brief(row.kind, rule["value"]) if state == "stated" else "",
                        "full": value_text(row.kind, rule["value"]) if state == "stated" else "",
                        "reference": rule.get("reference"),
                        "interpretation": rule.get("interpretation"),
                        "inherited": self.policy_label(source_pid)
                        if source_pid and source_pid != cell.policy_id and source_pid in self.policies
                        else None,
                        "differs": cell.differs,
                        "href": urls.href(page, urls.policy_page(cell.policy_id), urls.rule_anchor(row.rule_id)),
                    }
                )
            groups[-1]["rows"].append(
                {
                    "id": row.rule_id,
                    "anchor": "m-" + urls.rule_anchor(row.rule_id)[2:],
                    "title": row.title,
                    "uniform": row.uniform,
                    "cells": cells,
                }
            )
        differing = sum(1 for row in rows if not row.uniform)
        conflicting = sum(1 for row in rows if len({c.key for c in row.cells if c.rule["state"] != "unknown"}) > 1)
        return {
            "parts": False,
            "title": title,
            "index_href": urls.href(page, "compare.md") if page != "compare.md" else None,
            "columns": columns,
            "groups": groups,
            "differing": differing,
            "conflicting": conflicting,
            "rules": len(rows),
            # Without JavaScript: ticking policies shows only their columns (one CSS rule per column).
            "pick_css": Markup(
                "".join(
                    f".matrix-cmp:has(.pick:checked):not(:has(#pick-{i}:checked)) .c-{i}{{display:none}}"
                    for i in range(1, len(columns) + 1)
                )
            ),
        }

    def annex_context(self, pid: str, annex: Mapping[str, Any]) -> dict[str, Any]:
        page = urls.annex_page(pid, annex["id"])
        own = self.policies[pid]["document"]
        rows = [
            {
                "cells": {c["key"]: charts.cell_text(annex, c, r["cells"].get(c["key"], "")) for c in annex["columns"]},
                "citations": self.cite(page, r.get("sources", []), own),
                "interpretation": Markup(interpretation_html(r.get("interpretation"))),
            }
            for r in annex["rows"]
        ]
        checks = []
        for check in annex.get("checks", []):
            if check["kind"] == "column_total":
                total = sum(r["cells"].get(check["column"], 0) for r in annex["rows"])
                title = next(c["title"] for c in annex["columns"] if c["key"] == check["column"])
                checks.append(
                    {
                        "text": f"“{title}”一栏合计 {total:g}，与通知印出的合计 {check['total']:g} 一致。",
                        "citations": self.cite(page, check.get("sources", []), own),
                    }
                )
            else:
                how = "截去" if check.get("rounding") == "truncate" else "四舍五入"
                checks.append(
                    {
                        "text": f"每行的比率与 {check['numerator']} ÷ {check['denominator']} 按{how}到 "
                        f"{check['decimals']} 位小数的结果一致。",
                        "citations": Markup(""),
                    }
                )
        return {
            "policy_label": self.policy_label(pid),
            "policy_href": urls.href(page, urls.policy_page(pid)),
            "notice_href": urls.href(page, urls.notice_page(own)),
            "annex": annex,
            "columns": annex["columns"],
            "rows": rows,
            "checks": checks,
            "citations": self.cite(page, annex.get("sources", []), own),
            "charts": [[Markup(svg) for svg in drawings] for drawings in charts.annex_charts(annex)],
        }

    def address_elsewhere(self, page: str, item: Mapping[str, Any]) -> tuple[str, str]:
        """For a platform a notice names without its address: the address other notices print, and their
        quotes (HTML), or ("", "")."""
        platform = self.platform_named.get(platforms.name_key(item["name"]))
        if platform is None or not platform.addresses:
            return "", ""
        url, givers = platform.addresses[0]
        by = "、".join(f"{self.policy_label(m.policy)} 年通知" for m in givers)
        more = "等" if len(platform.addresses) > 1 else ""
        entry = urls.href(page, "platforms.md", platform.id)
        return (
            f'本通知未列；{_url_html(url)}（{escape(by)}所印{more}，见<a href="{escape(entry)}">学习平台</a>）',
            str(self.cite(page, givers[0].item.get("sources") or [])),
        )

    def platforms_context(self) -> dict[str, Any]:
        page = "platforms.md"
        titles = {rule_id: self.catalog[rule_id]["title"] for rule_id in platforms.platform_rules(self.catalog)}
        entries = []
        for platform in self.platforms:
            hotlines = sorted({m.item["hotline"] for m in platform.mentions if m.item.get("hotline")})
            subjects = {s for m in platform.mentions for s in m.item["subjects"]}
            mentions = []
            for m in platform.mentions:
                mentions.append(
                    {
                        "label": self.policy_label(m.policy),
                        "href": urls.href(page, urls.policy_page(m.policy), urls.rule_anchor(m.rule_id)),
                        "rule": titles[m.rule_id],
                        "name": m.item["name"] if m.item["name"] != platform.name else None,
                        "inherited": self.policy_label(m.rule["from"]) if m.inherited else None,
                        "citations": Markup("")
                        if m.inherited
                        else self.cite(page, m.item.get("sources") or m.rule["sources"]),
                        "reading": Markup(platform_extras({**m.item, "sources": []}, str)),
                    }
                )
            entries.append(
                {
                    "id": platform.id,
                    "name": platform.name,
                    "other_names": platform.other_names,
                    "addresses": [
                        {
                            "html": Markup(_url_html(url)),
                            "by": "、".join(f"{self.policy_label(m.policy)} 年通知" for m in givers),
                            "citations": self.cite(page, [c for m in givers for c in m.item.get("sources", [])]),
                        }
                        for url, givers in platform.addresses
                    ],
                    "hotlines": hotlines,
                    "subjects": "、".join(
                        SUBJECTS[s] for s in ("public", "professional", "declaration") if s in subjects
                    ),
                    "notices": len({m.policy for m in platform.mentions}),
                    "mentions": mentions,
                }
            )
        return {"platforms": entries}

    def home_context(self) -> dict[str, Any]:
        page = "index.md"
        common = []
        for rule_id in ("requirements.total", "requirements.public", "requirements.professional", "carry_over.allowed"):
            stating = [pid for pid in self.order if self.policies[pid]["rules"][rule_id]["state"] == "stated"]
            if not stating:
                continue
            keys = Counter(meaning(self.policies[pid]["rules"][rule_id], self.policies[pid]["year"]) for pid in stating)
            key, count = keys.most_common(1)[0]
            agreeing = [
                pid
                for pid in stating
                if meaning(self.policies[pid]["rules"][rule_id], self.policies[pid]["year"]) == key
            ]
            provincial = [
                pid for pid in agreeing if self.regions.get(self.policies[pid]["region"], {}).get("level") == "province"
            ]
            example = (provincial or agreeing)[-1]  # quote the latest provincial notice when it agrees
            view = self.rule_view(page, example, rule_id)
            view["citations"] = self.cite(page, self.policies[example]["rules"][rule_id]["sources"])
            common.append({**view, "agree": count, "stating": len(stating)})
        required_course = [
            self.rule_view(page, pid, "requirements.public_required_course")
            for pid in self.order
            if self.policies[pid]["rules"]["requirements.public_required_course"]["state"] == "stated"
        ]
        return {
            "common": common,
            "required_course": required_course,
            "regions": self.home_regions(page),
            "without": [
                r["name"] for rid, r in self.regions.items() if rid not in self.by_region and r.get("level") == "city"
            ],
            "policies": len(self.order),
            "today": {"year": self.today.year, "month": self.today.month, "day": self.today.day},
            "this_year": [
                self.policy_label(pid) for pid in self.order if self.policies[pid]["year"] == self.today.year
            ],
            "calculator_href": urls.href(page, "calculator/index.md"),
        }

    def home_regions(self, page: str) -> list[dict[str, Any]]:
        """Per region: its newest archived notice (with the calculator set to it), older ones, and the years
        from its first archived notice up to this year that are not archived."""
        regions = []
        for region, pids in self.by_region.items():
            years = {self.policies[pid]["year"] for pid in pids}
            first = min(years)
            missing = [y for y in range(first, self.today.year + 1) if y not in years]
            newest = pids[-1]
            regions.append(
                {
                    "name": self.regions.get(region, {}).get("name", region),
                    "level": self.regions.get(region, {}).get("level"),
                    "newest": {
                        "year": self.policies[newest]["year"],
                        "href": urls.href(page, urls.policy_page(newest)),
                        "calculator_href": urls.href(page, "calculator/index.md") + "?policy=" + newest,
                    },
                    "older": [
                        {"year": self.policies[pid]["year"], "href": urls.href(page, urls.policy_page(pid))}
                        for pid in reversed(pids[:-1])
                    ],
                    "missing": _year_spans(missing),
                }
            )
        return regions

    def calculator_context(self) -> dict[str, Any]:
        page = "calculator/index.md"
        rows = []
        for pid in self.order:
            rules = {}
            for rule_id in (
                "requirements.total",
                "requirements.public",
                "requirements.public_required_course",
                "requirements.professional",
                "deadlines.completion",
                "deadlines.declaration",
            ):
                view = self.rule_view(page, pid, rule_id)
                rules[rule_id.split(".")[1]] = view
            rows.append(
                {"label": self.policy_label(pid), "href": urls.href(page, urls.policy_page(pid)), "rules": rules}
            )
        return {"rows": rows, "calculator_data": self.calculator_data(page)}

    def calculator_data(self, page: str) -> dict[str, Any]:
        """What the calculator page's script needs before Pyodide is ready: the policies and their floors,
        and the notice pages (the worker's answers name each quoted passage's anchor)."""
        keys = ("total", "public", "public_required_course", "professional")
        policies = []
        for pid in self.order:
            rules = self.policies[pid]["rules"]
            required = {}
            for key in keys:
                rule = rules[f"requirements.{key}"]
                required[key] = rule["value"] if rule["state"] == "stated" else None
            # The fields it provides are in a file of their own (calculator_fields), read when it is chosen
            fields = posixpath.relpath(urls.calculator_fields(pid), posixpath.dirname(page))
            policies.append(
                {
                    "id": pid,
                    "label": self.policy_label(pid),
                    "required": required,
                    "fields": fields,
                    "notice": self.notice_data(pid),
                }
            )
        # No policy is chosen for the person: the newest notice may not be their year (issue 12).
        newest = max((self.policies[pid]["year"] for pid in self.order), default=0)
        return {
            "next_year": newest + 1,  # the first year no notice is archived for, named on the page
            "policies": policies,
            "notices": {doc: urls.href(page, urls.notice_page(doc)) for doc in sorted(self.documents)},
            "service_worker": "../sw.js",  # at the site's root, for the scope "calculator" (no slash)
        }

    def calculator_fields(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Per notice, which of the form's optional fields it provides and a line for each it does not
        (calculator.form_fields), with the anchors of the passages quoted beside them: one file each, so that
        the calculator page does not grow with every notice (735 KB at 180 notices when it held them all)."""
        for pid in self.order:
            fields = form_fields(policy_rules(self.bundle, pid))
            anchors = {}
            for item in fields["evidence"].values():
                source = item["source"]  # None where the rule cites nothing yet (a draft's unchecked rule)
                if source:
                    anchors[f"{source['document']}|{source['quote']}"] = quote_id(source["quote"])
            yield urls.calculator_fields(pid), {"fields": fields, "anchors": anchors}

    def notice_data(self, pid: str) -> dict[str, Any]:
        """The notice as the printed report names it: its title and 文号 (or why there is none), and the 文号 of
        the provincial notice it implements, where it names one."""
        policy = self.policies[pid]
        entry = self.documents[policy["document"]]
        number = entry["number"]
        implements = [
            b["number"]
            for b in policy["basis"]
            if b.get("number") and (b.get("implements") or (b.get("policy") and b.get("policy") == policy["extends"]))
        ]
        return {
            "title": entry["title"]["value"] or self.doc_label(policy["document"]),
            "number": number["value"] if number["state"] == "stated" else None,
            "number_note": None if number["state"] == "stated" else (number.get("note") or "文号不详"),
            "implements": implements,
        }

    def pages(self) -> Iterator[Page]:
        yield Page("index.md", "home.md.j2", self.home_context())
        yield Page("policies/index.md", "policies_index.md.j2", self.policies_index_context())
        for pid in self.order:
            yield Page(urls.policy_page(pid), "policy.md.j2", self.policy_context(pid))
        yield Page("notices/index.md", "notices_index.md.j2", self.notices_index_context())
        for document in sorted(self.documents):
            yield Page(urls.notice_page(document), "notice.md.j2", self.notice_context(document))
        parts = self.matrix_parts()
        if parts:
            yield Page("compare.md", "compare.md.j2", self.compare_index_context(parts))
            for part_page, title, pids, _ in parts:
                yield Page(part_page, "compare.md.j2", self.matrix_context(part_page, pids, title))
        else:
            yield Page("compare.md", "compare.md.j2", self.matrix_context())
        change_links = []
        for page, before, after, kind in self.changes():
            diff = diff_policies(self.policies[before], self.policies[after], self.catalog)
            yield Page(page, "changes.md.j2", self.diff_context(page, diff, before, after, kind))
            counts = diff.counts()
            change_links.append(
                {
                    "page": page,
                    "kind": kind,
                    "a": self.policy_label(before),
                    "b": self.policy_label(after),
                    "counts": counts,
                }
            )
        yield Page("changes/index.md", "changes_index.md.j2", self.changes_index_context(change_links))
        annex_links = []
        for pid in self.order:
            for annex in self.policies[pid]["annexes"]:
                page = urls.annex_page(pid, annex["id"])
                yield Page(page, "annex.md.j2", self.annex_context(pid, annex))
                annex_links.append(
                    {
                        "page": page,
                        "title": annex["title"],
                        "policy": self.policy_label(pid),
                        "rows": len(annex["rows"]),
                    }
                )
        yield Page(
            "annexes/index.md",
            "annexes_index.md.j2",
            {"annexes": [{**a, "href": urls.href("annexes/index.md", a["page"])} for a in annex_links]},
        )
        yield Page("platforms.md", "platforms.md.j2", self.platforms_context())
        yield Page("glossary.md", "glossary.md.j2", self.glossary_context())
        yield Page("calculator/index.md", "calculator.md.j2", self.calculator_context())
        yield Page("batch/index.md", "batch.md.j2", {})

    def policies_index_context(self) -> dict[str, Any]:
        page = "policies/index.md"
        regions = []
        for region, pids in self.by_region.items():
            items = []
            for pid in pids:
                p = self.policies[pid]
                doc = self.documents[p["document"]]
                items.append(
                    {
                        "label": self.policy_label(pid),
                        "year": p["year"],
                        "href": urls.href(page, urls.policy_page(pid)),
                        "title": doc["title"]["value"] or "",
                        "number": doc["number"]["value"] or "",
                        "parent": self.policy_label(p["extends"]) if p.get("extends") in self.policies else None,
                        "notice_href": urls.href(page, urls.notice_page(p["document"])),
                    }
                )
            regions.append({"name": self.regions.get(region, {}).get("name", region), "policies": items})
        return {"regions": regions}

    def notices_index_context(self) -> dict[str, Any]:
        page = "notices/index.md"
        items = []
        for pid in self.order:
            document = self.policies[pid]["document"]
            items.append({**self.document_view(page, document), "passages": len(self.spans.get(document, {}))})
        return {"notices": items}

    def changes_index_context(self, links: list[dict[str, Any]]) -> dict[str, Any]:
        page = "changes/index.md"
        without_parent = [
            {"label": self.policy_label(pid), "href": urls.href(page, urls.policy_page(pid))}
            for pid in self.order
            if self.regions.get(self.policies[pid]["region"], {}).get("level") != "province"
            and self.policies[pid].get("extends") not in self.policies
        ]
        return {
            "parent": [{**x, "href": urls.href(page, x["page"])} for x in links if x["kind"] == "parent"],
            "consecutive": [{**x, "href": urls.href(page, x["page"])} for x in links if x["kind"] == "consecutive"],
            "without_parent": without_parent,
        }

    def glossary_context(self) -> dict[str, Any]:
        page = "glossary.md"
        rule_id = "requirements.public_required_course"
        floors = [
            {
                "label": self.policy_label(pid),
                "href": urls.href(page, urls.policy_page(pid), urls.rule_anchor(rule_id)),
                "value": value_text("hours", self.policies[pid]["rules"][rule_id]["value"]),
            }
            for pid in self.order
            if self.policies[pid]["rules"][rule_id]["state"] == "stated"
        ]
        return {
            "required_course": floors,
            "compare_href": urls.href(page, "compare.md"),
            "platforms_href": urls.href(page, "platforms.md"),
        }


def _year_spans(years: list[int]) -> str:
    """2021、2024—2026 年: consecutive years as one span."""
    spans: list[list[int]] = []
    for y in years:
        if spans and spans[-1][1] == y - 1:
            spans[-1][1] = y
        else:
            spans.append([y, y])
    text = "、".join(str(a) if a == b else f"{a}—{b}" for a, b in spans)
    return f"{text} 年" if text else ""


def _url_html(url: str | None) -> str:
    if not url:
        return "—"
    if url.startswith(("http://", "https://")):
        return f'<a href="{escape(url)}" rel="noopener nofollow">{escape(url)}</a>'
    return f"<code>{escape(url)}</code>"


def environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Markdown uses {#id} for heading ids, so Jinja comments are {## ... ##}.
        comment_start_string="{##",
        comment_end_string="##}",
    )
    env.filters["md"] = md_escape
    env.filters["mdlink"] = md_link
    # Page data as UTF-8, not \uXXXX (6 bytes a character): the calculator's data is mostly Chinese.
    # tojson still escapes <, >, & and ' for the HTML.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env


def md_escape(text: Any) -> Markup:
    """Text for a Markdown context (headings, list items): HTML-escaped, Markdown punctuation backslashed."""
    out = str(escape(str(text)))
    for ch in "\\`*_[]#|":
        out = out.replace(ch, "\\" + ch)
    return Markup(out)


def md_link(href: str) -> str:
    """A page link for a Markdown [text](link): the .md source path, which MkDocs checks and converts."""
    path, hash_, fragment = str(href).partition("#")
    if path.endswith(".html"):
        path = path[:-5] + ".md"
    return path + hash_ + fragment


def generate(
    bundle: Mapping[str, Any],
    notices: Mapping[str, str],
    out: Path,
    site_src: Path,
    today: datetime.date | None = None,
) -> list[str]:
    """Write every page's Markdown (and the site's static files) into `out`; returns the page paths."""
    data = SiteData(bundle, notices, today)
    env = environment(site_src / "templates")
    written = []
    for page in data.pages():
        try:
            text = env.get_template(page.template).render(page=page.path, **page.context)
        except jinja2.TemplateError as err:
            raise SiteError(f"template {page.template} for {page.path}: {err}") from err
        target = out / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(page.path)
    for path, content in data.calculator_fields():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(content, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    _copy_tree(site_src / "assets", out / "assets")
    _copy_tree(site_src / "calculator", out / "calculator")
    _copy_tree(site_src / "batch", out / "batch")
    return written


def _copy_tree(src: Path, dst: Path) -> None:
    """Static files (not READMEs, which would become pages)."""
    if not src.is_dir():
        return
    for path in sorted(src.rglob("*")):
        if path.is_file() and not path.name.lower().startswith("readme"):
            target = dst / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
