"""The site build: check -> compile -> generate Markdown -> render with MkDocs -> [extra steps] -> check links
-> swap in. Extra steps (name, function(site folder, bundle)) work on the rendered site before it is checked.

Atomic: the site is rendered into a temporary folder next to the target and only moved into place once every
step has passed, so a failed build leaves the previous site as it was. A failure names its step and, for bad
policy input, every problem as `file:line: field: message` (no traceback).

Never deletes what it did not write: the site folder and the generated docs folder are replaced only when they
are empty or carry the marker file (MARKER) an earlier build wrote into them; otherwise the build refuses before
doing any work (step "arguments"). Temporary folders are named `.site-<pid>-*`, `.docs-<pid>-*` and
`.<name>-old-<pid>-*` (covered by .gitignore); a build that was killed leaves them, and the next build removes
those whose process is gone.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .linkcheck import check_site
from .pages import SiteError, generate
from .render import RenderError, render


@dataclass
class BuildResult:
    ok: bool
    step: str = ""  # the step that failed
    timings: dict[str, float] = field(default_factory=dict)
    pages: int = 0
    policies: int = 0
    bundle: dict[str, Any] | None = None


class _Failed(Exception):
    def __init__(self, step: str, message: str):
        super().__init__(message)
        self.step = step


def build_site(
    policies_dir: Path,
    site_dir: Path,
    generated_dir: Path,
    config_file: Path,
    site_src: Path,
    bundle_out: Path | None = None,
    extra_steps: Sequence[tuple[str, Callable[[Path, dict[str, Any]], None]]] = (),
    out: TextIO | None = None,
    err: TextIO | None = None,
    owned: Sequence[Path] = (),
    drafts: bool = False,
) -> BuildResult:
    """`owned`: folders that are the build's own (the checkout's site/ and generated/, in .gitignore), replaced
    even without the marker (builds before the marker existed did not write one).
    `drafts`: the maintainers' preview, in which rules still marked 待核对 are built as drafts (marked
    草稿 on every page) instead of failing the check; never for the published site."""
    out = out or sys.stdout  # looked up per call, so a redirected sys.stdout is honoured
    err = err or sys.stderr
    result = BuildResult(ok=False)
    docs = generated_dir / "docs"
    own = {path.resolve() for path in owned}
    refused = output_problem(site_dir, "--site-dir", site_dir.resolve() in own) or output_problem(
        docs, "--generated", generated_dir.resolve() in own, generated_dir
    )
    if refused:
        result.step = "arguments"
        print(f"构建被拒绝：{refused}", file=err)
        return result
    site_dir = site_dir.resolve()  # a symlink to the site is followed, never replaced
    clean_stale(site_dir.parent, site_dir.name)  # what a killed build left, before anything can fail
    clean_stale(generated_dir, docs.name)

    def step(name: str, action: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            value = action()
        finally:
            result.timings[name] = time.perf_counter() - start
        return value

    try:
        policy_set = step("check", lambda: _check(policies_dir, err, drafts))
        bundle = step("compile", lambda: _compile(policy_set, bundle_out))
        result.bundle, result.policies = bundle, len(bundle["policies"])
        result.pages = len(
            step("generate", lambda: _generate(bundle, policy_set.notices, docs, site_src, policies_dir))
        )
        site_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = _mkdtemp(".site-", site_dir.parent)
        try:
            step("render", lambda: _render(config_file, docs, staging))
            for name, action in extra_steps:  # e.g. the calculator's runtime, a Content-Security-Policy
                step(name, functools.partial(_extra, name, action, staging, bundle))
            step("links", lambda: _links(staging))
            _mark(staging)
            _swap(staging, site_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except _Failed as failure:
        result.step = failure.step
        print(f"build failed at step '{failure.step}': {failure}", file=err)
        print(f"{site_dir.name}/ left as it was", file=err)
        return result
    result.ok = True
    steps = " · ".join(f"{name} {seconds:.1f}s" for name, seconds in result.timings.items())
    print(f"built {site_dir.name}/: {result.policies} policies, {result.pages} pages ({steps})", file=out)
    return result


def _check(policies_dir: Path, err: TextIO, drafts: bool = False) -> Any:
    from calculator.policy_files import load_policies

    if not policies_dir.is_dir():
        raise _Failed("check", f"no policies folder {policies_dir}")
    policy_set = load_policies(policies_dir, drafts=drafts)
    if policy_set.problems:
        for problem in policy_set.problems:
            print(problem, file=err)
        count = len(policy_set.problems)
        raise _Failed("check", f"{count} problem{'s' if count != 1 else ''} in the policy files (listed above)")
    if not policy_set.policies:
        raise _Failed("check", f"no policy files under {policies_dir}")
    return policy_set


def _compile(policy_set: Any, bundle_out: Path | None) -> dict[str, Any]:
    from calculator.bundle import compile_bundle
    from calculator.schema_check import load_schema

    raw = {pid: policy.data for pid, policy in policy_set.policies.items()}
    bundle = compile_bundle(raw, load_schema(policy_set.schema_file), policy_set.regions)
    if bundle_out is not None:
        _write(bundle_out, json.dumps(bundle, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return bundle


def _generate(
    bundle: dict[str, Any], notices: dict[str, str], docs: Path, site_src: Path, policies_dir: Path
) -> list[str]:
    """Generate into a fresh folder, then put it in place of the previous generated docs."""
    docs.parent.mkdir(parents=True, exist_ok=True)
    fresh = _mkdtemp(".docs-", docs.parent)
    try:
        pages = generate(bundle, notices, fresh, site_src)
        for document in bundle["documents"]:  # each archived notice as received, byte for byte, to download
            (fresh / "notices").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(policies_dir / "sources" / f"{document}.txt", fresh / "notices" / f"{document}.txt")
        (fresh / "policies.json").write_text(
            json.dumps(bundle, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
        _mark(fresh)  # a dot file: MkDocs leaves it out of the site
    except SiteError as error:
        shutil.rmtree(fresh, ignore_errors=True)
        raise _Failed("generate", str(error)) from None
    _swap(fresh, docs)
    return pages


def _render(config_file: Path, docs: Path, staging: Path) -> None:
    try:
        render(config_file, docs, staging)
    except RenderError as error:
        raise _Failed("render (mkdocs build --strict)", str(error)) from None


def _extra(name: str, action: Callable[[Path, dict[str, Any]], None], staging: Path, bundle: dict[str, Any]) -> None:
    """A later step on the rendered site (before the link check and the swap); a SiteError fails it cleanly."""
    try:
        action(staging, bundle)
    except SiteError as error:
        raise _Failed(name, str(error)) from None


def _links(site: Path) -> None:
    problems = check_site(site)
    if problems:
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise _Failed("links", f"{len(problems)} broken links or external loads:\n  {shown}{more}")


MARKER = ".built-by-build-py"
MARKER_TEXT = "由 python build.py build 写出；下次构建会整个替换这个文件夹。\n"
# Exactly the names _mkdtemp and _swap give: `.site-<pid>-<8 random>`, `.<target>-old-<pid>-<ns>`.
_TEMPORARY = re.compile(r"^\.(?:(?:site|docs)-(?P<pid>\d+)-[a-z0-9_]{8}|(?P<target>.+)-old-(?P<old_pid>\d+)-\d+)$")


def output_problem(folder: Path, option: str, owned: bool, given: Path | None = None) -> str:
    """Why the build must not replace `folder` ("" when it may): only an empty folder or one an earlier build
    marked is replaced; never the file-system root or a folder holding this project. `given` is the folder
    the option named when `folder` is inside it (--generated DIR replaces DIR/docs)."""
    named = given or folder
    if named.exists() and not named.is_dir():
        return f"{option} {named}：这是一个文件，不是文件夹；请给一个文件夹（那个文件未改动）"
    resolved = folder.resolve()
    if resolved.parent == resolved:
        return f"{option} {named}：不能是根目录（构建会替换整个文件夹）"
    project = Path(__file__).resolve().parent.parent
    if project.is_relative_to(resolved):
        return f"{option} {named}：这个文件夹包含本项目（{project}），构建会整个替换它；请另选一个文件夹"
    if owned or not resolved.exists():
        return ""
    if not resolved.is_dir():
        return f"{option} {named}：{folder} 是一个文件，不是文件夹；请另选位置（那个文件未改动）"
    if (resolved / MARKER).is_file() or not any(resolved.iterdir()):
        return ""
    return (
        f"{option} {named}：{folder} 里有不是构建写出的文件（没有构建留下的标记文件 {MARKER}），"
        "构建会整个替换这个文件夹；请给一个空文件夹或以前构建过的文件夹（其中的文件未改动）"
    )


def _mark(folder: Path) -> None:
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but not ours to signal
        return True
    return True


def clean_stale(parent: Path, target: str) -> None:
    """Remove the temporary folders that killed builds (their process is gone) left next to `target`."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if not match or match["target"] not in (None, target) or not entry.is_dir() or entry.is_symlink():
            continue
        if not _alive(int(match["pid"] or match["old_pid"])):
            shutil.rmtree(entry, ignore_errors=True)


def _mkdtemp(prefix: str, parent: Path) -> Path:
    """A temporary folder that will become a normal one: mkdtemp's 0700 widened to what the umask allows.
    Its name carries the process id, so that a later build can tell a killed build's leftovers."""
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o777 & ~umask)
    return path


def _swap(fresh: Path, target: Path) -> None:
    """Put `fresh` where `target` is; the old one is moved aside first and removed after."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(target, old)
    os.replace(fresh, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write(path: Path, text: str) -> None:
    from calculator.outfile import write_text

    write_text(path, text)
