"""Draft rules: the rules of a policy file still marked 待核对 (by `build.py new`), for a preview only.

`build.py check` refuses a marked rule. The preview (`build.py serve --drafts`) instead lets each marked item
(a rule, a document field, a basis entry) through as a draft: its problems are not reported, its passages are
shown without the marker where the notice has them, and it carries `draft: true` into the bundle so that every
page marks it 草稿. A normal build never gets here: it stops at the check.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .citations import squeeze
from .problems import Path

UNVERIFIED = "待核对"
MARK = re.compile(rf"^{UNVERIFIED}[^：]*：")


def draft_items(data: Mapping[str, Any]) -> set[Path]:
    """The paths of the items that are still marked: ("rules", id), ("document", field), ("basis", i)."""
    found: set[Path] = set()
    for path, item in _items(data):
        if _marked(item):
            found.add(path)
    return found


def is_draft_problem(path: Path, drafts: set[Path]) -> bool:
    return any(path[: len(item)] == item for item in drafts)


def prepare(data: dict[str, Any], notices: Mapping[str, str]) -> dict[str, Any]:
    """A copy of a policy file with each marked item made a draft (markers removed from the passages that
    the notice has; a passage it does not have is named in the item's note instead of cited)."""
    out = copy.deepcopy(data)
    own = data["document"]["id"]
    drafts = draft_items(data)
    for path, item in _items(out):
        if path not in drafts:
            continue
        missing: list[str] = []
        _unmark(item, own, notices, missing)
        item["draft"] = True
        if missing:
            shown = "；".join(f"“{q}”" for q in missing)
            item["note"] = " ".join(x for x in (item.get("note"), f"草稿：新通知中没有找到这些原文：{shown}") if x)
    return out


def _items(data: Mapping[str, Any]) -> Iterator[tuple[Path, Any]]:
    for rule_id, rule in data.get("rules", {}).items():
        yield ("rules", rule_id), rule
    for key, field in data.get("document", {}).items():
        if isinstance(field, dict):
            yield ("document", key), field
    for i, entry in enumerate(data.get("basis", [])):
        yield ("basis", i), entry


def _marked(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_marked(v) for v in value.values())
    if isinstance(value, list):
        return any(_marked(v) for v in value)
    return isinstance(value, str) and UNVERIFIED in value


def _unmark(value: Any, own: str, notices: Mapping[str, str], missing: list[str]) -> None:
    """Remove the marker from every passage under `value`; drop (into `missing`) those the notice lacks."""
    if isinstance(value, list):
        for child in value:
            _unmark(child, own, notices, missing)
        return
    if not isinstance(value, dict):
        return
    for key, child in list(value.items()):
        if key == "source":
            value[key] = _found(child, own, notices, missing)
        elif key in ("note", "interpretation") and isinstance(child, str):
            value[key] = MARK.sub("", child)
        else:
            _unmark(child, own, notices, missing)


def _found(source: Any, own: str, notices: Mapping[str, str], missing: list[str]) -> list[Any]:
    items = source if isinstance(source, list) else [source]
    kept: list[Any] = []
    for item in items:
        quote = item["quote"] if isinstance(item, dict) else item
        document = item.get("document", own) if isinstance(item, dict) else own
        passage = MARK.sub("", quote)
        if squeeze(passage) and squeeze(passage) in squeeze(notices.get(document, "")):
            kept.append({**item, "quote": passage} if isinstance(item, dict) else passage)
        else:
            missing.append(passage)
    return kept
