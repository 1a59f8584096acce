"""One entry per platform across every notice: the names it is printed under, the addresses the notices give
(each with the notices that print it), and every notice that names it.

Two mentions are the same platform when their names agree (white space aside) or their addresses do (scheme,
"www." and a trailing slash aside): the province's 服务平台 is printed with an address by one notice and
without by another, and 中原工学院华豫专技(网) under two names at one address. Only a notice's own mention
counts as printing an address; a city that inherits the provincial list names those platforms through it.
Generic over the rule catalogue: every rule of kind "platforms".
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Mention:
    policy: str
    rule_id: str
    item: Mapping[str, Any]
    rule: Mapping[str, Any]
    inherited: bool


@dataclass
class Platform:
    id: str
    name: str
    other_names: list[str]
    addresses: list[tuple[str, list[Mention]]]  # (address as printed, the notices' own mentions giving it)
    mentions: list[Mention] = field(default_factory=list)


def name_key(name: str) -> str:
    return "n:" + re.sub(r"\s+", "", name)


def url_key(url: str) -> str:
    bare = re.sub(r"^[a-z]+://", "", url.strip().lower())
    return "u:" + bare.removeprefix("www.").rstrip("/")


def platform_rules(catalog: Mapping[str, Any]) -> list[str]:
    return [rule_id for rule_id, spec in catalog.items() if spec["kind"] == "platforms"]


def directory(bundle: Mapping[str, Any], order: Sequence[str]) -> list[Platform]:
    """Every platform named by a stated platforms rule, most named first."""
    mentions = []
    for pid in order:
        rules = bundle["policies"][pid]["rules"]
        for rule_id in platform_rules(bundle["catalog"]):
            rule = rules[rule_id]
            if rule["state"] != "stated":
                continue
            inherited = bool(rule.get("from")) and rule.get("from") != pid
            mentions.extend(Mention(pid, rule_id, item, rule, inherited) for item in rule["value"])
    # Union-find over names and addresses: linear in the mentions.
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def keys(m: Mention) -> list[str]:
        return [name_key(m.item["name"])] + ([url_key(m.item["url"])] if m.item.get("url") else [])

    for m in mentions:
        first, *rest = keys(m)
        for key in rest:
            parent[find(key)] = find(first)
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(find(keys(m)[0]), []).append(m)
    platforms = []
    for group in groups.values():
        own = [m for m in group if not m.inherited] or group
        names = Counter(m.item["name"] for m in own)
        name = max(names, key=lambda n: (names[n], -[m.item["name"] for m in own].index(n)))
        addresses: dict[str, tuple[str, list[Mention]]] = {}
        for m in own:
            if m.item.get("url") and not m.inherited:
                url = m.item["url"]
                addresses.setdefault(url, (url, []))[1].append(m)
        platforms.append(
            Platform(
                id="p-" + hashlib.sha1(name_key(name).encode("utf-8")).hexdigest()[:8],
                name=name,
                other_names=sorted({m.item["name"] for m in group} - {name}),
                addresses=sorted(addresses.values(), key=lambda a: -len(a[1])),
                mentions=group,
            )
        )
    return sorted(platforms, key=lambda p: (-len({m.policy for m in p.mentions}), p.name))


def by_name(platforms: Sequence[Platform]) -> dict[str, Platform]:
    """Each printed name -> its platform (for a policy page that names a platform without its address)."""
    return {name_key(n): p for p in platforms for n in [p.name, *p.other_names]}
