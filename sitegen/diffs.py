"""`build.py diff`: compare two policies (ids or files), or every policy between a git revision and now.

Each side is loaded and compiled the way the build does (`extends` resolved), so a change in a provincial
notice also shows in the cities that inherit it. Exit status: 0 nothing changed, 1 something changed,
2 the comparison could not be made (unknown policy or revision, a file that fails the schema).
Citation problems on either side are printed as warnings: a diff is often wanted before the check passes.
"""

from __future__ import annotations

import difflib
import io
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .compare import PolicyDiff, diff_documents, diff_policies, empty_policy
from .diff_report import md_escape, report


class DiffError(Exception):
    """The comparison cannot be made; the message says why."""


@dataclass
class Loaded:
    bundle: dict[str, Any]
    root: Path


def load_bundle(
    root: Path, extra: list[Path] | None = None, label: str = "", warn: TextIO = sys.stderr, schema: Path | None = None
) -> Loaded:
    from calculator.bundle import compile_bundle
    from calculator.policy_files import load_policies
    from calculator.schema_check import load_schema, schema_problem

    result = load_policies(root, extra, schema)
    for problem in result.problems:
        print(f"warning{f' ({label})' if label else ''}: {problem}", file=warn)
    if schema_problem(result.schema_file, str(result.schema_file)) is not None:
        raise DiffError(f"the schema {result.schema_file} cannot be used (see above)")
    raw = {pid: p.data for pid, p in result.policies.items()}
    bundle = compile_bundle(raw, load_schema(result.schema_file), result.regions)
    # Files that failed the schema are left out of the bundle; remember them to explain a missing id.
    bundle["_problems"] = [str(p) for p in result.problems]
    return Loaded(bundle, root)


def _policy_root(path: Path) -> Path | None:
    """The policies folder a file sits in (<root>/<region>/<year>.yaml with <root>/sources), if any."""
    root = path.resolve().parent.parent
    return root if (root / "sources").is_dir() and (root / "regions.yaml").is_file() else None


def _side(arg: str, policies_dir: Path, cache: dict[Any, Loaded], warn: TextIO) -> tuple[Loaded, str, str]:
    """(loaded policy set, policy id, label) for a policy id or a policy file."""
    path = Path(arg)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise DiffError(f"no such file: {arg}")
        policy_id = f"{path.resolve().parent.name}/{path.stem}"
        root = _policy_root(path)
        if root is not None and root.resolve() != policies_dir.resolve():
            key: Any = ("root", root.resolve())
            if key not in cache:
                cache[key] = load_bundle(root, label=arg, warn=warn)
        elif root is not None:
            key = ("root", policies_dir.resolve())
            if key not in cache:
                cache[key] = load_bundle(policies_dir, warn=warn)
        else:
            key = ("file", path.resolve())
            cache[key] = load_bundle(policies_dir, [path], label=arg, warn=warn)
        return cache[key], policy_id, arg
    key = ("root", policies_dir.resolve())
    if key not in cache:
        cache[key] = load_bundle(policies_dir, warn=warn)
    return cache[key], arg, arg


def _policy(loaded: Loaded, policy_id: str, label: str) -> dict[str, Any]:
    policies = loaded.bundle["policies"]
    if policy_id in policies:
        return policies[policy_id]
    near = difflib.get_close_matches(policy_id, list(policies), n=1, cutoff=0.5)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    failed = [p for p in loaded.bundle["_problems"] if f"{policy_id}.yaml" in p or f"{policy_id}.yml" in p]
    why = " (it fails the schema: see the warnings above)" if failed else ""
    raise DiffError(f"unknown policy {label!r}{why}{hint} (policies: {', '.join(sorted(policies)) or 'none'})")


def diff_two(a: str, b: str, policies_dir: Path, fmt: str, out: TextIO, warn: TextIO) -> int:
    cache: dict[Any, Loaded] = {}
    loaded_a, id_a, label_a = _side(a, policies_dir, cache, warn)
    loaded_b, id_b, label_b = _side(b, policies_dir, cache, warn)
    pa, pb = _policy(loaded_a, id_a, label_a), _policy(loaded_b, id_b, label_b)
    same = id_a == id_b
    diff = diff_policies(pa, pb, loaded_b.bundle["catalog"], label_a, label_b, details=same)
    if same:
        docs_a, docs_b = loaded_a.bundle["documents"], loaded_b.bundle["documents"]
        if pa["document"] in docs_a and pb["document"] in docs_b:
            diff.extra = diff_documents(docs_a[pa["document"]], docs_b[pb["document"]]) + diff.extra
    out.write(report(diff, loaded_b.bundle["catalog"], fmt) + "\n")
    return 1 if diff.changed else 0


# --- between a git revision and the working tree ------------------------------------------------------------


def _git(cwd: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        if not cwd.is_dir():  # subprocess reports a missing working folder as a missing program
            raise DiffError(f"no such folder: {cwd}") from None
        raise DiffError("git is not installed") from None
    if done.returncode != 0:
        raise DiffError(f"git {' '.join(args)}: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout


def _checkout(policies_dir: Path, rev: str, into: Path) -> Path | None:
    """Extract the policies folder as it was at `rev` into `into`; None when it did not exist then."""
    top = Path(_git(policies_dir, "rev-parse", "--show-toplevel").decode().strip())
    commit = _git(policies_dir, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    rel = policies_dir.resolve().relative_to(top.resolve()).as_posix()
    listed = _git(top, "ls-tree", "--name-only", commit, "--", rel).decode().strip()
    if not listed:
        return None
    archive = _git(top, "archive", "--format=tar", commit, "--", rel)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / rel


def diff_revision(rev: str, policies_dir: Path, fmt: str, out: TextIO, warn: TextIO) -> int:
    with tempfile.TemporaryDirectory(prefix="policies-at-") as tmp:
        try:
            old_root = _checkout(policies_dir, rev, Path(tmp))
        except DiffError as err:
            raise DiffError(f"cannot read revision {rev!r}: {err}") from None
        if old_root is not None and (old_root / "regions.yaml").is_file():
            # Old files against today's schema: a renamed rule key shows as a failing old file.
            from calculator.schema_check import SCHEMA_FILE

            today = policies_dir / "policy.schema.yaml"
            old = load_bundle(old_root, label=rev, warn=warn, schema=today if today.is_file() else SCHEMA_FILE).bundle
        else:
            old = {"policies": {}, "documents": {}}
    new = load_bundle(policies_dir, label="working tree", warn=warn).bundle
    catalog = new["catalog"]
    diffs: list[tuple[str, PolicyDiff]] = []
    for policy_id in sorted(set(old["policies"]) | set(new["policies"])):
        a, b = old["policies"].get(policy_id), new["policies"].get(policy_id)
        if a is not None and b is not None:
            diff = diff_policies(a, b, catalog, f"{rev}:{policy_id}", f"工作区:{policy_id}", details=True)
            docs = diff_documents(old["documents"][a["document"]], new["documents"][b["document"]])
            diff.extra = docs + diff.extra
            heading = f"{policy_id}（{rev} → 工作区）"
        elif b is not None:
            diff = diff_policies(empty_policy(b), b, catalog, f"{rev}:（无）", f"工作区:{policy_id}")
            heading = f"{policy_id}：新增政策（{rev} 时没有）"
        else:
            assert a is not None
            diff = diff_policies(a, empty_policy(a), catalog, f"{rev}:{policy_id}", "工作区:（无）")
            heading = f"{policy_id}：已删除（{rev} 时有）"
        if diff.changed:
            diffs.append((heading, diff))
    if fmt == "md":
        out.write(f"## 政策变化：{md_escape(rev)} → 工作区\n\n")
        if not diffs:
            out.write("没有政策改动。\n")
    for heading, diff in diffs:
        out.write(report(diff, catalog, fmt, heading) + "\n")
    changed_ids = ", ".join(h.split("（")[0].split("：")[0] for h, _ in diffs)
    summary = f"{len(diffs)} of {len(set(old['policies']) | set(new['policies']))} policies changed since {rev}"
    print(summary + (f": {changed_ids}" if diffs else ""), file=warn if fmt == "md" else out)
    return 1 if diffs else 0
