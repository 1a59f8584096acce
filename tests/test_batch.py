"""`python -m calculator batch`: CSV in (UTF-8, BOM, GBK), one row per person out, bad rows by number."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculator.batch.csv_io import decode, safe_cell
from calculator.bundle import compile_bundle
from calculator.cli import main
from calculator.engine import Engine
from calculator.policy_files import load_policies
from calculator.schema_check import load_schema

ROOT = Path(__file__).resolve().parent.parent


def _compile() -> dict[str, Any]:
    result = load_policies(ROOT / "policies")
    assert not result.problems
    return compile_bundle({pid: p.data for pid, p in result.policies.items()}, load_schema(), result.regions)


BUNDLE = _compile()


@pytest.fixture(scope="module")
def bundle_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "policies.json"
    path.write_text(json.dumps(BUNDLE, ensure_ascii=False), encoding="utf-8")
    return path


def run(tmp_path: Path, bundle_path: Path, text: str | bytes, *extra: str) -> tuple[int, str, str]:
    path = tmp_path / "staff.csv"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    out, err = io.StringIO(), io.StringIO()
    code = main(["batch", str(path), "--bundle", str(bundle_path), "--as-of", "2023-12-01", *extra], out, err)
    return code, out.getvalue(), err.getvalue()


def table(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))


STAFF = """person_id,name,policy,employer,date,category,hours,mode,days,required_course
A1,甲,luoyang/2023,public_institution,2023-03-01,public,30,online,,
A1,甲,,,2023-05-01,professional,60,activity,,
B2,乙,luoyang/2023,,2023-03-01,public,20,,,
B2,乙,,,2023-04-01,professional,8,face_to_face,1,
C3,丙,zhengzhou/2020,,2020-03-01,public,30,,2,true
"""


def test_one_row_per_person(tmp_path: Path, bundle_path: Path) -> None:
    code, out, err = run(tmp_path, bundle_path, STAFF)
    assert code == 1, err
    rows = table(out)
    assert [r["人员编号"] for r in rows] == ["A1", "B2", "C3"]
    a1, b2, c3 = rows
    assert a1["是否完成"] == "是" and a1["尚差总学时"] == "0" and a1["已计入专业"] == "60"
    assert b2["是否完成"] == "否"
    assert (b2["已计入公需"], b2["已计入专业"], b2["尚差公需"], b2["尚差专业"], b2["尚差总学时"]) == (
        "20",
        "6",
        "10",
        "54",
        "64",
    )
    assert "第 5 行" in b2["提示"] and "只计 6 学时" in b2["提示"]  # the per-day cap names the CSV row
    assert b2["应完成必修课"] == "" and c3["应完成必修课"] == "24"
    assert (c3["已计入必修课"], c3["尚差必修课"], c3["尚差总学时"]) == ("30", "0", "60")
    assert c3["截止日期"] == "2020-12-10" and c3["剩余天数"] == str((dt.date(2020, 12, 10) - dt.date(2023, 12, 1)).days)
    assert "共 3 人：已完成 1 人，未完成 2 人（合计尚差 124 学时）" in err


def test_json_format(tmp_path: Path, bundle_path: Path) -> None:
    code, out, _ = run(tmp_path, bundle_path, STAFF, "--format", "json")
    result = json.loads(out)
    assert code == 1
    assert result["summary"] == {
        "people": 3,
        "compliant": 1,
        "short": 2,
        "not_checked": 0,
        "hours_short": 124,
        "bad_rows": 0,
        "rows": 5,
    }
    b2 = result["people"][1]
    assert b2["remaining"] == {"total": 64, "public": 10, "public_required_course": None, "professional": 54}
    assert b2["warnings"][0]["code"] == "per_day_cap" and b2["warnings"][0]["record"] == 5


def test_bad_rows_are_reported_and_the_good_rows_still_count(tmp_path: Path, bundle_path: Path) -> None:
    text = """person_id,policy,date,category,hours
P,luoyang/2023,2023-03-01,public,30
P,,2023-02-30,professional,10
P,,2023-04-01,professional,-5
P,,2023-04-02,professional,abc
P,,2023-04-03,profesional,5
P,,2023-04-04,professional,20
,,2023-04-04,professional,20
Q,luoyang/2023,2023-04-01,public,30
"""
    code, out, err = run(tmp_path, bundle_path, text)
    assert code == 2
    for row, field, phrase in [
        (3, "date", "日期不存在"),
        (4, "hours", "负数"),
        (5, "hours", "应为数字"),
        (6, "category", "是否想写 professional"),
        (8, "person_id", "缺少人员编号"),
    ]:
        assert any(f"第 {row} 行 {field}:" in line and phrase in line for line in err.splitlines()), (row, err)
    p, q = table(out)
    assert p["已计入公需"] == "30" and p["已计入专业"] == "20" and p["尚差专业"] == "40"
    assert "第 3 行" in p["有误的行"] and "第 6 行" in p["有误的行"]
    assert q["已计入公需"] == "30" and q["有误的行"] == ""
    assert "有误的行 5 行" in err


def test_person_level_problems_leave_the_person_unchecked(tmp_path: Path, bundle_path: Path) -> None:
    text = """person_id,policy,employer,date,category,hours
P,luoyang/2022,,2023-03-01,public,30
Q,luoyang/2023,enterprise,2023-03-01,public,30
Q,luoyang/2023,public_institution,2023-04-01,public,30
R,luoyang/2023,company,2023-04-01,public,30
S,,,2023-04-01,public,30
"""
    code, out, err = run(tmp_path, bundle_path, text)
    assert code == 2
    rows = {r["人员编号"]: r for r in table(out)}
    assert all(rows[p]["是否完成"] == "无法核对" for p in "PQRS")
    assert "最接近的是 luoyang/2023" in rows["P"]["有误的行"]
    assert "与第 3 行不一致" in rows["Q"]["有误的行"]
    assert "未知的单位类型" in rows["R"]["有误的行"]
    assert "--policy" in rows["S"]["有误的行"]
    assert "无法核对 4 人" in err


def test_default_policy_and_a_person_without_records(tmp_path: Path, bundle_path: Path) -> None:
    text = "person_id,date,category,hours\nP,2023-03-01,public,30\nQ,,,\n"
    code, out, _ = run(tmp_path, bundle_path, text, "--policy", "luoyang/2023")
    rows = table(out)
    assert code == 1
    assert [r["人员编号"] for r in rows] == ["P", "Q"]
    assert rows[1]["尚差总学时"] == "90" and rows[1]["政策"] == "luoyang/2023"


def test_chinese_headers_and_values_in_gbk(tmp_path: Path, bundle_path: Path) -> None:
    text = (
        "工号,姓名,政策,单位类型,日期,类别,学时,方式,天数,必修课,干部网络学院学时,部门\r\n"
        "001,张三,洛阳/2023,事业单位,2023/3/1,公需,10,在线,,否,20,财务处\r\n"
        "001,张三,,,2023/5/1,专业,60,活动,,,,\r\n"
    )
    # 洛阳/2023 names the notice as people name it (vocabulary.notice_id); 洛阳/2021 is none.
    code, out, err = run(tmp_path, bundle_path, text.replace("洛阳/2023", "洛阳/2021").encode("gbk"))
    rows = table(out)
    assert code == 2 and "最接近的是 luoyang/2023（洛阳市 2023）" in rows[0]["有误的行"]
    code, out, err = run(tmp_path, bundle_path, text.encode("gbk"))
    rows = table(out)
    assert code == 0, err
    assert rows[0]["姓名"] == "张三" and rows[0]["已计入公需"] == "30" and rows[0]["已计入专业"] == "60"
    assert rows[0]["政策"] == "luoyang/2023" and rows[0]["部门"] == "财务处"
    assert "原样带入结果的列：部门" in err


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_encodings_excel_writes(tmp_path: Path, bundle_path: Path, encoding: str) -> None:
    text = "人员编号,姓名,政策,日期,类别,学时\n001,欧阳娜娜,luoyang/2023,2023-03-01,公需,30\n"
    code, out, _ = run(tmp_path, bundle_path, text.encode(encoding))
    assert table(out)[0]["姓名"] == "欧阳娜娜"
    assert code == 1


def test_decode() -> None:
    assert decode("人员".encode("gbk")) == ("人员", "GBK")
    assert decode(b"\xef\xbb\xbfid") == ("id", "UTF-8")


def test_formula_cells_are_made_inert(tmp_path: Path, bundle_path: Path) -> None:
    text = (
        "person_id,name,policy,date,category,hours\n"
        '=1+1,"=HYPERLINK(""http://x"")",luoyang/2023,2023-03-01,public,30\n'
        "+86,@SUM(A1),luoyang/2023,2023-03-01,public,30\n"
        "-3,普通,luoyang/2023,2023-03-01,public,30\n"
    )
    _, out, _ = run(tmp_path, bundle_path, text)
    rows = table(out)
    assert [r["人员编号"] for r in rows] == ["'=1+1", "'+86", "'-3"]
    assert [r["姓名"] for r in rows] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)", "普通"]
    assert all(r["剩余天数"] == "30" for r in rows)  # numbers stay numbers
    assert safe_cell(-5) == -5 and safe_cell("\tx") == "'\tx"


def test_rows_are_numbered_as_excel_shows_them(tmp_path: Path, bundle_path: Path) -> None:
    text = (
        'person_id,policy,date,category,hours,title\nP,luoyang/2023,2023-03-01,public,30,"two\nlines"\n'
        "P,,2023-03-01,public,-1,x\n"
    )
    _, _, err = run(tmp_path, bundle_path, text)
    assert "第 3 行 hours:" in err


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("", "文件是空的"),
        ("person_id,date,hours\nP,2023-01-01,3\n", "缺少列 category"),
        ("id,人员编号,date,category,hours\n", "都是 person_id"),
    ],
)
def test_unusable_files(tmp_path: Path, bundle_path: Path, text: str, phrase: str) -> None:
    code, _, err = run(tmp_path, bundle_path, text)
    assert code == 2 and phrase in err


def test_all_compliant_exits_0_and_writes_a_file_excel_opens(tmp_path: Path, bundle_path: Path) -> None:
    text = "person_id,policy,date,category,hours\nP,luoyang/2023,2023-03-01,public,30\nP,,2023-03-01,professional,60\n"
    target = tmp_path / "out.csv"
    code, out, _ = run(tmp_path, bundle_path, text, "--out", str(target))
    assert code == 0 and out == ""
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert table(data.decode("utf-8"))[0]["是否完成"] == "是"


# ---- the batch and the single check agree -----------------------------------------------------------

CATEGORIES = {"public": "公需", "professional": "专业"}


@st.composite
def people(draw: st.DrawFn) -> dict[str, Any]:
    policy = draw(st.sampled_from(sorted(BUNDLE["policies"])))
    year = BUNDLE["policies"][policy]["year"]
    records = []
    for _ in range(draw(st.integers(0, 6))):
        mode = draw(st.sampled_from(["online", "face_to_face", "activity"]))
        record: dict[str, Any] = {
            "date": (
                dt.date(draw(st.sampled_from([year, year, year - 1])), 1, 1)
                + dt.timedelta(days=draw(st.integers(0, 364)))
            ).isoformat(),
            "category": draw(st.sampled_from(["public", "professional"])),
            "hours": draw(st.integers(0, 40)) / 2,
            "mode": mode,
            "required_course": draw(st.booleans()),
        }
        if mode == "face_to_face":
            record["days"] = draw(st.sampled_from([1, 1.5, 2]))
        records.append(record)
    return {
        "policy": policy,
        "employer": draw(st.sampled_from(["public_institution", "enterprise"])),
        "cadre_academy_hours": draw(st.sampled_from([0, 10, 40])),
        "circumstances": {
            "maternity_months": draw(st.sampled_from([0, 2.5, 7])),
            "full_year_service": draw(st.booleans()),
        },
        "records": records,
    }


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(people(), min_size=1, max_size=4))
def test_batch_agrees_with_check(tmp_path: Path, bundle_path: Path, persons: list[dict[str, Any]]) -> None:
    lines = [
        "person_id,policy,employer,cadre_academy_hours,maternity_months,full_year_service,"
        "date,category,hours,mode,days,required_course"
    ]
    for i, person in enumerate(persons):
        c = person["circumstances"]
        head = (
            f"P{i},{person['policy']},{person['employer']},{person['cadre_academy_hours']},"
            f"{c['maternity_months']},{'是' if c['full_year_service'] else '否'}"
        )
        lines.append(f"{head},,,,,,")
        for r in person["records"]:
            lines.append(
                f"P{i},,,,,,{r['date']},{CATEGORIES[r['category']]},{r['hours']},{r['mode']},"
                f"{r.get('days', '')},{'true' if r['required_course'] else ''}"
            )
    code, out, err = run(tmp_path, bundle_path, "\n".join(lines) + "\n", "--format", "json")
    assert code in (0, 1), err
    batch = json.loads(out)["people"]
    engine = Engine(BUNDLE)
    for i, person in enumerate(persons):
        single = engine.check(person, dt.date(2023, 12, 1))
        for key in ("compliant", "required", "credited", "remaining", "deadline", "days_left"):
            assert batch[i][key] == single[key], key
        # the planned projection: the same amounts; the records named by row, not by index
        for key in ("credited", "remaining", "compliant"):
            assert batch[i]["planned"][key] == single["planned"][key], f"planned.{key}"
        assert len(batch[i]["planned"]["records"]) == len(single["planned"]["records"])
        assert sorted(w["code"] for w in batch[i]["warnings"]) == sorted(w["code"] for w in single["warnings"])
    # and the result CSV's columns for it
    code, out, err = run(tmp_path, bundle_path, "\n".join(lines) + "\n")
    rows = table(out)
    for i, person in enumerate(persons):
        planned = engine.check(person, dt.date(2023, 12, 1))["planned"]
        row = rows[i]
        assert row["计划记录条数"] == str(len(planned["records"]))
        for key, label in (("total", "总学时"), ("public", "公需"), ("public_required_course", "必修课")):
            value = planned["remaining"][key]
            assert row[f"计划完成后尚差{label}"] == ("" if value is None else str(value)), label
        value = planned["remaining"]["professional"]
        assert row["计划完成后尚差专业"] == ("" if value is None else str(value))
        assert row["计划完成后是否完成"] == ("是" if planned["compliant"] else "否")


def test_gbk_found_late_in_a_long_file(tmp_path: Path, bundle_path: Path) -> None:
    # The first 5000 rows are plain ASCII (valid UTF-8); the last name is GBK: the file is read again as GBK.
    lines = ["person_id,name,policy,date,category,hours"]
    lines += [f"P{i},x,luoyang/2023,2023-03-01,public,30" for i in range(5000)]
    lines.append("Z,欧阳娜娜,luoyang/2023,2023-03-01,public,30")
    code, out, err = run(tmp_path, bundle_path, ("\r\n".join(lines) + "\r\n").encode("gbk"))
    rows = table(out)
    assert len(rows) == 5001 and rows[-1]["姓名"] == "欧阳娜娜"
    assert "共 5001 人" in err


def test_neither_utf8_nor_gbk(tmp_path: Path, bundle_path: Path) -> None:
    code, _, err = run(tmp_path, bundle_path, b"person_id,date,category,hours\n\xff\xff\xff,2023-01-01,public,1\n")
    assert code == 2 and "GBK" in err


def test_blank_lines_keep_the_row_numbers(tmp_path: Path, bundle_path: Path) -> None:
    text = "\nperson_id,policy,date,category,hours\nP,luoyang/2023,2023-03-01,public,30\n\nP,,2023-03-01,public,x\n"
    code, _, err = run(tmp_path, bundle_path, text)
    assert code == 2 and "第 5 行 hours:" in err  # the header is on line 2, the bad row on line 5


def test_batch_from_stdin(bundle_path: Path) -> None:
    import subprocess
    import sys

    text = "person_id,policy,date,category,hours\nP,luoyang/2023,2023-03-01,公需,30\n".encode("gbk")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "calculator",
            "batch",
            "-",
            "--bundle",
            str(bundle_path),
            "--as-of",
            "2023-12-01",
            "--format",
            "json",
        ],
        input=text,
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1, done.stderr.decode()
    assert json.loads(done.stdout)["people"][0]["credited"]["public"] == 30


@pytest.mark.parametrize("data", [b"\xff\xfea\x00b", b"\xfe\xff\x00"])
def test_broken_utf16_from_stdin_is_named(bundle_path: Path, data: bytes) -> None:
    import subprocess
    import sys

    command = [sys.executable, "-m", "calculator", "batch", "-", "--bundle", str(bundle_path), "--policy", "henan/2023"]
    done = subprocess.run(command, input=data, capture_output=True, cwd=ROOT, check=False)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == "-: 文件以 UTF-16 标记开头，但内容不是 UTF-16"
