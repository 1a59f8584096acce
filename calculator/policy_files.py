"""Find, read and check every policy file under a policies folder (build-time code).

A policies folder holds `<region>/<year>.yaml`, `sources/<document>.txt` (the archived notices),
`regions.yaml` and the schema. `load_policies` returns the parsed files and every problem found,
so that `build.py check` can report them all at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml

from .drafts import prepare
from .policy_checks import check_policy_set
from .problems import InputError, Path, Problem
from .schema_check import check_schema
from .yaml_source import read_yaml

POLICY_FILE = re.compile(r"^(?P<region>[^/]+)/(?P<year>[^/]+)\.ya?ml$")


@dataclass
class PolicyFile:
    id: str  # "luoyang/2023", from the file's path
    shown_as: str  # the path as messages print it
    data: dict[str, Any]
    lines: dict[Path, int] = field(default_factory=dict)


@dataclass
class PolicySet:
    root: FsPath
    policies: dict[str, PolicyFile]
    notices: dict[str, str]  # document id -> archived text
    regions: dict[str, dict[str, str]]
    problems: list[Problem]


def policy_paths(root: FsPath) -> list[FsPath]:
    return sorted(p for p in root.glob("*/*.y*ml") if p.parent.name != "sources")


def load_notices(root: FsPath) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted((root / "sources").glob("*.txt"))}


def load_regions(root: FsPath) -> dict[str, dict[str, str]]:
    with (root / "regions.yaml").open(encoding="utf-8") as handle:
        regions: dict[str, dict[str, str]] = yaml.safe_load(handle)
    return regions


def load_policies(root: FsPath, extra_files: list[FsPath] | None = None, drafts: bool = False) -> PolicySet:
    """Read and check every policy file under `root`; each of `extra_files` replaces the file of its id.
    With `drafts` (the preview), items still marked 待核对 pass as drafts (calculator.drafts)."""
    problems: list[Problem] = []
    policies: dict[str, PolicyFile] = {}
    # Extra files (drafts to compare) come first and stand in for the archived file of the same id.
    extra = list(extra_files or [])
    replaced = {_policy_id(path, root) for path in extra}
    for path in [*extra, *(p for p in policy_paths(root) if _policy_id(p, root) not in replaced)]:
        shown = _shown(path, root)
        try:
            data, lines = read_yaml(path, shown)
        except InputError as err:
            problems.extend(err.problems)
            continue
        if not isinstance(data, dict):
            problems.append(Problem(shown, 1, "", "政策文件必须是字段的映射（region、year……），不能是列表或单个值"))
            continue
        schema_problems = check_schema(data, lines, shown)
        problems.extend(schema_problems)
        policy_id = _policy_id(path, root)
        if policy_id in policies:
            problems.append(
                Problem(shown, 0, "", f"政策 {policy_id} 出现了两次（另一份是 {policies[policy_id].shown_as}）")
            )
            continue
        if schema_problems:
            continue
        policies[policy_id] = PolicyFile(policy_id, shown, data, lines)
    notices = load_notices(root)
    regions = load_regions(root)
    problems.extend(check_policy_set(policies, notices, regions, drafts))
    if drafts:
        for policy in policies.values():
            policy.data = prepare(policy.data, notices)
    return PolicySet(root, policies, notices, regions, sorted(set(problems)))


def _shown(path: FsPath, root: FsPath) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve().parent))
    except ValueError:
        return str(path)


def _policy_id(path: FsPath, root: FsPath) -> str:
    """`<region>/<year>` from the file's last two path parts (the file may sit outside `root`)."""
    return f"{path.parent.name}/{path.stem}"
