"""What the calculator says around its numbers (issue 12, items 3-6; issue 11's late and planned records):
calculator.verdict, calculator.make_up, calculator.form_fields and the browser's `view` and `held`. Pure
functions, data to data, against the checkout's policies; no browser.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import pytest

from calculator import browser
from calculator.cli import load_bundle
from calculator.engine import Engine
from calculator.form_fields import form_fields, held_back
from calculator.make_up import after_deadline
from calculator.verdict import COMPLIANT, planned, rows, verdict


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_bundle(None, err=sys.stderr))


def rec(date: str, hours: float, category: str = "public", **more: Any) -> dict[str, Any]:
    return {"date": date, "category": category, "hours": hours, **more}


def check(engine: Engine, policy: str, records: list[dict[str, Any]], as_of: str, **person: Any) -> dict[str, Any]:
    return engine.check({"policy": policy, "records": records, **person}, dt.date.fromisoformat(as_of))


# --- the verdict and the bars -----------------------------------------------------------------------------

VERDICTS = [
    # (policy, records, the verdict's words) worked out from the floors by hand
    pytest.param(
        "zhengzhou/2020",
        [rec("2020-03-01", 20, required_course=True), rec("2020-03-02", 15), rec("2020-04-01", 60, "professional")],
        "尚未达标：必修课还差 4 学时；选修课学时不能抵必修课",
        id="zhengzhou-required-course-short-public-and-total-look-complete",
    ),
    pytest.param(
        "zhengzhou/2020",
        [rec("2020-03-01", 24, required_course=True), rec("2020-04-01", 60, "professional")],
        "尚未达标：公需科目还差 6 学时",
        id="zhengzhou-required-course-met-public-short",
    ),
    pytest.param(
        "zhengzhou/2020",
        [rec("2020-03-01", 8, required_course=True), rec("2020-04-01", 60, "professional")],
        "尚未达标：公需科目还差 22 学时（其中必修课 16 学时）",
        id="zhengzhou-public-short-more-than-required-course",
    ),
    pytest.param(
        "luoyang/2023",
        [rec("2023-03-01", 31)],
        "尚未达标：专业科目还差 60 学时；公需科目多出的学时不能抵专业科目",
        id="luoyang-public-surplus-does-not-fill-professional",
    ),
    pytest.param(
        "luoyang/2023",
        [rec("2023-03-01", 10)],
        "尚未达标：共还差 80 学时：公需科目还差 20 学时，专业科目还差 60 学时",
        id="luoyang-both-short",
    ),
    pytest.param(
        "henan/2023",
        [rec("2023-03-01", 30), rec("2023-06-01", 60, "professional")],
        COMPLIANT,
        id="henan-compliant",
    ),
]


@pytest.mark.parametrize("policy, records, words", VERDICTS)
def test_the_verdict_names_the_floor_that_is_short(engine, policy, records, words):
    result = check(engine, policy, records, f"{policy[-4:]}-06-30")
    assert verdict(result)["text"] == words
    assert verdict(result)["compliant"] is result["compliant"]


def test_a_bar_is_full_only_when_nothing_in_its_row_is_short(engine):
    records = [
        rec("2020-03-01", 20, required_course=True),
        rec("2020-03-02", 15),
        rec("2020-04-01", 60, "professional"),
    ]
    table = {row["key"]: row for row in rows(check(engine, "zhengzhou/2020", records, "2020-06-30"))}
    assert list(table) == ["total", "public", "public_required_course", "professional"]
    # 95 credited of 90 and 35 of 30, yet 4 short: neither bar is full, and each says why
    assert table["total"]["credited"] == 95 and table["total"]["progress"] == {"value": 86, "max": 90}
    assert table["public"]["credited"] == 35 and table["public"]["progress"] == {"value": 26, "max": 30}
    assert not table["total"]["full"] and not table["public"]["full"]
    assert table["public"]["note"] == "含必修课尚差 4 学时"
    assert table["total"]["note"] == "含必修课尚差 4 学时"
    assert table["public_required_course"]["progress"] == {"value": 20, "max": 24}
    assert table["professional"]["full"] and table["professional"]["note"] is None
    # a notice without a 必修 floor has no such row
    assert [r["key"] for r in rows(check(engine, "luoyang/2023", [], "2023-06-30"))] == [
        "total",
        "public",
        "professional",
    ]


def test_a_floor_prorated_to_nothing_is_a_full_bar(engine):
    result = check(engine, "luoyang/2023", [], "2023-06-30", circumstances={"abroad_months": 12})
    for row in rows(result):
        assert row["required"] == 0 and row["full"] and row["progress"]["value"] == row["progress"]["max"]


def test_planned_records_are_apart_with_what_would_remain(engine):
    records = [rec("2023-03-01", 30), rec("2023-09-01", 20, "professional"), rec("2023-10-01", 40, "professional")]
    result = check(engine, "luoyang/2023", records, "2023-06-30")
    plan = planned(result)
    assert plan is not None and plan["records"] == [1, 2]
    assert plan["text"] == "这些记录按期完成后，即可达到本年度学时要求"
    assert all(r["full"] for r in plan["rows"])
    assert verdict(result)["text"] == "尚未达标：专业科目还差 60 学时"
    short = planned(check(engine, "luoyang/2023", records[:2], "2023-06-30"))
    assert short is not None and short["text"] == "这些记录按期完成后仍未达标：专业科目还差 40 学时"
    assert planned(check(engine, "luoyang/2023", records[:1], "2023-06-30")) is None


# --- after the deadline ---------------------------------------------------------------------------------------


def test_after_the_deadline_the_notice_is_quoted_on_making_up(engine):
    luoyang = check(engine, "luoyang/2023", [rec("2023-03-01", 10)], "2026-12-01")
    said = after_deadline(engine.policy("luoyang/2023"), luoyang)
    assert said is not None and not said["silent"]
    assert [i["rule"] for i in said["items"]] == ["make_up.past_years_end"]
    assert "原则上自 2024 年起不再开展往年补学" in said["items"][0]["text"]
    assert "往年内容补学、学时补报" in said["items"][0]["source"]["quote"]
    assert said["heading"] == f"截止日期已过 {-luoyang['days_left']} 天：能否补学"

    zhengzhou = check(engine, "zhengzhou/2020", [rec("2020-03-01", 10)], "2026-12-01")
    said = after_deadline(engine.policy("zhengzhou/2020"), zhengzhou)
    assert said is not None
    assert [i["rule"] for i in said["items"]] == [
        "make_up.application_windows",
        "make_up.study_period",
        "make_up.completion_deadline",
        "make_up.who_applies",
        "make_up.counts_for_annual_appraisal",
    ]
    assert "上半年 2020年3月26日至2020年5月31日" in said["items"][0]["text"] and "（已过）" in said["items"][0]["text"]
    assert all(i["source"] for i in said["items"])
    assert "没有写截止日期过后的现在还能否补学" in said["advice"]


def test_a_notice_silent_on_making_up_says_so_and_names_the_unarchived_higher_notice(engine):
    anyang = check(engine, "anyang/2025", [rec("2025-03-01", 10)], "2026-12-01")
    said = after_deadline(engine.policy("anyang/2025"), anyang)
    assert said is not None and said["silent"] and said["items"][0]["source"] is None
    assert "本通知没有写截止日期之后能否补学" in said["items"][0]["text"]
    assert "豫人社函〔2025〕168号" in said["items"][0]["text"]
    pingdingshan = check(engine, "pingdingshan/2021", [rec("2021-03-01", 10)], "2026-12-01")
    said = after_deadline(engine.policy("pingdingshan/2021"), pingdingshan)
    assert said is not None and said["silent"] and "上级通知" not in said["items"][0]["text"]


def test_nothing_about_making_up_before_the_deadline_or_when_done(engine):
    before = check(engine, "luoyang/2023", [rec("2023-03-01", 10)], "2023-06-30")
    assert after_deadline(engine.policy("luoyang/2023"), before) is None
    done = check(engine, "henan/2023", [rec("2023-03-01", 30), rec("2023-06-01", 60, "professional")], "2026-12-01")
    assert after_deadline(engine.policy("henan/2023"), done) is None


# --- the fields a notice provides -----------------------------------------------------------------------------


def test_the_form_shows_only_what_the_notice_provides(engine):
    luoyang = form_fields(engine.policy("luoyang/2023"))
    assert all(luoyang["shown"][f"circumstances.{m}_months"] for m in ("abroad", "sick_leave", "maternity"))
    assert luoyang["shown"]["cadre_academy_hours"] and luoyang["shown"]["circumstances.full_year_service"]
    assert luoyang["shown"]["days"] and not luoyang["shown"]["required_course"]
    assert "超过 6 个月才折算" in luoyang["hints"]["circumstances.abroad_months"]
    assert luoyang["hints"]["cadre_academy_hours"] == "仅事业单位工作人员可申请抵扣公需科目学时"
    offset = luoyang["evidence"]["cadre_academy_hours"]
    assert "加盖单位人事部门印章" in offset["text"] and "截图" in offset["text"] and offset["source"]["quote"]
    assert luoyang["when"] == {"required_course": {"category": "public"}, "days": {"mode": "face_to_face"}}

    zhengzhou = form_fields(engine.policy("zhengzhou/2020"))
    assert zhengzhou["shown"]["required_course"] and not zhengzhou["shown"]["cadre_academy_hours"]
    assert not any(zhengzhou["shown"][f"circumstances.{m}_months"] for m in ("abroad", "sick_leave"))
    lines = [n["text"] for n in zhengzhou["notes"] if n["group"] == "circumstances"]
    assert lines == [
        "本通知未规定按实际在岗时间折算应完成学时、援派或基层服务满一年的学时认定、河南干部网络学院学时抵扣公需课学时，"
        "无需填写。"
    ]
    anyang = form_fields(engine.policy("anyang/2025"))
    assert not anyang["shown"]["cadre_academy_hours"]
    lines = [n["text"] for n in anyang["notes"] if n["group"] == "circumstances"]
    assert len(lines) == 1 and "豫人社函〔2025〕168号" in lines[0] and "不在本项目存档中" in lines[0]
    assert "无需填写" not in lines[0], "the higher notice may provide it: not 'nothing to fill in'"


def test_a_value_the_notice_does_not_use_is_held_back_not_lost(engine):
    fields = form_fields(engine.policy("zhengzhou/2020"))
    typed = {
        "policy": "zhengzhou/2020",
        "circumstances": {"abroad_months": "3", "sick_leave_months": "", "full_year_service": True},
        "cadre_academy_hours": "5",
        "records": [
            {"category": "professional", "required_course": True, "mode": "online", "days": "2", "hours": "6"},
            {"category": "public", "required_course": True, "mode": "online", "days": "", "hours": "6"},
        ],
    }
    sent, held = held_back(typed, fields)
    assert [h["field"] for h in held] == [
        "circumstances.abroad_months",
        "circumstances.full_year_service",
        "cadre_academy_hours",
        "records[0].required_course",
        "records[0].days",
    ]
    assert sent["circumstances"]["abroad_months"] == "" and sent["circumstances"]["full_year_service"] is False
    assert sent["records"][0]["required_course"] is False and sent["records"][1]["required_course"] is True
    assert typed["circumstances"]["abroad_months"] == "3", "the form itself is not changed"
    assert "必修课只属于公需科目" in held[3]["message"] and "保存在本机浏览器" in held[3]["message"]


def test_the_browser_answer_carries_the_view_and_names_the_forms_rows(engine, monkeypatch):
    monkeypatch.setattr(browser, "engine", lambda: engine)
    blank = {"date": "", "category": "public", "required_course": False, "hours": "", "mode": "online", "days": ""}
    form = {
        "policy": "zhengzhou/2020",
        "circumstances": {"abroad_months": "2"},
        "records": [
            blank,  # an empty row is not sent: the engine's records[0] is the form's row 1
            {**blank, "date": "2020-03-01", "hours": "20", "required_course": True},
            {**blank, "date": "2020-12-20", "hours": "8", "category": "professional", "mode": "face_to_face"},
            {**blank, "date": "2020-11-01", "hours": "4", "required_course": True},
        ],
    }
    answer = json.loads(browser.handle(json.dumps({"form": form, "as_of": "2020-10-01"})))
    assert answer["ok"], answer
    assert [late["record"] for late in answer["result"]["late"]] == [2]
    assert answer["result"]["planned"]["records"] == [3]
    # 20 必修 of 24, no other public, no professional (the face-to-face one is late): 4 + 6 + 60
    words = "尚未达标：共还差 70 学时：公需科目还差 10 学时（其中必修课 4 学时），专业科目还差 60 学时"
    assert answer["view"]["verdict"]["text"] == words
    assert answer["view"]["planned"]["records"] == [3]
    assert answer["view"]["after_deadline"] is None
    assert [h["field"] for h in answer["held"]] == ["circumstances.abroad_months"]
    assert "circumstances.abroad_months" not in answer["readings"]
