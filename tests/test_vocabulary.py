"""The one input vocabulary (calculator.vocabulary): what each kind of cell text means, and what it refuses.

A table of cases per kind of cell: text as people type it or spreadsheets write it, and the value it must
give, or the words the refusal must contain (it always quotes the text as given).
"""

from __future__ import annotations

import pytest

from calculator import vocabulary
from calculator.person import FieldError

ACCEPTED = [
    # (reader, text, value)
    ("date_cell", "2023-05-10", ("2023-05-10", 2023)),
    ("date_cell", "2023-5-1", ("2023-05-01", 2023)),
    ("date_cell", "2023/5/10", ("2023-05-10", 2023)),
    ("date_cell", "2023.5.10", ("2023-05-10", 2023)),
    ("date_cell", "2023年5月10日", ("2023-05-10", 2023)),
    ("date_cell", "2023 年 5 月 10 日", ("2023-05-10", 2023)),
    ("date_cell", "２０２３年５月１０日", ("2023-05-10", 2023)),
    ("date_cell", " 2023/05/10 ", ("2023-05-10", 2023)),
    ("date_cell", "2023/5/10 0:00", ("2023-05-10", 2023)),
    ("date_cell", "2023-05-10 00:00:00", ("2023-05-10", 2023)),
    ("date_cell", "\ufeff2023-05-10", ("2023-05-10", 2023)),
    ("hours_cell", "16", 1600),
    ("hours_cell", "16学时", 1600),
    ("hours_cell", "16 学时", 1600),
    ("hours_cell", "１６", 1600),
    ("hours_cell", "1.5", 150),
    ("hours_cell", "1.50", 150),
    ("hours_cell", ".5", 50),
    ("hours_cell", "0.25", 25),
    ("hours_cell", "2.500", 250),
    ("hours_cell", "０．５", 50),
    ("months_cell", "5个月", 500),
    ("months_cell", "5 月", 500),
    ("months_cell", "3.5", 350),
    ("days_cell", "", (100, False)),
    ("days_cell", "2天", (200, True)),
    ("days_cell", "3", (300, True)),
    ("category_cell", "公需", "public"),
    ("category_cell", "公需科目", "public"),
    ("category_cell", "公需课", "public"),
    ("category_cell", " Public ", "public"),
    ("category_cell", "专业课", "professional"),
    ("category_cell", "专业科目", "professional"),
    ("mode_cell", "线上", "online"),
    ("mode_cell", "网络", "online"),
    ("mode_cell", "在线学习", "online"),
    ("mode_cell", "面授", "face_to_face"),
    ("mode_cell", "线下", "face_to_face"),
    ("mode_cell", "活动折算", "activity"),
    ("mode_cell", "", "online"),
    ("employer_cell", "事业单位", "public_institution"),
    ("employer_cell", "enterprise", "enterprise"),
    ("bool_cell", "TRUE", True),
    ("bool_cell", "yes", True),
    ("bool_cell", "是", True),
    ("bool_cell", "√", True),
    ("bool_cell", "必修", True),
    ("bool_cell", "1", True),
    ("bool_cell", "选修", False),
    ("bool_cell", "否", False),
    ("bool_cell", "", False),
    ("bool_cell", "FALSE", False),
]

REFUSED = [
    # (reader, text, words the message must contain)
    ("date_cell", "", "缺少此项"),
    ("date_cell", "5/1/2023", "'5/1/2023'"),
    ("date_cell", "5/1/2023", "分不清月和日"),
    ("date_cell", "45056", "日期格式"),
    ("date_cell", "2023-02-30", "日期不存在"),
    ("date_cell", "2023-13-01", "日期不存在"),
    ("date_cell", "2023年5月", "'2023年5月'"),
    ("date_cell", "明天", "'明天'"),
    ("date_cell", "2023-05-10 08:30", "'2023-05-10 08:30'"),
    ("hours_cell", "", "缺少此项"),
    ("hours_cell", "   ", "缺少此项"),
    ("hours_cell", "3_0", "'3_0'"),
    ("hours_cell", "1e3", "'1e3'"),
    ("hours_cell", "1e999", "'1e999'"),
    ("hours_cell", "nan", "'nan'"),
    ("hours_cell", "inf", "'inf'"),
    ("hours_cell", "1,000", "'1,000'"),
    ("hours_cell", "5000.004", "最多两位小数"),
    ("hours_cell", "1.005", "最多两位小数"),
    ("hours_cell", "16小时", "'16小时'"),
    ("hours_cell", "-3", "不能为负数"),
    ("hours_cell", "9000", "不能超过"),
    ("hours_cell", "1" * 40, "数值过大"),
    ("hours_cell", ".", "'.'"),
    ("hours_cell", "十六", "'十六'"),
    ("months_cell", "13", "不能超过 12"),
    ("months_cell", "五个月", "'五个月'"),
    ("days_cell", "0", "天数"),
    ("category_cell", "", "缺少此项"),
    ("category_cell", "必修", "未知的类别"),
    ("mode_cell", "函授", "未知的学习方式"),
    ("employer_cell", "私企", "未知的单位类型"),
    ("bool_cell", "也许", "'也许'"),
]


@pytest.mark.parametrize(("reader", "text", "value"), ACCEPTED)
def test_accepted(reader, text, value):
    assert getattr(vocabulary, reader)(text, "列") == value


@pytest.mark.parametrize(("reader", "text", "words"), REFUSED)
def test_refused(reader, text, words):
    with pytest.raises(FieldError) as caught:
        getattr(vocabulary, reader)(text, "学时列")
    assert caught.value.field == "学时列"
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("日期", "date"),
        (" Hours ", "hours"),
        ("工号", "person_id"),
        ("身份证号", "person_id"),
        ("人员 编号", "person_id"),
        ("\ufeffperson_id", "person_id"),
        ("是否必修", "required_course"),
        ("ＤＡＴＥ", "date"),
        ("circumstances.abroad_months", "abroad_months"),
        ("部门", None),
        ("备注", None),
        ("", None),
    ],
)
def test_headers(header, field):
    assert vocabulary.column_for(header) == field


def test_every_field_has_a_chinese_header():
    for field in vocabulary.COLUMN_NAMES:
        header = vocabulary.chinese_header(field)
        assert not header.isascii()
        assert vocabulary.column_for(header) == field
