"""Find, read and check every policy file under a policies folder (build-time code).

A policies folder holds `<region>/<year>.yaml`, `sources/<document>.txt` (the archived notices),
`regions.yaml` and the schema (its own `policy.schema.yaml` when it has one, else the checkout's).
`load_policies` returns the parsed files and every problem found, so that `build.py check` can report
them all at once; a notice that is not UTF-8 or a broken regions.yaml is one problem naming that file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from .drafts import prepare
from .policy_checks import check_policy_set
from .problems import InputError, Path, Problem
from .schema_check import SCHEMA_FILE, check_schema, schema_problem
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
    schema_file: FsPath = SCHEMA_FILE  # the schema the files were checked against


def policy_paths(root: FsPath) -> list[FsPath]:
    return sorted(p for p in root.glob("*/*.y*ml") if p.parent.name != "sources")


def load_notices(root: FsPath, problems: list[Problem] | None = None) -> dict[str, str]:
    """document id -> archived text; a file that cannot be read as UTF-8 is a problem (and left out)."""
    notices = {}
    for path in sorted((root / "sources").glob("*.txt")):
        raw = path.read_bytes()
        try:
            notices[path.stem] = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            message = f"存档的通知不是 UTF-8 文本（第 {err.start} 个字节 0x{raw[err.start]:02x}）；请另存为 UTF-8"
            if problems is None:
                raise InputError([Problem(_shown(path, root), line, "", message)]) from None
            problems.append(Problem(_shown(path, root), line, "", message))
    return notices


def load_regions(root: FsPath, problems: list[Problem] | None = None) -> dict[str, dict[str, str]]:
    """region id -> {name, level}, from regions.yaml (read as strictly as a policy file). When the file is
    missing or malformed: one problem naming it (and its line) in `problems`, or InputError without a list."""
    path = root / "regions.yaml"
    shown = _shown(path, root)
    found: list[Problem] = []
    regions: dict[str, dict[str, str]] = {}
    try:
        data, lines = read_yaml(path, shown)
    except FileNotFoundError:
        found.append(
            Problem(shown, 0, "", "找不到地区表 regions.yaml（每个地区一行：编号: {name: 中文名, level: ...}）")
        )
    except InputError as err:
        found.extend(err.problems)
    else:
        if not isinstance(data, dict):
            found.append(Problem(shown, 1, "", "地区表应为 编号: {name: 中文名, level: province|city} 的映射"))
        else:
            for region, info in data.items():
                if not isinstance(info, dict) or not isinstance(info.get("name"), str):
                    line = lines.get((region,), 0)
                    message = f"地区 {region!r} 应写作 编号: {{name: 中文名, level: province|city}}"
                    found.append(Problem(shown, line, "", message))
                else:
                    regions[region] = info
    if found and problems is None:
        raise InputError(found)
    if problems is not None:
        problems.extend(found)
    return regions


def load_policies(
    root: FsPath, extra_files: list[FsPath] | None = None, schema_file: FsPath | None = None, drafts: bool = False
) -> PolicySet:
    """Read and check every policy file under `root`; each of `extra_files` replaces the file of its id.
    The schema: `schema_file` if given, else root's policy.schema.yaml, else the checkout's.
    With `drafts` (the preview), items still marked 待核对 pass as drafts (calculator.drafts)."""
    problems: list[Problem] = []
    policies: dict[str, PolicyFile] = {}
    if schema_file is None:
        schema_file = root / "policy.schema.yaml" if (root / "policy.schema.yaml").is_file() else SCHEMA_FILE
    broken = schema_problem(schema_file, _shown(schema_file, root))
    if broken is not None:  # every file would fail against it: say so once
        return PolicySet(root, {}, {}, {}, [broken], schema_file)
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
        schema_problems = check_schema(data, lines, shown, schema_file)
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
    notices = load_notices(root, problems)
    region_problems: list[Problem] = []
    regions = load_regions(root, region_problems)
    problems.extend(region_problems)
    # Without a readable region table every file's region would look unknown: the table's problem says it all.
    problems.extend(check_policy_set(policies, notices, regions, drafts, check_regions=not region_problems))
    if drafts:
        for policy in policies.values():
            policy.data = prepare(policy.data, notices)
    return PolicySet(root, policies, notices, regions, sorted(set(problems)), schema_file)


def _shown(path: FsPath, root: FsPath) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve().parent))
    except ValueError:
        return str(path)


def _policy_id(path: FsPath, root: FsPath) -> str:
    """`<region>/<year>` from the file's last two path parts (the file may sit outside `root`)."""
    return f"{path.parent.name}/{path.stem}"
