"""What the calculator page says around its numbers, in Debian's Chromium (issue 12 items 3-5, issue 11's late and
planned records): a Zhengzhou 2020 teacher with 必修 and 选修 hours, a face-to-face record after the audit's
12-10 and one still planned, typed through the form at 375 px and 1280 px.

- the verdict names the 必修 floor that is short, the words Python decided (calculator.verdict), and the bars of
  合计 and 公需科目 are not full although their credited hours reach the floor;
- the fields Zhengzhou's notice does not provide (months, 援藏, the cadre academy, days) are absent, with one line
  saying so; 必修课 only on public records; a value held back is kept and said so; under Luoyang the cadre-academy
  field is there with what the offset needs;
- the late record (its reason, its passage linked) and the planned one (what would remain) are shown apart;
- after the deadline, what the notice says about making up, quoted.
Screenshots go to build/screens/ (looked at by a person).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_browser import UPDATE_S, Tab, fill_record, record, wait_ready, wait_state

from calculator.verdict import verdict

SCREENS = Path(__file__).resolve().parent.parent / "build" / "screens"
KEY = "henan-ce-calculator/v1"
AS_OF = "2020-11-01"
RECORDS = [
    record(date="2020-03-01", hours=20, required_course=True, title="必修课"),
    record(date="2020-03-02", hours=15, title="选修课"),
    record(date="2020-04-01", hours=60, category="professional", title="专业课"),
    record(date="2020-12-15", hours=8, category="professional", mode="face_to_face", title="12 月 15 日的面授"),
    record(date="2020-11-20", hours=4, required_course=True, title="计划中的必修课"),
]


class Dated:
    """The page's data with an as-of day (the page sends `as_of` when its data has one): a record can then be
    planned under a notice of 2020. None: today."""

    def __init__(self) -> None:
        self.as_of: str | None = AS_OF

    def __call__(self, route: Any) -> None:
        response = route.fetch()
        body = response.text()
        if self.as_of:
            opening = '<script type="application/json" id="calculator-data">{'
            assert opening in body
            body = body.replace(opening, opening + json.dumps({"as_of": self.as_of})[1:-1] + ", ")
        route.fulfill(response=response, body=body)


def visible(page: Any, selector: str) -> bool:
    return page.locator(selector).is_visible()


def choose(page: Any, policy: str) -> None:
    """Choose a notice, and wait until the form shows its fields (read from the notice's own file)."""
    page.select_option("#f-policy", policy)
    page.locator(f'#calc-form[data-fields="{policy}"]').wait_for(state="attached", timeout=UPDATE_S * 1000)


@pytest.mark.parametrize("width, height, mobile", [(375, 812, True), (1280, 900, False)], ids=["375px", "1280px"])
def test_the_verdict_the_fields_and_the_late_and_planned_records(browser, server, built, width, height, mobile):
    from calculator.engine import Engine

    SCREENS.mkdir(parents=True, exist_ok=True)
    # no service worker: every load of the page goes through the route that dates it
    tab = Tab(
        browser,
        server.base,
        viewport={"width": width, "height": height},
        is_mobile=mobile,
        has_touch=mobile,
        service_workers="block",
    )
    dated = Dated()
    tab.page.route(re.compile(r".*/calculator/(index\.html)?(\?.*)?$"), dated)
    try:
        page = tab.open()
        choose(page, "zhengzhou/2020")
        # the fields the notice does not provide are absent, with one line saying so
        for field in ("circumstances-abroad_months", "circumstances-full_year_service", "cadre_academy_hours"):
            assert not visible(page, f"#f-{field}"), field
        notes = page.locator('[data-notes="circumstances"]').inner_text()
        assert "本通知未规定" in notes and "援派" in notes and "干部网络学院" in notes
        assert page.locator('[data-notes="circumstances"] li').count() == 1
        assert not visible(page, "#f-records-0-days"), "no day cap in this notice: no days"
        assert visible(page, "#f-records-0-required_course"), "a 必修 floor, a public record: the box"
        page.select_option("#f-records-0-category", "professional")
        assert not visible(page, "#f-records-0-required_course"), "必修课 only on public records"
        page.select_option("#f-records-0-category", "public")

        for row, rec in enumerate(RECORDS):
            if row:
                page.click("#calc-add")
            fill_record(page, row, rec)
        person = {"policy": "zhengzhou/2020", "records": RECORDS}
        result = Engine(built[1]).check(json.loads(json.dumps(person)), dt.date.fromisoformat(AS_OF))
        words = verdict(result)["text"]
        # by hand: 20 必修 of 24 (the planned 4 not yet credited); 35 public and 95 in all reach their floors
        assert words == "尚未达标：必修课还差 4 学时；选修课学时不能抵必修课"
        results = page.locator("#calc-results")
        results.locator(".calc-verdict").filter(has_text=words).wait_for(timeout=UPDATE_S * 1000)
        assert results.locator(".calc-verdict").inner_text() == words
        bars = {
            row.locator("th").inner_text(): row.locator("progress").evaluate("p => [p.value, p.max]")
            for row in results.locator(".calc-table tbody tr").all()
        }
        assert bars["合计"] == [86, 90] and bars["公需科目"] == [26, 30] and bars["其中必修课"] == [20, 24]
        assert bars["专业科目"] == [60, 60]
        assert "含必修课尚差 4 学时" in results.locator(".calc-table").inner_text()

        # the late record and the planned one, apart, each with what it needs
        late = results.locator("section.calc-late")
        assert late.locator("li").count() == 1
        assert late.inner_text().startswith("逾期未计入的记录（1 条）")
        assert "第 4 条记录：日期 2020-12-15" in late.inner_text() and "2020-12-10" in late.inner_text()
        assert result["late"][0]["source"]["quote"] in late.locator("blockquote").inner_text()
        assert late.locator("blockquote a").count() == 1
        plan = results.locator("section.calc-planned")
        assert "第 5 条记录" in plan.inner_text() and "第 4 条记录" not in plan.inner_text()
        assert plan.locator(".calc-planned-outcome").inner_text() == "这些记录按期完成后，即可达到本年度学时要求"
        hints = results.locator('section[aria-label="提示"]')
        assert hints.count() == 0 or "第 4 条记录" not in hints.inner_text()
        page.screenshot(path=str(SCREENS / f"words-{width}-zhengzhou.png"), full_page=True)

        # a value the notice does not use is held back: kept in this browser, said so, not counted
        page.check("#f-records-1-required_course")
        page.select_option("#f-records-1-category", "professional")
        held = page.locator("#m-records-1")
        held.filter(has_text="必修课只属于公需科目").wait_for(timeout=UPDATE_S * 1000)
        saved = json.loads(page.evaluate(f"() => localStorage.getItem({KEY!r})"))
        assert saved["records"][1]["required_course"] is True, "kept"
        page.select_option("#f-records-1-category", "public")
        page.uncheck("#f-records-1-required_course")
        results.locator(".calc-verdict").filter(has_text=words).wait_for(timeout=UPDATE_S * 1000)

        # Luoyang: the cadre-academy field, with what the offset needs and its passage
        choose(page, "luoyang/2023")
        assert visible(page, "#f-cadre_academy_hours") and visible(page, "#f-circumstances-abroad_months")
        evidence = page.locator('[data-evidence="cadre_academy_hours"]')
        assert "加盖单位人事部门印章" in evidence.inner_text() and "截图" in evidence.inner_text()
        assert evidence.locator("blockquote a").count() == 1
        # linked to the passage itself on the notice page, before any answer (the page's data names its anchor)
        assert re.search(r"#q-[0-9a-f]{10}$", evidence.locator("blockquote a").get_attribute("href") or "")
        assert not visible(page, "#f-records-0-required_course"), "no 必修 floor in Luoyang's notice"
        page.locator(".calc-person").screenshot(path=str(SCREENS / f"words-{width}-luoyang-fields.png"))

        # a person's own value the next notice does not use: said in the list under the person's fields, and
        # gone from it when a notice uses it again (the list changes only when its lines do)
        person_held = page.locator("#calc-held-person")
        page.fill("#f-cadre_academy_hours", "10")
        wait_state(page, "result", UPDATE_S * 1000)
        assert not visible(page, "#calc-held-person")
        choose(page, "zhengzhou/2020")
        person_held.filter(has_text="填了“10”").wait_for(timeout=UPDATE_S * 1000)
        assert person_held.locator("li").count() == 1 and "未计入核对" in person_held.inner_text()
        page.fill("#f-records-0-hours", page.input_value("#f-records-0-hours") + "0")  # another answer, same list
        wait_state(page, "result", UPDATE_S * 1000)
        assert person_held.locator("li").count() == 1
        page.fill("#f-records-0-hours", page.input_value("#f-records-0-hours")[:-1])
        choose(page, "luoyang/2023")
        person_held.wait_for(state="hidden", timeout=UPDATE_S * 1000)
        assert person_held.locator("li").count() == 0
        page.fill("#f-cadre_academy_hours", "")

        # after the deadline (today): what Zhengzhou's notice says about making up, quoted
        choose(page, "zhengzhou/2020")
        page.click('button[data-remove="4"]')
        dated.as_of = None
        page.reload()
        wait_ready(page)
        wait_state(page, "result", UPDATE_S * 1000)
        after = results.locator("section.calc-after-deadline")
        after.wait_for(timeout=UPDATE_S * 1000)
        assert after.locator("h3").inner_text().startswith("截止日期已过")
        assert "补学补审申请办理时间" in after.inner_text() and "不计算为 2020 年度考核" in after.inner_text()
        assert "超出后不再办理" in after.locator("blockquote").first.inner_text()
        page.screenshot(path=str(SCREENS / f"words-{width}-after-deadline.png"), full_page=True)
        tab.assert_clean()
    finally:
        tab.close()
