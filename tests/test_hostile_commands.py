"""Hostile input on the command lines: every case gets a clear answer, the right exit code and no traceback.

One table of cases (like tests/test_bad_policies.py) across `python -m calculator check|policies` (person JSON,
bundles), the policy files (`build.py check`), `compile --out`, `build`, `serve`, `diff` and `new`. Each case
prepares a temporary folder, runs the real command (its `main()`, or a process where a pipe or a port is
involved), and asserts the exit code (0 done, 1 not yet/changed, 2 bad input, 3 internal error), that the
message names what is wrong (file, field, line), that no traceback is printed, and that nothing valid was
lost or touched (a folder with foreign files, a symlink, a FIFO, the previous output). The last test reads the
captured output of every case and finds no "Traceback".
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import build
from calculator import cli
from calculator.bundle import compile_bundle
from calculator.policy_files import load_policies
from calculator.schema_check import load_schema
from sitegen import site as site_module

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
LUOYANG = "luoyang/2023.yaml"
TOTAL_QUOTE = "source: 每年累计应不少于90学时"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.err + self.out


# ---- how a case runs its command ---------------------------------------------------------------------------


def run_calculator(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    try:
        code = cli.main(list(argv), out, err)
    except SystemExit as stop:  # argparse
        code = int(stop.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


def run_build(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = build.main(list(argv))
        except SystemExit as stop:  # argparse
            code = int(stop.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


def run_process(*argv: str, close_stdout: bool = False, timeout: float = 120) -> Run:
    """A real process; close_stdout: the reader goes away at once, as `... | head -1` does."""
    process = subprocess.Popen(
        [sys.executable, *argv], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    if close_stdout:
        assert process.stdout is not None
        process.stdout.close()
        err = process.stderr.read() if process.stderr else b""
        process.wait(timeout=timeout)
        return Run(process.returncode, "", err.decode("utf-8", "replace"))
    out, err = process.communicate(timeout=timeout)
    return Run(process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


# ---- inputs ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real policies compiled once (so no case touches the checkout's build/policies.json)."""
    result = load_policies(POLICIES)
    assert not result.problems
    bundle = compile_bundle({pid: p.data for pid, p in result.policies.items()}, load_schema(), result.regions)
    path = tmp_path_factory.mktemp("bundle") / "policies.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return path


BUNDLE: list[Path] = []  # set by the case runner: the module's bundle file


def write(tmp: Path, name: str, content: str | bytes) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def person(tmp: Path, content: str | bytes | dict, name: str = "person.json") -> str:
    text = content if isinstance(content, str | bytes) else json.dumps(content, ensure_ascii=False)
    return str(write(tmp, name, text))


def check(tmp: Path, content: str | bytes | dict, *more: str) -> Callable[[], Run]:
    path = person(tmp, content)
    return lambda: run_calculator("check", path, "--bundle", str(BUNDLE[0]), "--as-of", "2023-06-01", *more)


def with_bundle(tmp: Path, bundle: str, *argv: str) -> Callable[[], Run]:
    path = write(tmp, "bundle.json", bundle)
    subject = person(tmp, {"policy": "x/2023", "records": []})
    args = [a.replace("PERSON", subject) for a in argv]
    return lambda: run_calculator(*args, "--bundle", str(path))


def policies(tmp: Path) -> Path:
    """A copy of the real policies folder in `tmp` (made once per case)."""
    folder = tmp / "policies"
    if not folder.exists():
        shutil.copytree(POLICIES, folder)
    return folder


def edit(tmp: Path, old: str, new: str, file: str = LUOYANG) -> Path:
    folder = policies(tmp)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {file}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def policy_check(folder: Path) -> Callable[[], Run]:
    return lambda: run_build("--policies", str(folder), "check")


def deep_yaml(tmp: Path) -> Path:
    folder = policies(tmp)
    write(folder, LUOYANG, "region: luoyang\nyear: 2023\nx: " + "[" * 3000 + "]" * 3000 + "\n")
    return folder


def foreign_folder(tmp: Path, name: str) -> Path:
    folder = tmp / name
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine, not the build's", encoding="utf-8")
    return folder


def untouched(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"], list(folder.iterdir())
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine, not the build's"


def dead_pid() -> int:
    """The id of a process that has ended (a later build must treat its temporary folders as stale)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


BAD_RECORD = {"date": "x", "category": "y", "hours": "z"}
HUNDRED_THOUSAND_BAD = {"policy": "luoyang/2023", "records": [BAD_RECORD] * 100_000}
TWENTY_THOUSAND_BAD = {"policy": "luoyang/2023", "records": [BAD_RECORD] * 20_000}
# A bundle that passes the shape check but whose deadline is not a date: the engine fails inside.
BROKEN_DEADLINE_BUNDLE = json.dumps(
    {
        "policies": {
            "x/2023": {
                "region": "x",
                "year": 2023,
                "document": "x-2023",
                "rules": {"deadlines.completion": {"state": "stated", "value": "not-a-date"}},
            }
        }
    }
)


# ---- the cases ---------------------------------------------------------------------------------------------


@dataclass
class Case:
    id: str
    area: str
    prepare: Callable[[Path], Callable[[], Run]]  # set up tmp, return the command to run
    code: int
    says: str  # a regex the output must contain: names what is wrong and where
    kept: Callable[[Path, Run], None] | None = None  # nothing valid lost or touched
    never: str | None = None  # a regex the output must not contain (a wrong or misleading message)


def _lines_at_most(limit: int) -> Callable[[Path, Run], None]:
    def kept(tmp: Path, run: Run) -> None:
        assert len(run.err.splitlines()) <= limit, len(run.err.splitlines())

    return kept


def _json_bounded(tmp: Path, run: Run) -> None:
    body = json.loads(run.out)
    assert len(body["errors"]) == cli.MAX_SHOWN and body["error_count"] == 60_000


def _no_bundle_written(tmp: Path, run: Run) -> None:
    assert not (tmp / "out.json").exists()


def _symlink_kept(tmp: Path, run: Run) -> None:
    link = tmp / "link.json"
    assert link.is_symlink() and os.readlink(link) == str(tmp / "real.json")
    assert json.loads((tmp / "real.json").read_text(encoding="utf-8"))["policies"]


def _device_link_kept(tmp: Path, run: Run) -> None:
    assert (tmp / "null").is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def _fifo_kept(tmp: Path, run: Run) -> None:
    assert stat.S_ISFIFO(os.lstat(tmp / "fifo").st_mode)
    assert json.loads(READ_FROM_FIFO[-1])["policies"]  # everything went through the FIFO


def _mode_0644(tmp: Path, run: Run) -> None:
    assert stat.S_IMODE((tmp / "new" / "folder" / "policies.json").stat().st_mode) == 0o644


READ_FROM_FIFO: list[str] = []


def _compile_into_fifo(tmp: Path) -> Callable[[], Run]:
    fifo = tmp / "fifo"
    os.mkfifo(fifo)

    def reader() -> None:
        with fifo.open(encoding="utf-8") as handle:
            READ_FROM_FIFO.append(handle.read())

    def run() -> Run:
        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        result = run_build("compile", "--out", str(fifo))
        thread.join(timeout=30)
        return result

    return run


def _compile_onto_symlink(tmp: Path) -> Callable[[], Run]:
    (tmp / "real.json").write_text("old", encoding="utf-8")
    (tmp / "link.json").symlink_to(tmp / "real.json")
    return lambda: run_build("compile", "--out", str(tmp / "link.json"))


def _compile_onto_device_link(tmp: Path) -> Callable[[], Run]:
    (tmp / "null").symlink_to("/dev/null")
    return lambda: run_build("compile", "--out", str(tmp / "null"))


def _compile_onto_folder(tmp: Path) -> Callable[[], Run]:
    folder = foreign_folder(tmp, "out")
    return lambda: run_build("compile", "--out", str(folder))


def _stale_temporaries(tmp: Path) -> Callable[[], Run]:
    """A killed build's leftovers next to the site; the next build (here one that stops at the check) removes
    them, but not a running build's folder nor anything else whose name only looks alike."""
    folder = edit(tmp, TOTAL_QUOTE, "source: ' '")
    dead = dead_pid()
    for name in (f".site-{dead}-abcd1234", f".site-old-{dead}-123456", f".site-{os.getpid()}-abcd1234", ".site-mine"):
        (tmp / name).mkdir()
        (tmp / name / "index.html").write_text("x", encoding="utf-8")
    (tmp / "generated").mkdir()
    (tmp / "generated" / f".docs-{dead}-abcd1234").mkdir()
    args = ["--policies", str(folder), "build", "--site-dir", str(tmp / "site"), "--generated", str(tmp / "generated")]
    return lambda: run_build(*args)


def _stale_removed(tmp: Path, run: Run) -> None:
    left = sorted(p.name for p in tmp.iterdir() if p.name.startswith("."))
    assert left == [f".site-{os.getpid()}-abcd1234", ".site-mine"], left
    assert not list((tmp / "generated").iterdir())


def _serve(port: str, tmp: Path) -> Callable[[], Run]:
    args = ["build.py", "serve", "--port", port, "--site-dir", str(tmp / "site"), "--generated", str(tmp / "gen")]
    return lambda: run_process(*args, timeout=60)


def _nothing_built(tmp: Path, run: Run) -> None:
    assert not (tmp / "site").exists() and not (tmp / "gen").exists()


def _serve_on_a_busy_port(tmp: Path) -> Callable[[], Run]:
    def run() -> Run:
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            return _serve(str(busy.getsockname()[1]), tmp)()

    return run


def _new_henan_from_luoyang(tmp: Path) -> Callable[[], Run]:
    folder = policies(tmp)
    return lambda: run_build("--policies", str(folder), "new", "henan", "2024", "--from", "luoyang/2023")


def _henan_scaffold_has_no_self_extends(tmp: Path, run: Run) -> None:
    text = (tmp / "policies" / "henan" / "2024.yaml").read_text(encoding="utf-8")
    assert "extends:" not in text
    assert "extends: henan/2024" not in run.out


def _own_schema(tmp: Path) -> Callable[[], Run]:
    """DIR's schema knows a rule the checkout's does not: `--policies DIR` must check against DIR's."""
    folder = policies(tmp)
    schema = folder / "policy.schema.yaml"
    text = schema.read_text(encoding="utf-8")
    line = '      carry_over.allowed: {$ref: "#/$defs/bool_rule", title: 学时可否结转下一年度}\n'
    assert line in text
    schema.write_text(text.replace(line, line + line.replace("carry_over.allowed", "carry_over.extra")), "utf-8")
    block = "  carry_over.allowed:\n    value: false\n    source: 获得的继续教育学时不得结转或顺延至下一年度\n"
    edit(tmp, block, block + block.replace("carry_over.allowed", "carry_over.extra"))
    return policy_check(folder)


def _schema_left_alone(tmp: Path, run: Run) -> None:
    # The checkout's schema would refuse the new rule: DIR's schema was the one used.
    assert "carry_over.extra" not in run.text


def _regions(content: str) -> Callable[[Path], Callable[[], Run]]:
    def prepare(tmp: Path) -> Callable[[], Run]:
        folder = policies(tmp)
        (folder / "regions.yaml").write_text(content, encoding="utf-8")
        return policy_check(folder)

    return prepare


def _one_problem(tmp: Path, run: Run) -> None:
    lines = run.err.strip().splitlines()
    assert len(lines) == 2 and lines[-1] == "政策文件中有 1 个问题", run.err


def _not_compiled(tmp: Path, run: Run) -> None:
    assert not (tmp / "site").exists()


CASES: list[Case] = [
    # ---- check: one person's JSON ----
    Case(
        "json nested 1,500 deep",
        "check",
        lambda t: check(t, '{"policy": "luoyang/2023", "records": ' + "[" * 1500 + "]" * 1500 + "}"),
        2,
        r"person\.json: JSON 嵌套过深",
    ),
    Case(
        "json nested 100,000 deep",
        "check",
        lambda t: check(t, "[" * 100_000 + "]" * 100_000),
        2,
        r"person\.json: JSON 嵌套过深",
    ),
    Case(
        "empty-string key",
        "check",
        lambda t: check(t, {"policy": "luoyang/2023", "records": [], "": 1}),
        2,
        r"''（空字段名）: 未知的字段",
    ),
    Case(
        "blank key in a record",
        "check",
        lambda t: check(t, {"policy": "luoyang/2023", "records": [{" ": 1}]}),
        2,
        r"records\[0\]\.' '（空字段名）: 未知的字段",
    ),
    Case(
        "100,000 invalid records: 50 problems and a count",
        "check",
        lambda t: check(t, HUNDRED_THOUSAND_BAD, "--format", "text"),
        2,
        r"records\[0\]\.date: .*\n(.*\n)*.*……另有 299950 个问题未列出（共 300000 个",
        _lines_at_most(cli.MAX_SHOWN + 1),
    ),
    Case(
        "20,000 invalid records in JSON: a bounded list and error_count",
        "check",
        lambda t: check(t, TWENTY_THOUSAND_BAD),
        2,
        r'"error_count": 60000',
        _json_bounded,
    ),
    Case(
        "5,000-digit integer",
        "check",
        lambda t: check(
            t,
            '{"policy": "luoyang/2023", "records": [{"date": "2023-01-01", "category": "public", "hours": '
            + "9" * 5000
            + "}]}",
        ),
        2,
        r"person\.json: 数字有 5,000 位",
    ),
    Case(
        "hours 1e999",
        "check",
        lambda t: check(
            t, '{"policy": "luoyang/2023", "records": [{"date": "2023-01-01", "category": "public", "hours": 1e999}]}'
        ),
        2,
        r"records\[0\]\.hours: 学时应为有限的数字",
    ),
    Case(
        "not UTF-8",
        "check",
        lambda t: check(t, '{"policy": "洛阳"}'.encode("gbk")),
        2,
        r"person\.json: 不是 UTF-8 文本",
    ),
    Case("empty file", "check", lambda t: check(t, "  \n"), 2, r"person\.json: 文件是空的"),
    Case(
        "duplicate key",
        "check",
        lambda t: check(t, '{"policy": "luoyang/2023", "policy": "henan/2023", "records": []}'),
        2,
        r"字段 'policy' 出现了两次",
    ),
    Case(
        "records not a list",
        "check",
        lambda t: check(t, {"policy": "luoyang/2023", "records": None}),
        2,
        r"records: 应为列表",
    ),
    Case(
        "unknown policy",
        "check",
        lambda t: check(t, {"policy": "luoyang/2032", "records": []}),
        2,
        r"policy: 没有政策 'luoyang/2032'；最接近的是 luoyang/2023",
    ),
    Case(
        "missing person file",
        "check",
        lambda t: lambda: run_calculator("check", str(t / "nobody.json"), "--bundle", str(BUNDLE[0])),
        2,
        r"nobody\.json: 无法读取",
    ),
    Case(
        "--as-of not a date",
        "check",
        lambda t: check(t, {"policy": "luoyang/2023", "records": []}, "--as-of", "2023-02-30"),
        2,
        r"--as-of: 日期应写作 YYYY-MM-DD 且存在",
    ),
    Case(
        "closed pipe (| head -1)",
        "check",
        lambda t: (
            lambda: run_process(
                "-m",
                "calculator",
                "check",
                person(
                    t,
                    {
                        "policy": "luoyang/2023",
                        "records": [{"date": "2023-05-10", "category": "public", "hours": 1, "title": "x" * 60}]
                        * 20_000,
                    },
                ),
                "--bundle",
                str(BUNDLE[0]),
                close_stdout=True,
            )
        ),
        141,
        r"\A\Z",  # nothing at all: no traceback, no "Exception ignored"
    ),
    Case(
        "batch into a closed pipe (| head -1)",
        "check",
        lambda t: (
            lambda: run_process(
                "-m",
                "calculator",
                "batch",
                str(
                    write(
                        t,
                        "staff.csv",
                        "person_id,date,category,hours\n"
                        + "".join(f"p{n},2023-05-10,public,{n % 40}\n" for n in range(20_000)),
                    )
                ),
                "--policy",
                "luoyang/2023",
                "--bundle",
                str(BUNDLE[0]),
                close_stdout=True,
            )
        ),
        141,
        r"\A\Z",  # nothing at all: no traceback, no "Exception ignored"
    ),
    # ---- the bundle (--bundle) ----
    Case(
        "--bundle is []",
        "bundle",
        lambda t: with_bundle(t, "[]", "check", "PERSON"),
        2,
        r"bundle\.json: 不是政策数据.*应为 JSON 对象，不是列表",
    ),
    Case(
        "--bundle policy without rules",
        "bundle",
        lambda t: with_bundle(
            t, '{"policies": {"x/2023": {"region": "x", "year": 2023, "document": "x-2023"}}}', "check", "PERSON"
        ),
        2,
        r"bundle\.json: 不是政策数据.*policies\['x/2023'\]\.rules 缺少",
    ),
    Case(
        "--bundle policies is text",
        "bundle",
        lambda t: with_bundle(t, '{"policies": "all of them"}', "policies"),
        2,
        r"bundle\.json: 不是政策数据.*缺少 policies 对象",
    ),
    Case(
        "--bundle nested 5,000 deep",
        "bundle",
        lambda t: with_bundle(t, "[" * 5000 + "]" * 5000, "policies"),
        2,
        r"bundle\.json: 无法读取政策数据",
    ),
    Case(
        "--bundle is a folder",
        "bundle",
        lambda t: lambda: run_calculator("policies", "--bundle", str(t)),
        2,
        r"无法读取政策数据",
    ),
    Case(
        "--bundle whose engine step fails: internal error, one line",
        "bundle",
        lambda t: with_bundle(t, BROKEN_DEADLINE_BUNDLE, "check", "PERSON"),
        3,
        r"^内部错误（ValueError）：.*；加 --debug 查看详情\n$",
    ),
    # ---- the policy files (build.py check) ----
    Case(
        "notice not UTF-8 in sources/",
        "policy files",
        lambda t: policy_check(write(policies(t), "sources/gbk-2024.txt", "河南省通知".encode("gbk")).parent.parent),
        2,
        r"^policies/sources/gbk-2024\.txt:1: 存档的通知不是 UTF-8 文本",
        _one_problem,
    ),
    Case(
        "YAML nested 3,000 deep",
        "policy files",
        lambda t: policy_check(deep_yaml(t)),
        2,
        r"^policies/luoyang/2023\.yaml:\d+: 嵌套过深",
        _one_problem,
    ),
    Case(
        "YAML indented 1,200 levels deep",
        "policy files",
        lambda t: policy_check(
            write(
                policies(t), LUOYANG, "region: luoyang\n" + "".join(" " * i + "k:\n" for i in range(1200))
            ).parent.parent
        ),
        2,
        r"^policies/luoyang/2023\.yaml: 嵌套过深",
        _one_problem,
    ),
    Case(
        "5,000-digit YAML integer",
        "policy files",
        lambda t: policy_check(edit(t, "year: 2023", "year: " + "9" * 5000)),
        2,
        r"policies/luoyang/2023\.yaml:\d+: year: 数字有 5,000 位",
        _one_problem,
    ),
    Case(
        "whitespace-only citation",
        "policy files",
        lambda t: policy_check(edit(t, TOTAL_QUOTE, "source: '   '")),
        2,
        r"policies/luoyang/2023\.yaml:\d+: rules\.requirements\.total\.source: 引用是空白的.*至少 4 个字",
        _one_problem,
    ),
    Case(
        "one-character citation 的",
        "policy files",
        lambda t: policy_check(edit(t, TOTAL_QUOTE, "source: 的")),
        2,
        r"rules\.requirements\.total\.source: 引用 '的' 太短（1 个字）.*至少要 4 个字",
        _one_problem,
    ),
    Case(
        "three-character citation found in the notice",
        "policy files",
        lambda t: policy_check(edit(t, TOTAL_QUOTE, "source: 每 年 累")),
        2,
        r"rules\.requirements\.total\.source: 引用 '每 年 累' 太短（3 个字）",
        _one_problem,
    ),
    Case(
        "citation of white space in a list",
        "policy files",
        lambda t: policy_check(edit(t, TOTAL_QUOTE, "source: ['每年累计应不少于90学时', '\u3000']")),
        2,
        r"rules\.requirements\.total\.source\[1\]: 引用是空白的",
        _one_problem,
    ),
    Case(
        "source: ''",
        "policy files",
        lambda t: policy_check(edit(t, TOTAL_QUOTE, "source: ''")),
        2,
        r"rules\.requirements\.total\.source: 引用（source）应为通知原文中的一段文字（去掉空白后至少 4 个字）",
        _one_problem,
        never=r"expected a list",
    ),
    Case(
        "regions.yaml: a YAML syntax error",
        "policy files",
        _regions("henan: {name: 河南省, level: province}\nluoyang: {name: 洛阳市\n"),
        2,
        r"^policies/regions\.yaml:\d+: YAML 语法错误",
        _one_problem,
        never=r"unknown region",
    ),
    Case(
        "regions.yaml: a list",
        "policy files",
        _regions("- henan\n- luoyang\n"),
        2,
        r"^policies/regions\.yaml:1: 地区表应为",
        _one_problem,
        never=r"unknown region",
    ),
    Case(
        "regions.yaml: a region without a name",
        "policy files",
        _regions("henan: 河南省\nluoyang: {name: 洛阳市, level: city}\n"),
        2,
        r"^policies/regions\.yaml:1: 地区 'henan' 应写作",
        _one_problem,
    ),
    Case(
        "regions.yaml missing",
        "policy files",
        lambda t: (os.remove(policies(t) / "regions.yaml"), policy_check(policies(t)))[1],
        2,
        r"^policies/regions\.yaml: 找不到地区表",
        _one_problem,
    ),
    Case(
        "--policies a missing folder",
        "policy files",
        lambda t: lambda: run_build("--policies", str(t / "nowhere"), "check"),
        2,
        r"^--policies .*nowhere：不存在",
    ),
    Case(
        "--policies a file",
        "policy files",
        lambda t: lambda: run_build("--policies", str(write(t, "policies.txt", "x")), "check"),
        2,
        r"^--policies .*policies\.txt：不是文件夹",
    ),
    Case(
        "--policies DIR with its own schema",
        "policy files",
        _own_schema,
        0,
        r"^无误：5 个政策、\d+ 条规则",
        _schema_left_alone,
    ),
    Case(
        "--policies DIR whose schema is not YAML",
        "policy files",
        lambda t: policy_check(write(policies(t), "policy.schema.yaml", "type: [object\n").parent),
        2,
        r"^policies/policy\.schema\.yaml:\d+: 格式定义文件不是有效的 YAML",
        _one_problem,
    ),
    # ---- compile --out ----
    Case(
        "compile --out onto a folder",
        "compile",
        _compile_onto_folder,
        2,
        r"^compile --out: .*out 是一个文件夹；请给出文件名",
        lambda t, r: untouched(t / "out"),
    ),
    Case(
        "compile --out onto a symlink: the target is written, the link kept",
        "compile",
        _compile_onto_symlink,
        0,
        r"wrote .*link\.json: 5 policies",
        _symlink_kept,
    ),
    Case(
        "compile --out onto a symlink to /dev/null: written through",
        "compile",
        _compile_onto_device_link,
        0,
        r"wrote .*null: 5 policies",
        _device_link_kept,
    ),
    Case(
        "compile --out into a FIFO: written through",
        "compile",
        _compile_into_fifo,
        0,
        r"wrote .*fifo: 5 policies",
        _fifo_kept,
    ),
    Case(
        "compile --out into a new folder: mode 0644",
        "compile",
        lambda t: lambda: run_build("compile", "--out", str(t / "new" / "folder" / "policies.json")),
        0,
        r"wrote .*policies\.json: 5 policies",
        _mode_0644,
    ),
    Case(
        "compile --out under a file",
        "compile",
        lambda t: lambda: run_build("compile", "--out", str(write(t, "plain.txt", "x") / "policies.json")),
        2,
        r"plain\.txt 不是文件夹",
        lambda t, r: (t / "plain.txt").read_text() == "x" or pytest.fail("plain.txt changed"),
    ),
    Case(
        "compile with a bad policy file",
        "compile",
        lambda t: (
            lambda folder: lambda: run_build("--policies", str(folder), "compile", "--out", str(t / "out.json"))
        )(edit(t, TOTAL_QUOTE, "source: 的")),
        2,
        r"policies/luoyang/2023\.yaml:\d+: rules\.requirements\.total\.source: 引用 '的' 太短",
        _no_bundle_written,
    ),
    # ---- build ----
    Case(
        "build --site-dir /",
        "build",
        lambda t: lambda: run_build("build", "--site-dir", "/", "--generated", str(t / "gen")),
        2,
        r"--site-dir /：不能是根目录",
        lambda t, r: (not (t / "gen").exists()) or pytest.fail("generated before refusing"),
    ),
    Case(
        "build --generated onto a file",
        "build",
        lambda t: (
            lambda: run_build("build", "--site-dir", str(t / "site"), "--generated", str(write(t, "gen.txt", "keep")))
        ),
        2,
        r"--generated .*gen\.txt：这是一个文件，不是文件夹",
        lambda t, r: (t / "gen.txt").read_text() == "keep" or pytest.fail("gen.txt changed"),
    ),
    Case(
        "build --site-dir onto a file",
        "build",
        lambda t: (
            lambda: run_build("build", "--site-dir", str(write(t, "site.txt", "keep")), "--generated", str(t / "gen"))
        ),
        2,
        r"--site-dir .*site\.txt：这是一个文件",
        lambda t, r: (t / "site.txt").read_text() == "keep" or pytest.fail("site.txt changed"),
    ),
    Case(
        "build --site-dir a folder with foreign files",
        "build",
        lambda t: (lambda folder: lambda: run_build("build", "--site-dir", str(folder), "--generated", str(t / "gen")))(
            foreign_folder(t, "mysite")
        ),
        2,
        r"--site-dir .*mysite：.*没有构建留下的标记文件 \.built-by-build-py",
        lambda t, r: untouched(t / "mysite"),
    ),
    Case(
        "build --generated a folder whose docs/ has foreign files",
        "build",
        lambda t: (
            lambda folder: lambda: run_build("build", "--site-dir", str(t / "site"), "--generated", str(folder.parent))
        )(foreign_folder(t, "gen/docs")),
        2,
        r"--generated .*gen：.*gen/docs 里有不是构建写出的文件",
        lambda t, r: untouched(t / "gen" / "docs"),
    ),
    Case(
        "build --site-dir the project itself",
        "build",
        lambda t: lambda: run_build("build", "--site-dir", str(ROOT), "--generated", str(t / "gen")),
        2,
        r"--site-dir .*：这个文件夹包含本项目",
        lambda t, r: (ROOT / "build.py").is_file() or pytest.fail("the project was touched"),
    ),
    Case(
        "build with a whitespace citation stops at the check (same rule as check)",
        "build",
        lambda t: (
            lambda folder: (
                lambda: run_build(
                    "--policies", str(folder), "build", "--site-dir", str(t / "site"), "--generated", str(t / "gen")
                )
            )
        )(edit(t, TOTAL_QUOTE, "source: ' '")),
        2,
        r"rules\.requirements\.total\.source: 引用是空白的(.*\n)*build failed at step 'check'",
        _not_compiled,
    ),
    Case(
        "a killed build's temporary folders are removed by the next build",
        "build",
        _stale_temporaries,
        2,
        r"build failed at step 'check'",
        _stale_removed,
    ),
    # ---- serve ----
    Case(
        "serve --port 99999", "serve", lambda t: _serve("99999", t), 2, r"--port: 端口应为 1 到 65535", _nothing_built
    ),
    Case("serve --port -1", "serve", lambda t: _serve("-1", t), 2, r"--port: 端口应为 1 到 65535", _nothing_built),
    Case(
        "serve --port 0", "serve", lambda t: _serve("0", t), 2, r"端口应为 1 到 65535 的整数，不是 '0'", _nothing_built
    ),
    Case("serve --port http", "serve", lambda t: _serve("http", t), 2, r"不是 'http'", _nothing_built),
    Case(
        "serve on a port in use: refused before building",
        "serve",
        _serve_on_a_busy_port,
        2,
        r"serve --port \d+：无法监听 127\.0\.0\.1:\d+",
        _nothing_built,
    ),
    # ---- diff ----
    Case(
        "diff a YAML file nested 3,000 deep",
        "diff",
        lambda t: (
            lambda folder: lambda: run_build("--policies", str(folder), "diff", str(folder / LUOYANG), "henan/2023")
        )(deep_yaml(t)),
        2,
        r"luoyang/2023\.yaml:\d+: 嵌套过深(.*\n)*diff: unknown policy",
    ),
    Case(
        "diff --rev with --policies a missing folder",
        "diff",
        lambda t: lambda: run_build("--policies", str(t / "nowhere"), "diff", "--rev", "HEAD"),
        2,
        r"--policies .*nowhere：不存在",
        never=r"git is not installed",
    ),
    Case(
        "diff a missing file",
        "diff",
        lambda t: lambda: run_build("diff", str(t / "missing.yaml"), "henan/2023"),
        2,
        r"diff: no such file: .*missing\.yaml",
    ),
    Case(
        "diff a closed pipe",
        "diff",
        lambda t: lambda: run_process("build.py", "diff", "henan/2023", "luoyang/2023", close_stdout=True),
        141,
        r"\A\Z",  # nothing at all: no traceback, no "Exception ignored"
    ),
    # ---- new ----
    Case(
        "new henan 2024 --from luoyang/2023: no advice to extend itself",
        "new",
        _new_henan_from_luoyang,
        0,
        r"luoyang/2023 继承 henan/2023（henan 自己的通知）.*--from henan/2023",
        _henan_scaffold_has_no_self_extends,
    ),
    Case(
        "new without regions.yaml",
        "new",
        lambda t: (
            os.remove(policies(t) / "regions.yaml"),
            lambda: run_build("--policies", str(policies(t)), "new", "luoyang", "2024"),
        )[1],
        2,
        r"^new: policies/regions\.yaml: 找不到地区表",
        lambda t, r: (not (t / "policies" / "luoyang" / "2024.yaml").exists()) or pytest.fail("written"),
    ),
    Case(
        "new with a broken regions.yaml",
        "new",
        lambda t: (
            write(policies(t), "regions.yaml", "- henan\n"),
            lambda: run_build("--policies", str(policies(t)), "new", "luoyang", "2024"),
        )[1],
        2,
        r"^new: policies/regions\.yaml:1: 地区表应为",
    ),
]

OUTPUTS: dict[str, str] = {}  # case id -> everything it printed (for the traceback test)


def run_case(case: Case, tmp: Path, bundle: Path) -> Run:
    BUNDLE[:] = [bundle]
    command = case.prepare(tmp)
    run = command()
    OUTPUTS[case.id] = run.text
    return run


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.area}: {c.id}") for c in CASES])
def test_hostile_command(case: Case, tmp_path: Path, bundle_file: Path) -> None:
    old_cwd = Path.cwd()
    os.chdir(tmp_path)  # messages name policy files relative to the folder above policies/
    try:
        run = run_case(case, tmp_path, bundle_file)
    finally:
        os.chdir(old_cwd)
    shown = f"exit {run.code}\n--- stderr\n{run.err[-3000:]}\n--- stdout\n{run.out[-1000:]}"
    assert run.code == case.code, shown
    assert "Traceback" not in run.text, shown
    assert re.search(case.says, run.text, re.MULTILINE), shown
    if case.never:
        assert not re.search(case.never, run.text), shown
    if case.kept:
        case.kept(tmp_path, run)


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 45 and len({c.id for c in CASES}) == len(CASES)
    areas = {c.area for c in CASES}
    assert {"check", "bundle", "policy files", "compile", "build", "serve", "diff", "new"} <= areas


def test_no_output_of_any_case_holds_a_traceback(tmp_path_factory: pytest.TempPathFactory, bundle_file: Path) -> None:
    """`grep -R Traceback` over every case's captured output (cases not run in this session are run here)."""
    for case in CASES:
        if case.id not in OUTPUTS:
            tmp = tmp_path_factory.mktemp("again")
            old_cwd = Path.cwd()
            os.chdir(tmp)
            try:
                run_case(case, tmp, bundle_file)
            finally:
                os.chdir(old_cwd)
    folder = tmp_path_factory.mktemp("outputs")
    for n, case in enumerate(CASES):
        (folder / f"{n:03d}.txt").write_text(OUTPUTS[case.id], encoding="utf-8")
    grep = subprocess.run(["grep", "-R", "-l", "Traceback", str(folder)], capture_output=True, text=True)
    assert grep.returncode == 1 and grep.stdout == "", grep.stdout  # 1: grep found nothing
    assert len(list(folder.iterdir())) == len(CASES)


def test_an_internal_error_is_one_line_and_debug_shows_the_traceback(tmp_path: Path, bundle_file: Path) -> None:
    bundle = write(tmp_path, "bundle.json", BROKEN_DEADLINE_BUNDLE)
    subject = person(tmp_path, {"policy": "x/2023", "records": []})
    plain = run_calculator("check", subject, "--bundle", str(bundle))
    assert plain.code == 3 and plain.err.count("\n") == 1 and "Traceback" not in plain.err
    debug = run_calculator("check", subject, "--bundle", str(bundle), "--debug")
    assert (
        debug.code == 3 and "Traceback (most recent call last)" in debug.err and "内部错误（ValueError）" in debug.err
    )


def test_build_py_internal_error_is_one_line_and_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("something unexpected\nsecond line")

    monkeypatch.setattr(build, "cmd_check", broken)
    plain = run_build("check")
    assert plain.code == 3 and plain.err == "内部错误（RuntimeError）：something unexpected；加 --debug 查看详情\n"
    for argv in (["--debug", "check"], ["check", "--debug"]):
        debug = run_build(*argv)
        assert debug.code == 3 and "Traceback (most recent call last)" in debug.err, argv


def test_every_writer_of_the_bundle_uses_one_mode(tmp_path: Path) -> None:
    """build.py compile and the site build (sitegen.site) write policies.json alike: 0644, whatever the umask."""
    old = os.umask(0o077)
    try:
        build.write_atomically(tmp_path / "a.json", "{}")
        site_module._write(tmp_path / "b.json", "{}")
    finally:
        os.umask(old)
    modes = {stat.S_IMODE((tmp_path / name).stat().st_mode) for name in ("a.json", "b.json")}
    assert modes == {0o644}


def test_a_killed_build_leaves_only_ignored_folders_and_the_next_build_removes_them(tmp_path: Path) -> None:
    """SIGKILL a real build while it renders: what it leaves is covered by .gitignore (were it in the
    repository) and the next build, even one that stops at the check, removes it."""
    site, generated = tmp_path / "site", tmp_path / "gen"
    args = ["build.py", "build", "--site-dir", str(site), "--generated", str(generated)]
    process = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not [p for p in tmp_path.iterdir() if p.name.startswith(".site-")]:
            assert process.poll() is None, "the build ended before it was killed"
            assert time.monotonic() < deadline, "no temporary site folder appeared"
            time.sleep(0.02)
    finally:
        process.kill()
        process.wait()
    left = [p for p in [*tmp_path.iterdir(), *generated.iterdir()] if p.name.startswith(".")]
    assert left and all(re.match(rf"^\.(site|docs)-{process.pid}-", p.name) for p in left), left
    for path in left:  # the same name in the checkout would be ignored by git
        ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", f"{path.name}/"], cwd=ROOT)
        assert ignored.returncode == 0, f"{path.name} is not covered by .gitignore"
    broken = edit(tmp_path, TOTAL_QUOTE, "source: 的")
    run = run_build("--policies", str(broken), "build", "--site-dir", str(site), "--generated", str(generated))
    assert run.code == 2 and "build failed at step 'check'" in run.err
    assert not [p for p in [*tmp_path.iterdir(), *generated.iterdir()] if p.name.startswith((".site-", ".docs-"))]
