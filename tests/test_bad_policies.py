"""Malformed policy files: each gives its own clear message naming file, line and field, and a non-zero exit.

Each case copies the real policies into a temporary folder, breaks one thing, and runs `build.py check`
on the copy. A case passes only if the check fails with the expected message and exactly one problem
(so one mistake is never reported as a cascade), with no traceback.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

import build

ROOT = Path(__file__).resolve().parent.parent
LUOYANG = "luoyang/2023.yaml"


def replace(old: str, new: str, file: str = LUOYANG):
    def edit(folder: Path) -> None:
        path = folder / file
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture text not found in {file}: {old!r}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def rename_region(old: str, new: str):
    """Move a real file to another region's folder, region field included."""

    def edit(folder: Path) -> None:
        (folder / new).mkdir()
        text = (folder / old / "2023.yaml").read_text(encoding="utf-8")
        (folder / new / "2023.yaml").write_text(text.replace(f"region: {old}", f"region: {new}"), encoding="utf-8")
        (folder / old / "2023.yaml").unlink()

    return edit


def write(file: str, content: bytes | str):
    def edit(folder: Path) -> None:
        path = folder / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)

    return edit


MINIMAL = """region: {region}
year: {year}
{extra}document:
  id: luoyang-2023
  file: luoyang-2023.txt
  title: {{value: 通知, source: 关于做好 2023 年全市专业技术人员}}
  issuer: {{value: 洛阳市人力资源和社会保障局, source: 洛阳市人力资源和社会保障局}}
  number: {{status: unknown, note: 未印}}
  dated: {{status: unknown, note: 未印}}
  printed: {{status: unknown, note: 未印}}
rules:
  requirements.total: {{value: 90, source: 每年累计应不少于90学时}}
"""


def minimal(region: str, year: int, extra: str = "") -> str:
    return MINIMAL.format(region=region, year=year, extra=extra)


BILLION_LAUGHS = (
    "region: luoyang\nyear: 2023\n"
    + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
)

# (id, edit, file the message must name, expected message (regex), whether a line number is expected)
CASES = [
    (
        "misspelt key",
        replace(
            "    value: 90\n    source: 每年累计应不少于90学时", "    valeu: 90\n    source: 每年累计应不少于90学时"
        ),
        LUOYANG,
        r"rules\.requirements\.total\.valeu: 未知的键 'valeu'；是不是 'value'？",
        True,
    ),
    (
        "misspelt rule id",
        replace("  daily_caps.per_day:", "  daily_caps.per_dya:"),
        LUOYANG,
        r"未知的键 'daily_caps\.per_dya'；是不是 'daily_caps\.per_day'？",
        True,
    ),
    (
        "wrong type",
        replace("  carry_over.allowed:\n    value: false", "  carry_over.allowed:\n    value: [false]"),
        LUOYANG,
        r"carry_over\.allowed\.value: 应为 true 或 false，实为 \[False\]",
        True,
    ),
    (
        "negative hours",
        replace("    value: 60\n", "    value: -60\n"),
        LUOYANG,
        r"requirements\.professional\.value: 不能小于 0，实为 -60",
        True,
    ),
    (
        "non-numeric hours",
        replace("    value: 60\n", "    value: sixty\n"),
        LUOYANG,
        r"requirements\.professional\.value: 应为数字，实为 'sixty'",
        True,
    ),
    (
        "NaN hours",
        replace("    value: 60\n", "    value: .nan\n"),
        LUOYANG,
        r"requirements\.professional\.value: '\.nan' 不是有限的数",
        True,
    ),
    (
        "必修 floor above the public floor",
        replace(
            "  requirements.public_required_course:\n    value: 24",
            "  requirements.public_required_course:\n    interpretation: 读作 34\n    value: 34",
            "zhengzhou/2020.yaml",
        ),
        "zhengzhou/2020.yaml",
        r"必修课下限 34 超过公需科目下限 30",
        True,
    ),
    (
        "missing citation",
        replace("    value: 60\n    source: 专业课不少于60学时/每年\n", "    value: 60\n"),
        LUOYANG,
        r"requirements\.professional: 缺少必填字段 'source'",
        True,
    ),
    (
        "citation not in the notice",
        replace("专业课不少于60学时/每年", "专业科不少于60学时/每年"),
        LUOYANG,
        r"requirements\.professional\.source: 在 policies/sources/luoyang-2023\.txt 中找不到引文 "
        r"'专业科不少于60学时/每年'；最接近的原文是 '专业课不少于60学时/每年'：引文「科」原文为「课」$",
        True,
    ),
    (
        "citation to an unknown document",
        replace(
            "      document: luoyang-2023\n      quote: （豫人社函",
            "      document: luoyang-2032\n      quote: （豫人社函",
            "henan/2023.yaml",
        ),
        "henan/2023.yaml",
        r"引用了未知的通知 'luoyang-2032'；是不是 'luoyang-2023'？",
        True,
    ),
    (
        "duplicate key",
        replace(
            "  carry_over.allowed:",
            "  requirements.total:\n    value: 90\n    source: 每年累计应不少于90学时\n  carry_over.allowed:",
        ),
        LUOYANG,
        r"requirements\.total: 重复的键 'requirements\.total'（第一次出现在第 \d+ 行）",
        True,
    ),
    (
        "impossible date",
        replace("        to: 2023-10-20", "        to: 2023-02-30"),
        LUOYANG,
        r"filing\.windows\.value\[0\]\.to: '2023-02-30' 不是存在的日期",
        True,
    ),
    (
        "year not matching the path",
        replace("year: 2023", "year: 2024"),
        LUOYANG,
        r"year: 年份 2024 与文件名 2023\.yaml 不符",
        True,
    ),
    (
        "region not matching the path",
        replace("region: luoyang", "region: anyang"),
        LUOYANG,
        r"region: 地区 'anyang' 与文件所在的文件夹 'luoyang' 不符",
        True,
    ),
    (
        "unknown region",
        rename_region("luoyang", "luoyng"),
        "luoyng/2023.yaml",
        r"region: 未知地区 'luoyng'；是不是 'luoyang'？",
        True,
    ),
    (
        "unknown extends",
        replace("extends: henan/2023", "extends: henan/2032"),
        LUOYANG,
        r"extends: extends 指向不存在或无效的政策 'henan/2032'；是不是 'henan/2023'？",
        True,
    ),
    (
        "cyclic extends",
        write("luoyang/2023.yaml", minimal("luoyang", 2023, "extends: luoyang/2023\n")),
        LUOYANG,
        r"extends: extends 形成循环：luoyang/2023 -> luoyang/2023",
        True,
    ),
    (
        "YAML syntax error",
        replace("  carry_over.allowed:\n", "  carry_over.allowed: [\n"),
        LUOYANG,
        r"YAML 语法错误",
        True,
    ),
    ("empty file", write("luoyang/2023.yaml", ""), LUOYANG, r"文件是空的", False),
    (
        "tab indentation",
        replace("  carry_over.allowed:\n    value: false", "  carry_over.allowed:\n\tvalue: false"),
        LUOYANG,
        r"用了制表符（Tab）缩进",
        True,
    ),
    (
        "bytes that are not UTF-8",
        write("luoyang/2023.yaml", b"region: luoyang\n" + "year: 2023 # 洛阳\n".encode("gbk")),
        LUOYANG,
        r"字节 0x\w\w 不是 UTF-8",
        True,
    ),
    (
        "alias bomb",
        write("luoyang/2023.yaml", BILLION_LAUGHS),
        LUOYANG,
        r"不允许使用 YAML 锚点和别名",
        True,
    ),
    (
        "10 MB file",
        write("luoyang/2023.yaml", "# " + "x" * 10_000_000 + "\n"),
        LUOYANG,
        r"文件有 10,000,00\d 字节；政策文件最多 1,000,000 字节",
        False,
    ),
    (
        "value not readable in its quote",
        replace("    value: 60\n    source: 专业课", "    value: 59\n    source: 专业课"),
        LUOYANG,
        r"requirements\.professional\.value: 59 在其引文中读不出来，也没有 `interpretation:`",
        True,
    ),
    (
        "interpretation that does not state the value",
        replace(
            "  deadlines.audit:\n    value: 2020-12-10",
            "  deadlines.audit:\n    value: 2020-12-11",
            "zhengzhou/2020.yaml",
        ),
        "zhengzhou/2020.yaml",
        r"deadlines\.audit\.value: '2020-12-11' 在其引文中读不出来",
        True,
    ),
    (
        "one notice encoded twice",
        write("luoyang/2024.yaml", minimal("luoyang", 2024)),
        "luoyang/2024.yaml",
        r"document\.id: 通知 'luoyang-2023' 已由 luoyang/2023 编码",
        True,
    ),
    (
        "unknown rule with a value",
        replace("  number:\n    status: unknown\n", "  number:\n    status: unknown\n    value: x\n"),
        LUOYANG,
        r"document\.number\.value: status 为 unknown 的规则不能有字段 'value'",
        True,
    ),
    (
        "annex total wrong",
        replace("total: 8500, source", "total: 8400, source", "zhengzhou/2020.yaml"),
        "zhengzhou/2020.yaml",
        r"列 'trainees' 合计为 8500，但通知印的是 8400",
        True,
    ),
    (
        "date range backwards",
        replace("      - from: 2023-10-11\n        to: 2023-10-20", "      - from: 2023-10-20\n        to: 2023-10-11"),
        LUOYANG,
        r"filing\.windows\.value\[0\]\.to: 区间的结束日（2023-10-11）早于开始日（2023-10-20）",
        True,
    ),
    (
        "unverified scaffold citation",
        replace("source: 每年累计应不少于90学时", "source: 待核对：每年累计应不少于90学时"),
        LUOYANG,
        r"引文尚未核对",
        True,
    ),
    (
        "citation with no passage near it",
        replace("source: 获得的继续教育学时不得结转或顺延至下一年度", "source: 今天天气晴朗适合出门散步游玩"),
        LUOYANG,
        r"carry_over\.allowed\.source: 在 policies/sources/luoyang-2023\.txt 中找不到引文 "
        r"'今天天气晴朗适合出门散步游玩'（通知中没有相近的段落）$",
        True,
    ),
    (
        "next year's notice not archived: last year's is not proposed",
        write("luoyang/2024.yaml", minimal("luoyang", 2024).replace("luoyang-2023", "luoyang-2024")),
        "luoyang/2024.yaml",
        r"document\.id: 没有存档的通知 policies/sources/luoyang-2024\.txt；新通知请用 "
        r"`python build\.py archive 通知\.pdf --region luoyang --year 2024` 存档$",
        True,
    ),
    (
        "scaffold marker left in a note",
        replace("    note: 仅限工作日。", "    note: 待核对：仅限工作日。"),
        LUOYANG,
        r"rules\.filing\.windows\.note: 这一项尚未核对：按新通知改好后删去“待核对”",
        True,
    ),
    (
        "top level is a list",
        write("luoyang/2023.yaml", "- region: luoyang\n"),
        LUOYANG,
        r"政策文件必须是字段的映射",
        True,
    ),
    (
        "enum value misspelt",
        replace("value: [public_institution]", "value: [public_instituton]"),
        LUOYANG,
        r"'public_instituton' 不在可选值之列（.*）；是不是 'public_institution'？",
        True,
    ),
]


@pytest.fixture
def policies_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", folder)
    return folder


@pytest.fixture(scope="module")
def clean_check_seconds(tmp_path_factory: pytest.TempPathFactory) -> float:
    """How long `check` of the archived policies takes here and now, traced as the cases are: on a shared
    machine a fixed number of seconds measures the other processes as much as the check."""
    folder = tmp_path_factory.mktemp("clean") / "policies"
    shutil.copytree(ROOT / "policies", folder)
    started = time.perf_counter()
    tracemalloc.start()
    status = build.main(["--policies", str(folder), "check"])
    tracemalloc.stop()
    assert status == 0
    return time.perf_counter() - started


@pytest.mark.parametrize(
    ("edit", "file", "expected", "has_line"), [pytest.param(*case[1:], id=case[0]) for case in CASES]
)
def test_malformed_policy_is_refused_clearly(
    policies_copy, capsys, clean_check_seconds, edit, file, expected, has_line
):
    edit(policies_copy)
    started = time.perf_counter()
    tracemalloc.start()
    status = build.main(["--policies", str(policies_copy), "check"])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    elapsed = time.perf_counter() - started
    err = capsys.readouterr().err
    assert status == 2  # bad policy files are bad input (exit 2), not "not yet" (1)
    problems = err.strip().splitlines()[:-1]
    assert err.strip().splitlines()[-1].startswith("政策文件中有")
    where = rf"^policies/{re.escape(file)}:\d+: " if has_line else rf"^policies/{re.escape(file)}: "
    matching = [p for p in problems if re.search(where, p) and re.search(expected, p)]
    assert matching, f"expected {expected!r} for {file}; got:\n{err}"
    # One mistake, one message (a broken parent also breaks its child's `extends`, which is fine).
    own = [p for p in problems if "extends 指向不存在或无效的政策 'henan/2023'" not in p]
    assert len(own) == len(matching) == 1 or "锚点" in expected, err  # each alias is named
    # The bomb and the 10 MB file fail fast and small: within a few times a clean check (5 s on a quiet machine).
    assert elapsed < max(5, 3 * clean_check_seconds) and peak < 50_000_000, (elapsed, clean_check_seconds, peak)


def test_the_table_is_big_enough():
    assert len(CASES) >= 20


def test_a_malformed_file_gives_no_traceback_on_the_command_line(policies_copy):
    write("luoyang/2023.yaml", BILLION_LAUGHS)(policies_copy)
    replace("专业课不少于60学时/每年", "专业课不少于66学时/每年", "henan/2023.yaml")(policies_copy)
    run = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--policies", str(policies_copy), "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert run.returncode == 2  # bad input, and not 3: a bad file is no internal error
    assert "Traceback" not in run.stderr
    assert "policies/henan/2023.yaml:" in run.stderr and "policies/luoyang/2023.yaml:" in run.stderr
