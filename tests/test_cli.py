"""`python -m calculator check|policies`: exit codes, formats, messages, and where the bundle comes from."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from calculator.bundle import compile_bundle
from calculator.cli import load_bundle, main
from calculator.policy_files import load_policies
from calculator.schema_check import load_schema

ROOT = Path(__file__).resolve().parent.parent

DONE = {
    "policy": "luoyang/2023",
    "records": [
        {"date": "2023-03-01", "category": "public", "hours": 30},
        {"date": "2023-05-01", "category": "professional", "hours": 60, "mode": "activity"},
    ],
}
SHORT = {"policy": "luoyang/2023", "records": [{"date": "2023-03-01", "category": "public", "hours": 10}]}


@pytest.fixture(scope="module")
def bundle_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = load_policies(ROOT / "policies")
    assert not result.problems
    bundle = compile_bundle({pid: p.data for pid, p in result.policies.items()}, load_schema(), result.regions)
    path = tmp_path_factory.mktemp("bundle") / "policies.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return path


def write(tmp_path: Path, data: Any, name: str = "person.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_exit_codes(tmp_path: Path, bundle_path: Path) -> None:
    bundle = ["--bundle", str(bundle_path), "--as-of", "2023-06-01"]
    assert cli("check", str(write(tmp_path, DONE)), *bundle)[0] == 0
    assert cli("check", str(write(tmp_path, SHORT)), *bundle)[0] == 1
    assert cli("check", str(write(tmp_path, {"records": []})), *bundle)[0] == 2
    assert cli("check", str(tmp_path / "missing.json"), *bundle)[0] == 2


def test_json_output_is_the_contract(tmp_path: Path, bundle_path: Path) -> None:
    code, out, _ = cli("check", str(write(tmp_path, SHORT)), "--bundle", str(bundle_path), "--as-of", "2023-12-01")
    result = json.loads(out)
    assert code == 1
    assert {
        "policy",
        "compliant",
        "required",
        "credited",
        "remaining",
        "deadline",
        "days_left",
        "warnings",
        "steps",
    } <= set(result)
    assert result["remaining"] == {"total": 80, "public": 20, "public_required_course": None, "professional": 60}
    assert result["deadline"] == "2023-12-31" and result["days_left"] == 30


def test_text_output_reads_in_chinese(tmp_path: Path, bundle_path: Path) -> None:
    code, out, _ = cli(
        "check", str(write(tmp_path, SHORT)), "--bundle", str(bundle_path), "--as-of", "2023-12-01", "--format", "text"
    )
    assert code == 1
    assert "洛阳市 2023 年度（luoyang/2023）" in out
    assert "结论：尚未完成，还差 80 学时" in out
    assert "截止日期：2023-12-31" in out and "还有 30 天" in out
    assert "原文：“公需课不少于30学时/每年”" in out
    lines = out.splitlines()
    table = [line for line in lines if line.startswith(("总学时", "公需科目", "专业科目"))]
    assert len(table) == 3
    code, out, _ = cli(
        "check", str(write(tmp_path, DONE)), "--bundle", str(bundle_path), "--format", "text", "--as-of", "2023-06-01"
    )
    assert code == 0 and "结论：已完成本年度学时要求" in out


def test_every_bad_field_is_named(tmp_path: Path, bundle_path: Path) -> None:
    person = {
        "policy": "luoyang/2023",
        "employer": "company",
        "records": [
            {"date": "2023-03-01", "category": "public", "hours": -1},
            {"date": "2023-02-30", "category": "public", "hours": 1},
            {"date": "2023-03-01", "category": "misc", "hours": "2"},
        ],
    }
    code, out, err = cli("check", str(write(tmp_path, person)), "--bundle", str(bundle_path), "--format", "text")
    assert code == 2 and out == ""
    for field in ("employer", "records[0].hours", "records[1].date", "records[2].category", "records[2].hours"):
        assert f"person.json: {field}:" in err, field


def test_json_format_reports_errors_as_json(tmp_path: Path, bundle_path: Path) -> None:
    code, out, _ = cli(
        "check",
        str(write(tmp_path, {"policy": "luoyang/2023", "records": [{}]})),
        "--bundle",
        str(bundle_path),
        "--format",
        "json",
    )
    assert code == 2
    fields = {e["field"] for e in json.loads(out)["errors"]}
    assert fields == {"records[0].date", "records[0].category", "records[0].hours"}


@pytest.mark.parametrize("as_of", ["2023-02-30", "yesterday", "20230601"])
def test_bad_as_of(tmp_path: Path, bundle_path: Path, as_of: str) -> None:
    code, _, err = cli("check", str(write(tmp_path, DONE)), "--bundle", str(bundle_path), "--as-of", as_of)
    assert code == 2 and "--as-of" in err


def test_person_file_with_a_byte_order_mark(tmp_path: Path, bundle_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(DONE).encode())
    assert cli("check", str(path), "--bundle", str(bundle_path), "--as-of", "2023-06-01")[0] == 0


def test_person_file_not_utf8(tmp_path: Path, bundle_path: Path) -> None:
    path = tmp_path / "gbk.json"
    path.write_bytes(json.dumps({**DONE, "records": [{"title": "数字技术"}]}, ensure_ascii=False).encode("gbk"))
    code, _, err = cli("check", str(path), "--bundle", str(bundle_path))
    assert code == 2 and "UTF-8" in err


def test_policies_lists_region_names_in_chinese(bundle_path: Path) -> None:
    code, out, _ = cli("policies", "--bundle", str(bundle_path))
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(json.loads(bundle_path.read_text(encoding="utf-8"))["policies"])
    assert any(
        line.startswith("luoyang/2023") and "洛阳市 2023 年度" in line and "henan/2023" in line for line in lines
    )
    assert any("郑州市" in line and "郑人社办〔2020〕106号" in line for line in lines)
    code, out, _ = cli("policies", "--bundle", str(bundle_path), "--format", "json")
    listing = json.loads(out)
    assert {
        "id": "anyang/2025",
        "region": "anyang",
        "region_name": "安阳市",
        "year": 2025,
        "extends": None,
        "document": "anyang-2025",
    } in listing


def test_as_a_module_with_stdin(bundle_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "calculator", "check", "-", "--bundle", str(bundle_path), "--as-of", "2023-06-01"],
        input=json.dumps(DONE).encode(),
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["compliant"] is True
    bad = subprocess.run(
        [sys.executable, "-m", "calculator", "check", "-", "--bundle", str(bundle_path)],
        input=b"",
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert bad.returncode == 2 and "文件是空的" in bad.stderr.decode()


# ---- where the bundle comes from --------------------------------------------------------------------


def fake_checkout(tmp_path: Path, compiles: bool) -> Path:
    (tmp_path / "policies" / "luoyang").mkdir(parents=True)
    (tmp_path / "policies" / "luoyang" / "2023.yaml").write_text("region: luoyang\n", encoding="utf-8")
    result = '{"policies": {}, "made_by": "compile"}' if compiles else "None"
    (tmp_path / "build.py").write_text(
        "import json\n"
        "def compile_policies(policies_dir, out):\n"
        f"    bundle = {result}\n"
        "    if bundle is not None:\n"
        "        out.parent.mkdir(exist_ok=True)\n"
        "        out.write_text(json.dumps(bundle))\n"
        "    return bundle\n",
        encoding="utf-8",
    )
    return tmp_path


def write_built(root: Path, age: float) -> None:
    built = root / "build" / "policies.json"
    built.parent.mkdir(exist_ok=True)
    built.write_text('{"policies": {}, "made_by": "old build"}', encoding="utf-8")
    stamp = time.time() + age
    os.utime(built, (stamp, stamp))


def test_a_fresh_build_is_read(tmp_path: Path) -> None:
    root = fake_checkout(tmp_path, compiles=True)
    write_built(root, age=+10)
    assert load_bundle(root=root)["made_by"] == "old build"


def test_a_stale_build_is_compiled_afresh(tmp_path: Path) -> None:
    root = fake_checkout(tmp_path, compiles=True)
    write_built(root, age=-10)
    assert load_bundle(root=root)["made_by"] == "compile"
    assert json.loads((root / "build" / "policies.json").read_text())["made_by"] == "compile"


def test_broken_policies_fall_back_to_the_old_build_with_a_notice(tmp_path: Path) -> None:
    root = fake_checkout(tmp_path, compiles=False)
    write_built(root, age=-10)
    err = io.StringIO()
    assert load_bundle(root=root, err=err)["made_by"] == "old build"
    assert "使用旧的" in err.getvalue()


def test_no_checkout_uses_the_packaged_bundle(tmp_path: Path) -> None:
    # An installed wheel: no build.py nor policies/ next to the package, the bundle inside it.
    package = tmp_path / "site-packages" / "calculator"
    (package / "data").mkdir(parents=True)
    with pytest.raises(Exception, match="找不到政策数据"):
        load_bundle(root=tmp_path, package=package)
    (package / "data" / "policies.json").write_text('{"policies": {}, "made_by": "wheel"}', encoding="utf-8")
    assert load_bundle(root=tmp_path, package=package)["made_by"] == "wheel"
