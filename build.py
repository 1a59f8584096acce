#!/usr/bin/env python3
"""The build and the maintainers' commands.

python build.py [build]            check, compile, generate the pages, render the site into site/ (atomic)
python build.py serve [--port N]   build, then serve site/ on http://127.0.0.1:8000
python build.py build|serve --drafts
                                   the maintainers' preview in build/drafts/site/: rules still marked 待核对
                                   are shown as 草稿 (a normal build refuses them)
python build.py check              validate every policy file (one line when all is well)
python build.py compile [--out F]  check, then write the JSON bundle (extends resolved)
python build.py diff A B           rule-by-rule changes between two policies (ids or files)
python build.py diff --rev REV     every policy changed between a git revision and the working tree
                                   (--format text|md; exit 0 nothing changed, 1 changed, 2 error)
python build.py archive NOTICE.pdf|NOTICE.txt --region R --year Y [--number 文号]
                                   archive a new notice as policies/sources/<region>-<year>.txt
python build.py new REGION YEAR [--from ID] [--notice FILE] [--format text|json]
                                   next year's policy file, every citation aligned to the new notice
                                   (default: the archived one); what is not the same stays marked 待核对
                                   and `check` refuses it until a maintainer has read it

Exit status of every command: 0 done, 1 changed (diff) or the built site failed its own checks (build),
2 bad input or argument (policy files, folders, port), 3 internal error (one line; --debug: the traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from calculator.exits import EXIT_BAD, EXIT_OK, EXIT_SHORT, guarded

ROOT = Path(__file__).resolve().parent
POLICIES = ROOT / "policies"
BUILD = ROOT / "build"
BUNDLE = BUILD / "policies.json"
SITE = ROOT / "site"
GENERATED = ROOT / "generated"
SITE_SRC = ROOT / "site_src"
MKDOCS_YML = ROOT / "mkdocs.yml"
DRAFTS = BUILD / "drafts"


def check(policies_dir: Path = POLICIES, extra: list[Path] | None = None):  # -> PolicySet | None
    from calculator.policy_files import load_policies

    result = load_policies(policies_dir, extra)
    if result.problems:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        count = len(result.problems)
        print(f"政策文件中有 {count} 个问题", file=sys.stderr)
        return None
    return result


def write_atomically(path: Path, text: str) -> None:
    """Write next to the target and rename (mode 0644), so a reader never sees half a file; a special file or
    a symlink is written through, never replaced (calculator/outfile.py)."""
    from calculator.outfile import write_text

    write_text(path, text)


def compile_policies(policies_dir: Path = POLICIES, out: Path = BUNDLE) -> dict | None:
    from calculator.bundle import compile_bundle
    from calculator.schema_check import load_schema

    result = check(policies_dir)
    if result is None:
        return None
    raw = {pid: policy.data for pid, policy in result.policies.items()}
    bundle = compile_bundle(raw, load_schema(result.schema_file), result.regions)
    write_atomically(out, json.dumps(bundle, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return bundle


def cmd_check(args: argparse.Namespace) -> int:
    result = check(args.policies)
    if result is None:
        return EXIT_BAD  # the policy files are the input: bad input, not "not yet"
    rules = sum(len(p.data.get("rules", {})) for p in result.policies.values())
    print(f"无误：{len(result.policies)} 个政策、{rules} 条规则，每条引文都在其通知原文中")
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    from calculator.outfile import OutputError, output_problem

    refused = output_problem(args.out)  # before the check: say at once that --out cannot be written
    if refused:
        print(f"compile --out: {refused}", file=sys.stderr)
        return EXIT_BAD
    try:
        bundle = compile_policies(args.policies, args.out)
    except (OutputError, OSError) as err:
        print(f"compile --out {args.out}：无法写入：{getattr(err, 'strerror', None) or err}", file=sys.stderr)
        return EXIT_BAD
    if bundle is None:
        return EXIT_BAD
    print(
        f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}: "
        f"{len(bundle['policies'])} policies"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from sitegen.serve import make_server

    _site_dirs(args)
    site = args.site_dir
    try:  # the port first: a port in use is refused before a 30-second build
        # Text gzip-compressed, as the static hosts the README names serve it: `make serve` shows the real speed.
        server = make_server(site, args.port)
    except OSError as err:
        print(f"serve --port {args.port}：无法监听 127.0.0.1:{args.port}：{err.strerror or err}", file=sys.stderr)
        return EXIT_BAD
    with server:
        code = cmd_build(args)
        if code != EXIT_OK:
            return code
        print(f"serving {site.name}/ on http://127.0.0.1:{args.port}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def site_steps() -> list:
    """Steps on the rendered site: each page's CSP first (the service worker's version hashes the pages as
    they will be served), then the calculator's Pyodide runtime, wheel, lock file and service worker."""
    from webcalc.site_steps import calculator_runtime, content_security_policy

    return [("csp", content_security_policy), ("calculator", calculator_runtime)]


def _site_dirs(args: argparse.Namespace) -> None:
    """The folders a build writes, defaults filled in: the drafts' preview never goes to site/."""
    drafts = getattr(args, "drafts", False)
    args.site_dir = args.site_dir or (DRAFTS / "site" if drafts else SITE)
    args.generated = args.generated or (DRAFTS / "generated" if drafts else GENERATED)


def _build_exit(result) -> int:  # sitegen.site.BuildResult
    if result.ok:
        return EXIT_OK
    # Refused folders and bad policy files are bad input; a later step failing is the site failing its checks.
    return EXIT_BAD if result.step in ("arguments", "check") else EXIT_SHORT


def cmd_build(args: argparse.Namespace) -> int:
    from sitegen.site import build_site

    _site_dirs(args)
    drafts = getattr(args, "drafts", False)
    if drafts:  # the preview goes elsewhere: site/ and the engine's bundle never hold a draft
        print("草稿预览：尚未核对的规则标为“草稿”；正式构建（不加 --drafts）在核对完之前拒绝构建", file=sys.stderr)
        bundle_out, owned = None, (DRAFTS / "site", DRAFTS / "generated")
    else:
        bundle_out = BUNDLE if args.policies.resolve() == POLICIES.resolve() else None
        owned = (SITE, GENERATED)  # the checkout's own output folders (in .gitignore)
    result = build_site(
        args.policies,
        args.site_dir,
        args.generated,
        MKDOCS_YML,
        SITE_SRC,
        bundle_out,
        site_steps(),
        owned=owned,
        drafts=drafts,
    )
    if drafts and result.ok:
        print(f"草稿预览在 {args.site_dir}（不是发布用的 site/）", file=sys.stderr)
    return _build_exit(result)


def cmd_diff(args: argparse.Namespace) -> int:
    from sitegen.diffs import DiffError, diff_revision, diff_two

    try:
        if args.rev is not None:
            if args.policies_ab:
                print("diff: give either two policies or --rev REV, not both", file=sys.stderr)
                return 2
            return diff_revision(args.rev, args.policies, args.format, sys.stdout, sys.stderr)
        if len(args.policies_ab) != 2:
            print("diff: give two policies (ids such as luoyang/2023, or policy files), or --rev REV", file=sys.stderr)
            return 2
        first, second = args.policies_ab
        return diff_two(first, second, args.policies, args.format, sys.stdout, sys.stderr)
    except DiffError as err:
        print(f"diff: {err}", file=sys.stderr)
        return 2


def cmd_new(args: argparse.Namespace) -> int:
    from calculator.problems import InputError
    from sitegen.align import table
    from sitegen.scaffold import ScaffoldError, write_scaffold

    notice_path = args.notice or args.policies / "sources" / f"{args.region}-{args.year}.txt"
    notice = None
    if args.notice is not None or notice_path.is_file():
        try:
            notice = notice_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            print(f"new: 找不到新通知 {notice_path}", file=sys.stderr)
            return 2
        except UnicodeDecodeError:
            print(f"new: {notice_path} 不是 UTF-8 文本；PDF 请先用 `build.py archive` 存档", file=sys.stderr)
            return 2
    if notice is None and args.format == "json":
        print(f"new: 没有新通知可对齐（{notice_path} 未存档，也没有给 --notice）", file=sys.stderr)
        return 2
    try:
        made = write_scaffold(args.policies, args.region, args.year, args.from_id, notice)
    except (ScaffoldError, FileExistsError, InputError) as err:
        print(f"new: {err}", file=sys.stderr)
        return 2
    shown = made.path.relative_to(ROOT) if made.path.resolve().is_relative_to(ROOT) else made.path
    if args.format == "json":
        print(json.dumps([o.as_json() for o in made.outcomes or []], ensure_ascii=False, indent=1))
        return 0
    print(f"已写出 {shown}")
    for note in made.notes:
        print(f"  - {note}")
    if made.outcomes is None:
        print(
            f"下一步：存档新通知（`python build.py archive 通知.pdf --region {args.region} --year {args.year}`），"
            "删去本文件后重新运行本命令，即可逐条对齐引文；或逐条替换 待核对 引文。然后 `python build.py check`"
        )
        return 0
    print(f"对齐到 {notice_path.name}：")
    print(table(made.outcomes))
    print(
        "下一步：逐条读“有改动”和“未找到”的规则，改对后删去 待核对 标记；"
        "`python build.py serve --drafts` 预览，`python build.py check` 校验"
    )
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    from calculator.policy_files import load_regions
    from sitegen.archive import ArchiveError, ToolMissing, archive

    try:
        done = archive(args.notice, args.policies, args.region, args.year, args.number, load_regions(args.policies))
    except ArchiveError as err:
        print(f"archive: {err}", file=sys.stderr)
        return 2
    except ToolMissing as err:
        print(f"archive: {err}", file=sys.stderr)
        return 3
    shown = done.path.relative_to(ROOT) if done.path.resolve().is_relative_to(ROOT) else done.path
    print(f"已存档 {shown}（{done.characters} 个字符，{done.lines} 行），并在来源表中登记")
    for warning in done.warnings:
        print(f"  注意：{warning}")
    print(
        "请打开存档的文本，对照原件核对：段落顺序、表格的行、数字和日期；损坏的段落记入政策文件的 damaged:，"
        "不要修改存档。下一步："
        f"`python build.py new {args.region} {args.year}`（默认从该地区最近一年的政策开始，或用 --from 指定）"
    )
    return 0


def _port(text: str) -> int:
    """--port: a TCP port, 1 to 65535 (refused by argparse, exit 2, before anything is built)."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"端口应为 1 到 65535 的整数，不是 {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=Path, default=POLICIES, help="policies folder (default: policies/)")
    parser.add_argument("--debug", action="store_true", help="on an internal error, print the traceback")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("check", help="validate every policy file")
    compile_parser = commands.add_parser("compile", help="write the JSON bundle")
    compile_parser.add_argument("--out", type=Path, default=BUNDLE)
    serve_parser = commands.add_parser("serve", help="build and serve on http://127.0.0.1:8000")
    serve_parser.add_argument("--port", type=_port, default=8000)
    build_parser = commands.add_parser("build", help="build the site (the default command)")
    for sub in (build_parser, serve_parser):
        sub.add_argument(
            "--site-dir", type=Path, help="where the site goes (default: site/; drafts: build/drafts/site/)"
        )
        sub.add_argument("--generated", type=Path, help="where the generated Markdown goes (default: generated/)")
        sub.add_argument("--drafts", action="store_true", help="preview: rules still marked 待核对 shown as 草稿")
    diff_parser = commands.add_parser("diff", help="rule-by-rule changes between two policies or since a revision")
    diff_parser.add_argument("policies_ab", nargs="*", metavar="POLICY", help="policy id (luoyang/2023) or file")
    diff_parser.add_argument("--rev", help="compare every policy with this git revision (e.g. HEAD, main~3)")
    diff_parser.add_argument("--format", choices=("text", "md"), default="text", help="md: for a pull request")
    new_parser = commands.add_parser("new", help="scaffold next year's policy file from an existing one")
    new_parser.add_argument("region", help="region id, e.g. luoyang (see policies/regions.yaml)")
    new_parser.add_argument("year", type=int)
    new_parser.add_argument("--from", dest="from_id", help="the policy to start from (default: the region's latest)")
    new_parser.add_argument(
        "--notice", type=Path, help="the new notice's text (default: policies/sources/<region>-<year>.txt)"
    )
    new_parser.add_argument("--format", choices=("text", "json"), default="text", help="json: the outcomes")
    archive_parser = commands.add_parser("archive", help="archive a new notice (PDF or text) in policies/sources/")
    archive_parser.add_argument("notice", type=Path, help="the notice: NOTICE.pdf or NOTICE.txt")
    archive_parser.add_argument("--region", required=True, help="region id, e.g. luoyang")
    archive_parser.add_argument("--year", required=True, type=int)
    archive_parser.add_argument("--number", help="the notice's document number (文号), as printed")
    for sub in commands.choices.values():  # `build.py check --debug` as well as `build.py --debug check`
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "build"])
    if not args.policies.is_dir():
        shown = "不是文件夹" if args.policies.exists() else "不存在"
        print(f"--policies {args.policies}：{shown}；应为政策文件夹（含 regions.yaml 和 sources/）", file=sys.stderr)
        return EXIT_BAD
    handlers = {
        "check": cmd_check,
        "compile": cmd_compile,
        "serve": cmd_serve,
        "build": cmd_build,
        "diff": cmd_diff,
        "new": cmd_new,
        "archive": cmd_archive,
    }
    return guarded(lambda: handlers[args.command](args), args.debug)


if __name__ == "__main__":
    sys.exit(main())
