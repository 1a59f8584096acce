"""`build.py new REGION YEAR --from ID`: a scaffold whose citations `check` refuses until they are filled in."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"


def sources(value) -> list[str]:
    if isinstance(value, dict):
        out = []
        for key, child in value.items():
            if key == "source":
                out += child if isinstance(child, list) else [child]
            else:
                out += sources(child)
        return out
    if isinstance(value, list):
        return [s for v in value for s in sources(v)]
    return []


def test_the_scaffold_keeps_the_rules_and_marks_every_citation(run_build, policies):
    code, out, _ = run_build("--policies", str(policies), "new", "luoyang", "2024", "--from", "luoyang/2023")
    assert code == 0
    path = policies / "luoyang" / "2024.yaml"
    assert f"已写出 {path}" in out
    assert "henan/2024 尚不存在" in out and "处引文待核对" in out
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# 洛阳市 2024 年专业技术人员继续教育通知 — 由 luoyang/2023 生成")
    data = yaml.safe_load(text)
    old = yaml.safe_load((POLICIES / "luoyang" / "2023.yaml").read_text(encoding="utf-8"))
    assert data["region"] == "luoyang" and data["year"] == 2024 and "extends" not in data
    assert data["document"]["id"] == "luoyang-2024" and data["document"]["file"] == "luoyang-2024.txt"
    assert "2024年" in data["document"]["title"]["value"]
    assert set(data["rules"]) == set(old["rules"])
    assert data["rules"]["deadlines.declaration"]["value"] == "2024-12-31"
    assert data["rules"]["filing.windows"]["value"][1] == {"from": "2024-12-11", "to": "2024-12-20"}
    assert data["rules"]["daily_caps.per_day"]["value"] == 6
    quoted = sources(data)
    assert quoted and all(q.startswith("待核对：") for q in quoted)
    assert "待核对：每年累计应不少于90学时" in quoted  # the old passage stays as a hint
    assert "annexes" not in data and "damaged" not in data


def test_check_refuses_the_scaffold_until_every_citation_is_verified(run_build, policies):
    assert run_build("--policies", str(policies), "new", "luoyang", "2024", "--from", "luoyang/2023")[0] == 0
    code, _, err = run_build("--policies", str(policies), "check")
    assert code == 2  # an unverified scaffold is bad input
    unverified = [line for line in err.splitlines() if "引文尚未核对" in line]
    data = yaml.safe_load((policies / "luoyang" / "2024.yaml").read_text(encoding="utf-8"))
    assert len(unverified) == len(sources(data))
    assert all(line.startswith("policies/luoyang/2024.yaml:") for line in unverified)
    assert any("rules.requirements.total.source" in line for line in unverified)
    assert "没有存档的通知 policies/sources/luoyang-2024.txt" in err
    # The site is not built from an unverified scaffold.
    code, _, err = run_build(
        "--policies",
        str(policies),
        "build",
        "--site-dir",
        str(policies.parent / "site"),
        "--generated",
        str(policies.parent / "gen"),
    )
    assert code == 2 and "build failed at step 'check'" in err  # failing the check: bad input


def test_filled_in_the_scaffold_passes_the_check(run_build, policies):
    assert run_build("--policies", str(policies), "new", "luoyang", "2024", "--from", "luoyang/2023")[0] == 0
    # The maintainer archives the new notice (here: last year's, moved to 2024) and replaces each citation.
    notice = (policies / "sources" / "luoyang-2023.txt").read_text(encoding="utf-8").replace("2023", "2024")
    (policies / "sources" / "luoyang-2024.txt").write_text(notice, encoding="utf-8")
    path = policies / "luoyang" / "2024.yaml"
    text = path.read_text(encoding="utf-8")
    number = "number:\n    value: 待核对\n    source: 待核对：新通知的文号\n"
    text = text.replace(number, "number:\n    status: unknown\n    note: 未印出文号。\n")
    text = re.sub(r"待核对：", "", text).replace("2023", "2024")
    path.write_text(text, encoding="utf-8")
    code, out, err = run_build("--policies", str(policies), "check")
    assert code == 0, err
    assert "无误：6 个政策" in out


def test_the_scaffold_extends_next_years_provincial_notice_when_there_is_one(run_build, policies):
    assert run_build("--policies", str(policies), "new", "henan", "2024", "--from", "henan/2023")[0] == 0
    code, out, _ = run_build("--policies", str(policies), "new", "luoyang", "2024")  # --from: latest of luoyang
    assert code == 0 and "尚不存在" not in out
    data = yaml.safe_load((policies / "luoyang" / "2024.yaml").read_text(encoding="utf-8"))
    assert data["extends"] == "henan/2024"


def test_a_scaffold_for_another_city_renames_the_city(run_build, policies):
    code, _, _ = run_build("--policies", str(policies), "new", "kaifeng", "2024", "--from", "luoyang/2023")
    assert code == 0
    data = yaml.safe_load((policies / "kaifeng" / "2024.yaml").read_text(encoding="utf-8"))
    assert data["document"]["issuer"]["value"] == "开封市人力资源和社会保障局"
    assert data["document"]["id"] == "kaifeng-2024"


def test_refusals(run_build, policies):
    code, _, err = run_build("--policies", str(policies), "new", "luoyang", "2023", "--from", "luoyang/2023")
    assert code == 2 and "已存在" in err
    code, _, err = run_build("--policies", str(policies), "new", "luoyng", "2024", "--from", "luoyang/2023")
    assert code == 2 and "未知地区 'luoyng'" in err and "是不是 'luoyang'" in err
    code, _, err = run_build("--policies", str(policies), "new", "luoyang", "2024", "--from", "luoyang/2022")
    assert code == 2 and "未知政策 'luoyang/2022'" in err
    code, _, err = run_build("--policies", str(policies), "new", "kaifeng", "2024")
    assert code == 2 and "kaifeng 没有更早的政策" in err
    assert not (policies / "kaifeng").exists() and not (policies / "luoyang" / "2024.yaml").exists()
