"""Chinese rendering of rule values, by value kind (the schema's `<kind>_rule`).

`value_text` gives one line of plain text (diffs, the comparison matrix, tests); `value_html` gives escaped
HTML for a policy page, where nested items (platforms, proration cases, date ranges) show their own
citations and interpretations through the `cite` callback. Pure functions; standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from html import escape
from typing import Any

from calculator.person import CATEGORIES, EMPLOYERS, MODES  # the calculator's names for them, one list

SUBJECTS = {"public": "公需科目", "professional": "专业科目", "declaration": "学时申报"}
CASES = {"abroad": "境外工作", "sick_leave": "病假", "maternity": "生育", "approved_leave": "经批准的其他情况"}
STATE_UNKNOWN = "通知未规定"
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")

Cite = Callable[[list[dict[str, str]]], str]  # citations -> HTML (links to the notice)


def number(x: float | int) -> str:
    """90 -> "90", 1.5 -> "1.5", 90.0 -> "90"."""
    return f"{x:g}" if isinstance(x, float) else str(x)


def hours(x: float | int) -> str:
    return f"{number(x)} 学时"


def date(text: str) -> str:
    """ "2023-12-31" -> "2023年12月31日" (anything else unchanged)."""
    m = DATE.match(text)
    if not m:
        return text
    y, mo, d = m.groups()
    return f"{int(y)}年{int(mo)}月{int(d)}日"


def date_range(r: Mapping[str, Any]) -> str:
    """{from, to, note} -> "2020年12月11日至12月31日（上半年）"."""
    start, end = r["from"], r["to"]
    if start[:4] == end[:4]:
        m = DATE.match(end)
        tail = f"{int(m.group(2))}月{int(m.group(3))}日" if m else end
    else:
        tail = date(end)
    note = f"（{r['note']}）" if r.get("note") else ""
    return f"{date(start)}至{tail}{note}"


def threshold(months: float | int | None) -> str:
    return "未设月数门槛" if months is None else f"超过 {number(months)} 个月"


def cutoff_text(c: Mapping[str, Any]) -> str:
    """{last_day, modes, categories} -> "2023年12月20日（面授培训的专业科目）"."""
    modes = "、".join(MODES[m] for m in MODES if m in c["modes"])
    categories = "、".join(CATEGORIES[k] for k in CATEGORIES if k in c["categories"])
    return f"{date(c['last_day'])}（{modes}的{categories}）"


def platform_text(p: Mapping[str, Any]) -> str:
    parts = [p["url"]] if p.get("url") else []
    if p.get("hotline"):
        parts.append(f"服务热线 {p['hotline']}")
    parts.append("用于" + "、".join(SUBJECTS.get(s, s) for s in p["subjects"]))
    return f"{p['name']}（{'；'.join(parts)}）"


def value_text(kind: str, value: Any) -> str:
    """One line of plain text for a stated value."""
    if value is None:
        return STATE_UNKNOWN
    if kind == "hours":
        return hours(value)
    if kind == "percent":
        return f"{number(value)}%"
    if kind == "count":
        return number(value)
    if kind == "year":
        return f"{value}年"
    if kind == "bool":
        return "是" if value else "否"
    if kind == "date":
        return date(value)
    if kind == "date_range":
        return date_range(value)
    if kind == "date_ranges":
        return "；".join(date_range(r) for r in value)
    if kind == "subjects":
        return "、".join(SUBJECTS.get(k, k) for k in value)
    if kind == "employers":
        return "、".join(EMPLOYERS.get(e, e) for e in value)
    if kind == "credit":
        return f"公需科目 {hours(value['public'])}，专业科目 {hours(value['professional'])}"
    if kind == "proration_cases":
        return "；".join(f"{CASES.get(c['case'], c['case'])}（{threshold(c.get('threshold_months'))}）" for c in value)
    if kind == "platforms":
        return "；".join(platform_text(p) for p in value)
    if kind == "record_cutoffs":
        return "；".join(cutoff_text(c) for c in value)
    if kind == "text_list":
        return "；".join(value)
    return str(value)


def value_brief(kind: str, value: Any, limit: int = 36) -> str:
    """A short form for table cells: platform names only, long text cut with an ellipsis."""
    if kind == "platforms" and value is not None:
        text = "、".join(p["name"] for p in value)
    else:
        text = value_text(kind, value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link(url: str) -> str:
    """A platform address: a link when it names its scheme, else plain text (never guessed)."""
    if url.startswith(("http://", "https://")):
        return f'<a href="{escape(url)}" rel="noopener nofollow">{escape(url)}</a>'
    return f"<code>{escape(url)}</code>"


def interpretation_html(text: str | None) -> str:
    if not text:
        return ""
    return (
        f'<div class="admonition info interpretation"><p class="admonition-title">解释</p><p>{escape(text)}</p></div>'
    )


def note_html(text: str | None) -> str:
    return f'<p class="rule-note">说明：{escape(text)}</p>' if text else ""


def _item_extras(item: Mapping[str, Any], cite: Cite) -> str:
    out = ""
    if item.get("sources"):
        out += cite(item["sources"])
    out += interpretation_html(item.get("interpretation"))
    return out


def text_note_html(text: str | None) -> str:
    """How the archived text was read where its extraction garbled it: for maintainers and the curious,
    folded under 文本说明 (readers get the reading in a sentence beside it)."""
    if not text:
        return ""
    return f'<details class="text-note"><summary>文本说明</summary><p>{escape(text)}</p></details>'


def platform_extras(p: Mapping[str, Any], cite: Cite) -> str:
    """A platform's quotes; its interpretation (how a garbled address was read) as one sentence and a fold."""
    out = cite(p["sources"]) if p.get("sources") else ""
    if p.get("interpretation"):
        if p.get("url"):
            out += f'<p class="reading">网址按 {escape(p["url"])} 记，依据见文本说明。</p>'
            out += text_note_html(p["interpretation"])
        else:
            out += interpretation_html(p["interpretation"])
    return out


Address = Callable[[Mapping[str, Any]], tuple[str, str]]


def value_html(kind: str, value: Any, cite: Cite, address: Address | None = None) -> str:
    """The value as HTML; nested items carry their own citations and interpretations. `address` gives, for a
    platform this notice names without an address, the address other notices print and its quotes (HTML),
    or ("", "")."""
    if kind == "platforms":
        items = []
        for p in value:
            elsewhere, quotes = address(p) if address and not p.get("url") else ("", "")
            facts = [f"网址：{_link(p['url'])}" if p.get("url") else f"网址：{elsewhere or '通知未列'}"]
            if p.get("hotline"):
                facts.append(f"服务热线：{escape(p['hotline'])}")
            facts.append("用于：" + escape("、".join(SUBJECTS.get(s, s) for s in p["subjects"])))
            extras = platform_extras(p, cite) + quotes
            items.append(f"<li><strong>{escape(p['name'])}</strong><br>{' · '.join(facts)}{extras}</li>")
        return f'<ul class="value-list platforms">{"".join(items)}</ul>'
    if kind == "proration_cases":
        items = "".join(
            f"<li><strong>{escape(CASES.get(c['case'], c['case']))}</strong>："
            f"{escape(threshold(c.get('threshold_months')))}{_item_extras(c, cite)}</li>"
            for c in value
        )
        return f'<ul class="value-list">{items}</ul>'
    if kind == "record_cutoffs":
        items = "".join(f"<li>{escape(cutoff_text(c))}{_item_extras(c, cite)}</li>" for c in value)
        return f'<ul class="value-list">{items}</ul>'
    if kind == "date_ranges":
        items = "".join(f"<li>{escape(date_range(r))}{_item_extras(r, cite)}</li>" for r in value)
        return f'<ul class="value-list">{items}</ul>'
    if kind == "date_range":
        return f'<p class="value">{escape(date_range(value))}</p>{_item_extras(value, cite)}'
    if kind == "text_list":
        items = "".join(f"<li>{escape(t)}</li>" for t in value)
        return f'<ul class="value-list">{items}</ul>'
    return f'<p class="value value-{kind}">{escape(value_text(kind, value))}</p>'
