#!/usr/bin/env python3
"""The build and the maintainers' commands.

python build.py [build]            check, compile, generate the pages, render the site into site/ (atomic)
python build.py serve [--port N]   build, then serve site/ on http://127.0.0.1:8000
python build.py check              validate every policy file (one line when all is well)
python build.py compile [--out F]  check, then write the JSON bundle (extends resolved)
python build.py diff A B           rule-by-rule changes between two policies (ids or files)
python build.py diff --rev REV     every policy changed between a git revision and the working tree
                                   (--format text|md; exit 0 nothing changed, 1 changed, 2 error)
python build.py new REGION YEAR [--from ID]
                                   scaffold next year's policy file; its citations are marked 待核对
                                   and `check` refuses it until each is replaced by the new notice's words
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
POLICIES = ROOT / "policies"
BUILD = ROOT / "build"
BUNDLE = BUILD / "policies.json"
SITE = ROOT / "site"
GENERATED = ROOT / "generated"
SITE_SRC = ROOT / "site_src"
MKDOCS_YML = ROOT / "mkdocs.yml"


def check(policies_dir: Path = POLICIES, extra: list[Path] | None = None):  # -> PolicySet | None
    from calculator.policy_files import load_policies

    result = load_policies(policies_dir, extra)
    if result.problems:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        count = len(result.problems)
        print(f"{count} problem{'s' if count != 1 else ''} in the policy files", file=sys.stderr)
        return None
    return result


def write_atomically(path: Path, text: str) -> None:
    """Write next to the target and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        tmp.write(text)
    os.chmod(tmp.name, 0o644)  # NamedTemporaryFile makes 0600; a web server must be able to read the site
    os.replace(tmp.name, path)


def compile_policies(policies_dir: Path = POLICIES, out: Path = BUNDLE) -> dict | None:
    from calculator.bundle import compile_bundle
    from calculator.schema_check import load_schema

    result = check(policies_dir)
    if result is None:
        return None
    raw = {pid: policy.data for pid, policy in result.policies.items()}
    bundle = compile_bundle(raw, load_schema(), result.regions)
    write_atomically(out, json.dumps(bundle, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return bundle


def cmd_check(args: argparse.Namespace) -> int:
    result = check(args.policies)
    if result is None:
        return 1
    rules = sum(len(p.data.get("rules", {})) for p in result.policies.values())
    print(f"ok: {len(result.policies)} policies, {rules} rules, every citation found in its notice")
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    bundle = compile_policies(args.policies, args.out)
    if bundle is None:
        return 1
    print(
        f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}: "
        f"{len(bundle['policies'])} policies"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from sitegen.serve import make_server

    if cmd_build(args) != 0:
        return 1
    site = args.site_dir
    # Text gzip-compressed, as the static hosts the README names serve it: `make serve` shows the real speed.
    with make_server(site, args.port) as server:
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


def cmd_build(args: argparse.Namespace) -> int:
    from sitegen.site import build_site

    bundle_out = BUNDLE if args.policies.resolve() == POLICIES.resolve() else None
    result = build_site(args.policies, args.site_dir, args.generated, MKDOCS_YML, SITE_SRC, bundle_out, site_steps())
    return 0 if result.ok else 1


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
    from sitegen.scaffold import ScaffoldError, write_scaffold

    try:
        path, notes = write_scaffold(args.policies, args.region, args.year, args.from_id)
    except (ScaffoldError, FileExistsError) as err:
        print(f"new: {err}", file=sys.stderr)
        return 2
    shown = path.relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
    print(f"wrote {shown}")
    for note in notes:
        print(f"  - {note}")
    print(
        f"next: archive the notice as {args.policies.name}/sources/{args.region}-{args.year}.txt, "
        "replace every 待核对 citation, then run `python build.py check`"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=Path, default=POLICIES, help="policies folder (default: policies/)")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("check", help="validate every policy file")
    compile_parser = commands.add_parser("compile", help="write the JSON bundle")
    compile_parser.add_argument("--out", type=Path, default=BUNDLE)
    serve_parser = commands.add_parser("serve", help="build and serve on http://127.0.0.1:8000")
    serve_parser.add_argument("--port", type=int, default=8000)
    build_parser = commands.add_parser("build", help="build the site (the default command)")
    for sub in (build_parser, serve_parser):
        sub.add_argument("--site-dir", type=Path, default=SITE, help="where the site goes (default: site/)")
        sub.add_argument(
            "--generated", type=Path, default=GENERATED, help="where the generated Markdown goes (default: generated/)"
        )
    diff_parser = commands.add_parser("diff", help="rule-by-rule changes between two policies or since a revision")
    diff_parser.add_argument("policies_ab", nargs="*", metavar="POLICY", help="policy id (luoyang/2023) or file")
    diff_parser.add_argument("--rev", help="compare every policy with this git revision (e.g. HEAD, main~3)")
    diff_parser.add_argument("--format", choices=("text", "md"), default="text", help="md: for a pull request")
    new_parser = commands.add_parser("new", help="scaffold next year's policy file from an existing one")
    new_parser.add_argument("region", help="region id, e.g. luoyang (see policies/regions.yaml)")
    new_parser.add_argument("year", type=int)
    new_parser.add_argument("--from", dest="from_id", help="the policy to start from (default: the region's latest)")
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "build"])
    handlers = {
        "check": cmd_check,
        "compile": cmd_compile,
        "serve": cmd_serve,
        "build": cmd_build,
        "diff": cmd_diff,
        "new": cmd_new,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
