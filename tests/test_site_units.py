"""Units of the site generator: Chinese values, quote anchors, comparison, charts, links."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from calculator.citations import find_quote, quote_id  # noqa: E402
from calculator.policy_files import load_policies  # noqa: E402
from sitegen import charts, notice_text, urls  # noqa: E402
from sitegen.compare import compare_rule, meaning  # noqa: E402
from sitegen.linkcheck import check_site  # noqa: E402
from sitegen.pages import md_link  # noqa: E402
from sitegen.quotes import Notice, bundle_citations, mark_up  # noqa: E402
from sitegen.values import value_html, value_text  # noqa: E402


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        ("hours", 90, "90 学时"),
        ("hours", 1.5, "1.5 学时"),
        ("date", "2023-12-31", "2023年12月31日"),
        ("date_range", {"from": "2020-12-11", "to": "2020-12-31"}, "2020年12月11日至12月31日"),
        (
            "date_ranges",
            [{"from": "2020-03-26", "to": "2020-05-31", "note": "上半年"}, {"from": "2020-12-20", "to": "2021-01-10"}],
            "2020年3月26日至5月31日（上半年）；2020年12月20日至2021年1月10日",
        ),
        (
            "employers",
            ["public_institution", "enterprise", "government", "social_org", "other"],
            "事业单位、企业、机关、社会组织、其他",
        ),
        ("bool", True, "是"),
        ("bool", False, "否"),
        ("percent", 1.5, "1.5%"),
        ("year", 2024, "2024年"),
        ("count", 5, "5"),
        ("credit", {"public": 30, "professional": 60}, "公需科目 30 学时，专业科目 60 学时"),
        (
            "proration_cases",
            [
                {"case": "abroad", "threshold_months": 6},
                {"case": "sick_leave", "threshold_months": 6},
                {"case": "maternity", "threshold_months": None},
                {"case": "approved_leave", "threshold_months": None},
            ],
            "境外工作（超过 6 个月）；病假（超过 6 个月）；生育（未设月数门槛）；经批准的其他情况（未设月数门槛）",
        ),
        (
            "platforms",
            [{"name": "甲平台", "url": "http://a.example/", "hotline": "400", "subjects": ["public", "declaration"]}],
            "甲平台（http://a.example/；服务热线 400；用于公需科目、学时申报）",
        ),
        ("text_list", ["一", "二"], "一；二"),
        ("text", "按自然年度计算", "按自然年度计算"),
    ],
)
def test_values_in_chinese(kind, value, text):
    assert value_text(kind, value) == text


def test_value_html_escapes_and_links_only_addresses_with_a_scheme():
    cite = lambda cs: f"<q>{len(cs)}</q>"  # noqa: E731
    html = value_html(
        "platforms",
        [
            {"name": "<b>x</b>", "url": "hnzj.example.com", "subjects": ["public"], "sources": [{"quote": "q"}]},
            {"name": "y", "url": "https://y.example/?a=1&b=2", "subjects": ["professional"]},
        ],
        cite,
    )
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html
    assert "<code>hnzj.example.com</code>" in html and 'href="hnzj' not in html
    assert 'href="https://y.example/?a=1&amp;b=2"' in html and 'rel="noopener nofollow"' in html
    assert "<q>1</q>" in html
    assert value_html("text", "<script>", cite) == '<p class="value value-text">&lt;script&gt;</p>'


def test_notice_find_agrees_with_the_checked_citation_finder():
    policy_set = load_policies(ROOT / "policies")
    from calculator.bundle import compile_bundle
    from calculator.schema_check import load_schema

    bundle = compile_bundle({pid: p.data for pid, p in policy_set.policies.items()}, load_schema(), policy_set.regions)
    cited = bundle_citations(bundle)
    assert sum(len(q) for q in cited.values()) > 150
    for document, quotes in cited.items():
        notice = Notice(policy_set.notices[document])
        for quote in quotes:
            assert notice.find(quote) == find_quote(quote, policy_set.notices[document]) is not None


def test_quote_ids_ignore_white_space_and_differ_by_words():
    assert quote_id("每年累计 应不少于90学时") == quote_id("每年累计应不少于 90 学时")
    assert quote_id("90学时") != quote_id("60学时")
    assert quote_id("x").startswith("q-") and len(quote_id("x")) == 12


def test_mark_up_nests_splits_and_escapes():
    text = "a<b>cdefgh\tij"
    spans = {"q-outer": (1, 9), "q-inner": (3, 5), "q-cross": (7, 12)}
    html, split = mark_up(text, spans, {"q-inner": "damaged"})
    assert html.startswith('a<span class="q q-outer" id="q-outer">&lt;b<span')
    assert '<span class="q q-inner damaged" id="q-inner">' in html
    assert split == {"q-cross"}  # it starts inside q-outer and ends after it
    assert html.count('id="q-cross"') == 1 and html.count('class="q q-cross"') == 2
    assert "&#9;" in html and "\t" not in html
    assert html.count("<span") == html.count("</span>")
    # Without the tags and references, the text is exactly the original.
    import html as html_module
    import re

    assert html_module.unescape(re.sub(r"<[^>]+>", "", html)) == text


def test_notice_structure_becomes_html_and_every_passage_keeps_one_anchor():
    text = "# 标题\n\n---\n\n**（一）加粗。**正文<甲>\n第二行\n\n区域\t人数\n中原区\t260\n"
    spans = {
        "q-across": (text.index("标题") + 1, text.index("正文") + 1),  # heading into the paragraph
        "q-cell": (text.index("中原区"), text.index("260") + 3),  # over two table cells
        "q-bold": (text.index("加粗"), text.index("加粗") + 2),
    }
    html, split = notice_text.render(text, spans, {"q-bold": "damaged"})
    assert '<h3 class="notice-h1">标<span class="q q-across" id="q-across">题</span></h3><hr>' in html
    assert (
        '<strong><span class="q q-across">（一）' in html and "**" not in html and "#" not in html and "---" not in html
    )
    assert '<thead><tr><th scope="col">区域</th><th scope="col">人数</th></tr></thead>' in html
    assert "&lt;甲&gt;" in html and "第二行" in html and "\t" not in html
    for qid in spans:
        assert html.count(f'id="{qid}"') == 1, qid
    assert split == {"q-across", "q-cell"}  # drawn in pieces, highlighted together
    assert html.count('class="q q-across"') == 3  # heading, the bold run, the text after it
    assert '<span class="q q-bold damaged" id="q-bold">加粗</span>' in html
    assert html.count("<span") == html.count("</span>")


def test_a_passage_of_marks_only_still_has_its_anchor():
    text = "甲\n\n---\n\n乙"
    html, _ = notice_text.render(text, {"q-rule": (text.index("-"), text.index("-") + 3)})
    assert html.count('id="q-rule"') == 1


def test_dates_compare_relative_to_the_policy_year():
    a = {"state": "stated", "value": "2023-12-31", "from": "x/2023", "sources": []}
    b = {"state": "stated", "value": "2024-12-31", "from": "x/2024", "sources": []}
    assert meaning(a, 2023) == meaning(b, 2024)
    assert meaning(a, 2023) != meaning(b, 2023)
    kind, _ = compare_rule(a, b, 2023, 2024, "x/2024")
    assert kind == "same"
    c = {**b, "value": "2024-12-30"}
    assert compare_rule(a, c, 2023, 2024, "x/2024") == ("changed", ["value"])
    d = {**a, "interpretation": "按当年 12 月 31 日计", "from": "x/2023"}
    assert compare_rule(a, d, 2023, 2023, "x/2023") == ("changed", ["interpretation"])
    absent = {"state": "unknown", "value": None, "from": None, "sources": []}
    assert compare_rule(absent, a, 2023, 2023, "x/2023")[0] == "added"
    assert compare_rule(a, absent, 2023, 2023, "x/2023")[0] == "removed"


def test_charts_are_well_formed_svg_with_one_bar_per_value():
    annex = {
        "title": "表",
        "unit": "人",
        "columns": [
            {"key": "name", "title": "地区", "type": "text"},
            {"key": "n", "title": "人数", "type": "count"},
            {"key": "m", "title": "完成", "type": "count"},
            {"key": "r", "title": "比率", "type": "percent"},
        ],
        "rows": [
            {"cells": {"name": "甲<", "n": 10, "m": 5, "r": 50.0}},
            {"cells": {"name": "乙", "n": 0, "m": 0, "r": 0}},
        ],
        "checks": [{"kind": "row_rate", "numerator": "m", "denominator": "n", "rate": "r", "decimals": 2}],
    }
    drawn = charts.annex_charts(annex)
    assert len(drawn) == 2 and all(len(d) == len(charts.LAYOUTS) for d in drawn)
    for svg in (s for d in drawn for s in d):
        root = ET.fromstring(svg)
        assert root.tag == "svg" and "http" not in svg
        bars = root.findall("rect")
        assert len([b for b in bars if b.find("title") is not None]) == (4 if svg in drawn[0] else 2)
        assert int(root.get("width", "0")) == int(root.get("viewBox", "").split()[2])
    assert "50.00%" in drawn[1][0] and "甲&lt;" in drawn[0][0]
    narrow, wide = (ET.fromstring(s) for s in drawn[0])
    assert "chart-narrow" in narrow.get("class", "") and "chart-wide" in wide.get("class", "")
    # The narrow drawing puts each label on its own line, at the left, above its bars.
    assert all(t.get("x") == "0" for t in narrow.findall("text") if t.get("class") == "label")


def test_relative_links_between_pages():
    link = urls.href("policies/luoyang/2023.md", "notices/luoyang-2023.md", "q-1")
    assert link == "../../notices/luoyang-2023.html#q-1"
    assert urls.href("index.md", "policies/henan/2023.md") == "policies/henan/2023.html"
    assert urls.href("compare.md", "compare.md", "x") == "compare.html#x"
    assert md_link("../compare.html#x") == "../compare.md#x"
    assert urls.rule_anchor("cadre_academy_offset.eligible_employers") == "r-cadre-academy-offset-eligible-employers"


def test_link_check_finds_missing_pages_anchors_and_external_loads(tmp_path):
    (tmp_path / "a.html").write_text(
        '<a href="b.html#here">ok</a><a href="b.html#gone">x</a><a href="c.html">x</a>'
        '<a href="https://example.com/">fine: a link, not a load</a>'
        '<script src="https://cdn.example.com/x.js"></script><link rel="stylesheet" href="//fonts.example/x.css">',
        encoding="utf-8",
    )
    (tmp_path / "b.html").write_text('<p id="here">b</p><img src="data:image/png;base64,AA">', encoding="utf-8")
    (tmp_path / "s.css").write_text("body{background:url(https://x.example/i.png)}", encoding="utf-8")
    problems = check_site(tmp_path)
    assert len(problems) == 5
    assert any("#gone" in p for p in problems) and any("c.html" in p for p in problems)
    assert any("cdn.example.com" in p for p in problems) and any("fonts.example" in p for p in problems)
    assert any("s.css" in p for p in problems)


def test_a_matrix_too_wide_for_one_page_is_split_by_year_and_by_region(monkeypatch):
    from calculator.bundle import compile_bundle
    from calculator.schema_check import load_schema
    from sitegen import pages as site_pages

    policy_set = load_policies(ROOT / "policies")
    bundle = compile_bundle({pid: p.data for pid, p in policy_set.policies.items()}, load_schema(), policy_set.regions)
    one = {p.path: p for p in site_pages.SiteData(bundle, policy_set.notices).pages()}
    assert not any(path.startswith("compare/") for path in one) and len(one["compare.md"].context["columns"]) == 5
    monkeypatch.setattr(site_pages, "MATRIX_COLUMNS", 2)  # as if there were too many policies for one page
    data = site_pages.SiteData(bundle, policy_set.notices)
    split = {p.path: p for p in data.pages()}
    index = split["compare.md"].context
    assert index["parts"] and [y["title"] for y in index["years"]] == [f"{y} 年各地" for y in (2020, 2021, 2023, 2025)]
    assert len(index["regions"]) == 5
    parts = {path: p.context for path, p in split.items() if path.startswith("compare/")}
    assert set(parts) == {"compare/2020.md", "compare/2021.md", "compare/2023.md", "compare/2025.md"} | {
        f"compare/{r}.md" for r in ("henan", "zhengzhou", "luoyang", "pingdingshan", "anyang")
    }
    # every policy in exactly two parts (its year's, its region's): the pages grow with the policies, no faster
    shown = Counter(c["id"] for ctx in parts.values() for c in ctx["columns"])
    assert shown == dict.fromkeys(bundle["policies"], 2)
    assert [c["id"] for c in parts["compare/2023.md"]["columns"]] == ["henan/2023", "luoyang/2023"]
    assert "#pick-2:checked" in parts["compare/2023.md"]["pick_css"]
    # a policy page links to the part with the other regions of its year
    assert split["policies/luoyang/2023.md"].context["compare_href"] == "../../compare/2023.html"


def test_notice_headings_go_down_one_level_at_a_time():
    html, _ = notice_text.render("# 甲\n\n### 乙\n\n## 丙\n\n---\n\n#### 丁", {})
    assert [m for m in re.findall(r"<(h\d|hr)", html)] == ["h3", "h4", "h4", "hr", "h5"]  # no level skipped


def test_link_check_follows_the_sites_own_scripts_and_workers(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    (tmp_path / "calculator" / "pyodide").mkdir(parents=True)
    (tmp_path / "calculator" / "pyodide" / "pyodide.mjs").write_text("", encoding="utf-8")
    (batch / "worker.mjs").write_text(
        'import { loadPyodide } from "../calculator/pyodide/pyodide.mjs";\n'
        'const a = new URL("../calculator/pyodide/", import.meta.url);\n'
        'const b = new URL("./python_stdlib.zip", import.meta.url);\n'
        'import x from "https://cdn.example.com/x.mjs";\n',
        encoding="utf-8",
    )
    problems = check_site(tmp_path)
    assert len(problems) == 2, problems
    assert any("python_stdlib.zip" in p and "does not have" in p for p in problems)
    assert any("cdn.example.com" in p and "another origin" in p for p in problems)
