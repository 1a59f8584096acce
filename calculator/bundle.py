"""Resolve `extends` and write the one JSON bundle that the engine and the site read.

Standard library only. A policy's effective rules are its parent's rules (recursively) overridden rule by
rule by its own; every rule keeps its own citations and says which policy stated it (`from`). Catalog rules
that no file in the chain states are present as `state: unknown`, so readers never guess a default.
Citations are normalised to `sources: [{document, quote}]` everywhere, nested items included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BUNDLE_FORMAT = 1


def citations(source: Any, own_document: str) -> list[dict[str, str]]:
    """A `source` field (text, {document, quote}, or a list of them) as a list of {document, quote}."""
    items = source if isinstance(source, list) else [source]
    return [
        {"document": item.get("document", own_document), "quote": item["quote"]}
        if isinstance(item, dict)
        else {"document": own_document, "quote": item}
        for item in items
        if item is not None
    ]


def normalise(value: Any, own_document: str) -> Any:
    """Replace every nested `source` by `sources` (a list of citations)."""
    if isinstance(value, list):
        return [normalise(v, own_document) for v in value]
    if isinstance(value, dict):
        out = {k: normalise(v, own_document) for k, v in value.items() if k != "source"}
        if "source" in value:
            out["sources"] = citations(value["source"], own_document)
        return out
    return value


def own_rule(rule: Mapping[str, Any], policy_id: str, document: str) -> dict[str, Any]:
    state = rule.get("status", "stated")
    out = {
        "state": state,
        "value": normalise(rule.get("value"), document) if state == "stated" else None,
        "sources": citations(rule.get("source"), document),
        "interpretation": rule.get("interpretation"),
        "note": rule.get("note"),
        "reference": rule.get("reference"),
        "from": policy_id,
    }
    if rule.get("draft"):  # only in the preview (calculator.drafts); a published bundle has none
        out["draft"] = True
    return out


def ancestry(policy_id: str, raw: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """[policy, parent, grandparent, ...], stopping at a missing parent or a cycle."""
    chain = [policy_id]
    while (parent := raw.get(chain[-1], {}).get("extends")) and parent in raw and parent not in chain:
        chain.append(parent)
    return chain


def unknown_rule() -> dict[str, Any]:
    """A rule that no file in the chain states: explicitly unknown, never a default."""
    return {
        "state": "unknown",
        "value": None,
        "sources": [],
        "interpretation": None,
        "note": None,
        "reference": None,
        "from": None,
    }


def resolve_rules(
    policy_id: str, raw: Mapping[str, Mapping[str, Any]], catalog: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    resolved: dict[str, dict[str, Any]] = {rule_id: unknown_rule() for rule_id in catalog}
    for ancestor in reversed(ancestry(policy_id, raw)):
        data = raw[ancestor]
        document = data["document"]["id"]
        for rule_id, rule in data.get("rules", {}).items():
            resolved[rule_id] = own_rule(rule, ancestor, document)
    return resolved


def catalog_from_schema(schema: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    groups = schema.get("x-groups", {})
    catalog = {}
    for rule_id, spec in schema["properties"]["rules"]["properties"].items():
        group = rule_id.split(".", 1)[0]
        catalog[rule_id] = {
            "title": spec["title"],
            "kind": spec["$ref"].rsplit("/", 1)[-1].removesuffix("_rule"),
            "group": group,
            "group_title": groups.get(group, group),
        }
    return catalog


def document_entry(policy_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
    doc = data["document"]
    entry: dict[str, Any] = {"id": doc["id"], "file": doc["file"], "policy": policy_id}
    for key in ("title", "issuer", "number", "dated", "printed"):
        entry[key] = own_rule(doc[key], policy_id, doc["id"])
    return entry


def compile_bundle(
    raw: Mapping[str, Mapping[str, Any]],
    schema: Mapping[str, Any],
    regions: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """`raw`: policy id -> the parsed, already checked policy file."""
    catalog = catalog_from_schema(schema)
    policies = {}
    documents = {}
    for policy_id in sorted(raw):
        data = raw[policy_id]
        document = data["document"]["id"]
        documents[document] = document_entry(policy_id, data)
        policies[policy_id] = {
            "id": policy_id,
            "region": data["region"],
            "region_name": regions.get(data["region"], {}).get("name", data["region"]),
            "year": data["year"],
            "extends": data.get("extends"),
            "document": document,
            "basis": normalise(data.get("basis", []), document),
            "rules": resolve_rules(policy_id, raw, catalog),
            "annexes": normalise(data.get("annexes", []), document),
            "damaged": normalise(data.get("damaged", []), document),
        }
    return {
        "format": BUNDLE_FORMAT,
        "catalog": catalog,
        "regions": dict(regions),
        "documents": documents,
        "policies": policies,
    }
