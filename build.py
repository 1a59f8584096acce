#!/usr/bin/env python3
"""The build and the maintainers' commands.

    python build.py check              validate every policy file (one line when all is well)
    python build.py compile [--out F]  check, then write the JSON bundle (extends resolved)
    python build.py serve              build, then serve the site on http://127.0.0.1:8000
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
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}: "
          f"{len(bundle['policies'])} policies")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import functools
    import http.server

    if cmd_build(args) != 0:
        return 1
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        print(f"serving {SITE.relative_to(ROOT)}/ on http://127.0.0.1:{args.port}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    bundle = compile_policies(args.policies)
    if bundle is None:
        return 1
    # Until the site generator lands, publish the bundle itself so `make serve` serves what there is.
    write_atomically(SITE / "policies.json", json.dumps(bundle, ensure_ascii=False, indent=1))
    items = "".join(f'<li>{p["region_name"]} {p["year"]}</li>' for p in bundle["policies"].values())
    write_atomically(SITE / "index.html", "<!doctype html><html lang=zh-CN><meta charset=utf-8>"
                     f"<title>继续教育学时政策</title><h1>继续教育学时政策</h1><ul>{items}</ul>"
                     '<p><a href="policies.json">policies.json</a></p></html>\n')
    print(f"built {SITE.relative_to(ROOT)}/")
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
    commands.add_parser("build", help="build the site")
    args = parser.parse_args(argv)
    handlers = {"check": cmd_check, "compile": cmd_compile, "serve": cmd_serve, "build": cmd_build, None: cmd_build}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
