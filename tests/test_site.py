"""The built site (HTML, not templates): values with their quotes, quote anchors, matrix, changes, search.

The site is built once per session from the real policies into a temporary folder.
"""

from __future__ import annotations

import datetime
import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote as quote_url
from urllib.parse import unquote, urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from calculator.citations import squeeze  # noqa: E402
from sitegen.linkcheck import check_site  # noqa: E402

POLICIES = ROOT / "policies"

EMPLOYERS = {
    "public_institution": "事业单位",
    "enterprise": "企业",
    "government": "机关",
    "social_org": "社会组织",
    "other": "其他",
}
SUBJECTS = {"public": "公需科目", "professional": "专业科目", "declaration": "学时申报"}
CASES = {"abroad": "境外工作", "sick_leave": "病假", "maternity": "生育", "approved_leave": "经批准的其他情况"}
MODES = {"online": "在线学习", "face_to_face": "面授培训", "activity": "活动折算"}


# --- a small DOM over html.parser --------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes())
            and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def by_id(self, ident: str) -> Node | None:
        found = [n for n in self.iter() if n.attrs.get("id") == ident]
        assert len(found) <= 1, f"duplicate id {ident}"
        return found[0] if found else None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


_pages: dict[Path, Node] = {}


def page(path: Path) -> Node:
    if path not in _pages:
        builder = _Builder()
        builder.feed(path.read_text(encoding="utf-8"))
        _pages[path] = builder.root
    return _pages[path]


def resolve(site: Path, from_page: Path, href: str) -> tuple[Path, str]:
    parts = urlsplit(href)
    target = (from_page.parent / unquote(parts.path)).resolve() if parts.path else from_page
    return target, unquote(parts.fragment)


# --- the build ---------------------------------------------------------------------------------------------

# `built` and `site` (the full build, calculator and CSP included, once per session) are in conftest.py.


@pytest.fixture(scope="session")
def bundle(built):
    return built[1]


def policy_page(site: Path, pid: str) -> Path:
    return site / "policies" / f"{pid}.html"


def rule_anchor(rule_id: str) -> str:
    return "r-" + rule_id.replace(".", "-").replace("_", "-")


def date_zh(text: str) -> str:
    y, m, d = text.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def expected_leaves(value, key: str = "") -> list[str]:
    """What a reader must find of a value on its page (independent of the site's own formatter)."""
    if isinstance(value, dict):
        skip = {"sources", "interpretation"}
        return [leaf for k, v in value.items() if k not in skip for leaf in expected_leaves(v, k)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in expected_leaves(v, key)]
    if isinstance(value, bool):
        return ["是" if value else "否"]
    if isinstance(value, int | float):
        return [f"{value:g}"]
    if value is None:
        return []
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        y, m, d = value.split("-")
        return [f"{int(m)}月{int(d)}日", y]  # a range prints its end without the year when it is the same
    if key == "case":
        return [CASES[value]]
    if key in ("subjects", "categories") or (key == "" and value in ("public", "professional")):
        return [SUBJECTS[value]]  # a subjects rule's value is a bare list (recording.online_automatic)
    if key == "modes":
        return [MODES[value]]
    if value in EMPLOYERS:
        return [EMPLOYERS[value]]
    return [value]


def quotes_in(value) -> list[str]:
    if isinstance(value, dict):
        out = [c["quote"] for c in value.get("sources", [])] if isinstance(value.get("sources"), list) else []
        return out + [q for k, v in value.items() if k != "sources" for q in quotes_in(v)]
    if isinstance(value, list):
        return [q for v in value for q in quotes_in(v)]
    return []


def interpretations_in(value) -> list[str]:
    if isinstance(value, dict):
        own = [value["interpretation"]] if isinstance(value.get("interpretation"), str) else []
        return own + [t for k, v in value.items() if k != "interpretation" for t in interpretations_in(v)]
    if isinstance(value, list):
        return [t for v in value for t in interpretations_in(v)]
    return []


# --- tests -------------------------------------------------------------------------------------------------


def test_the_build_renders_every_kind_of_page(site, bundle, built):
    generated = built[2]
    assert (generated / "index.md").is_file() and (generated / "compare.md").is_file()
    for pid in bundle["policies"]:
        assert policy_page(site, pid).is_file()
    for doc in bundle["documents"]:
        assert (site / "notices" / f"{doc}.html").is_file()
    for name in (
        "index.html",
        "compare.html",
        "changes/index.html",
        "annexes/index.html",
        "notices/index.html",
        "platforms.html",
        "glossary.html",
        "calculator/index.html",
        "policies/index.html",
        "search/search_index.json",
        "policies.json",
    ):
        assert (site / name).is_file(), name
    assert page(site / "index.html").find_all("html")[0].attrs["lang"] == "zh"


def test_every_rule_value_appears_on_its_policy_page_with_its_quotes(site, bundle):
    checked = 0
    for pid, policy in bundle["policies"].items():
        doc = page(policy_page(site, pid))
        for rule_id, rule in policy["rules"].items():
            section = doc.by_id(rule_anchor(rule_id))
            assert section is not None, f"{pid}: no element for {rule_id}"
            text = section.text
            if rule["state"] == "unknown" and rule["from"] is None:
                assert "absent-rule" in section.classes()  # listed as not covered, outside the rules
                continue
            assert bundle["catalog"][rule_id]["title"] in text
            if rule["state"] == "stated":
                for leaf in expected_leaves(rule["value"]):
                    assert leaf in text, f"{pid} {rule_id}: value {leaf!r} not shown"
            elif rule["state"] == "unknown":
                assert "通知未规定" in text
            else:
                assert "见其他文件" in text and rule["reference"] in text and "未存档" in text
            for quote in quotes_in(rule) + quotes_in(rule["value"]):
                assert f"「{quote}」" in text, f"{pid} {rule_id}: quote {quote[:20]!r} not shown"
            for interpretation in interpretations_in(rule) + interpretations_in(rule["value"]):
                marked = [n.text for n in section.find_all(cls="interpretation")]
                # how a garbled address was read: one sentence, the details folded under 文本说明
                folded = [n.text for n in section.find_all("details", cls="text-note")]
                assert any(interpretation in m and m.startswith("解释") for m in marked) or any(
                    interpretation in m and m.startswith("文本说明") for m in folded
                ), (pid, rule_id)
            if rule.get("note"):
                assert rule["note"] in text
            if rule["from"] != pid:
                assert "沿用" in text, f"{pid} {rule_id}: inherited rule not marked"
            checked += 1
    assert checked >= 80


def test_the_three_states_read_differently(site):
    henan = page(policy_page(site, "henan/2023"))
    luoyang = page(policy_page(site, "luoyang/2023"))
    zhengzhou = page(policy_page(site, "zhengzhou/2020"))
    conversion = luoyang.by_id(rule_anchor("activities.conversion_table")).text
    assert "见其他文件（未存档：豫人社办〔2017〕121号）" in conversion
    assert "通知未规定" in zhengzhou.by_id(rule_anchor("platforms.learning")).text
    assert henan.by_id(rule_anchor("requirements.total")).find_all(cls="value")[0].text == "90 学时"
    # Luoyang's platform list comes from the province, and says so.
    inherited = luoyang.by_id(rule_anchor("platforms.learning"))
    assert "沿用" in inherited.text and "河南省 2023" in inherited.text and "河南专技在线" in inherited.text


def test_every_quote_link_resolves_to_its_passage_on_the_notice_page(site, bundle):
    pages = [policy_page(site, pid) for pid in bundle["policies"]]
    pages += sorted((site / "annexes").glob("**/*.html")) + sorted((site / "changes").glob("**/*.html"))
    pages += [site / "index.html", site / "platforms.html", *sorted((site / "notices").glob("*.html"))]
    links = 0
    for path in pages:
        for a in page(path).find_all("a", cls="quote-link"):
            target, fragment = resolve(site, path, a.attrs["href"])
            assert target.parent.name == "notices" and target.is_file(), a.attrs["href"]
            anchor = page(target).by_id(fragment)
            assert anchor is not None, f"{path.name}: no #{fragment} on {target.name}"
            assert "q" in anchor.classes() and fragment in anchor.classes()
            # A passage over several paragraphs, cells or a bold run is drawn in pieces, the first with the id.
            pieces = "".join(n.text for n in page(target).find_all("span", cls=fragment))
            assert squeeze(pieces) == squeeze(a.text.strip("「」")), (path.name, a.text[:30])
            links += 1
    assert links > 300


def test_every_citation_of_a_policy_is_a_link_on_its_page(site, bundle):
    for pid, policy in bundle["policies"].items():
        shown = {a.text.strip("「」") for a in page(policy_page(site, pid)).find_all("a", cls="quote-link")}
        cited = quotes_in(policy["rules"]) + quotes_in(policy["basis"]) + quotes_in(policy["damaged"])
        document = bundle["documents"][policy["document"]]
        cited += quotes_in({k: document[k] for k in ("title", "issuer", "number", "dated", "printed")})
        missing = [q for q in cited if q not in shown]
        assert not missing, f"{pid}: quotes without a link: {missing[:3]}"


def test_a_quote_from_another_notice_links_to_that_notice(site):
    henan = policy_page(site, "henan/2023")
    links = [a for a in page(henan).find_all("a", cls="quote-link") if "豫人社函〔2023〕190 号" in a.text]
    assert links
    for a in links:
        target, fragment = resolve(site, henan, a.attrs["href"])
        assert target.name == "luoyang-2023.html" and page(target).by_id(fragment) is not None


def test_notice_pages_show_every_word_of_the_archive_without_its_marks_and_offer_the_archive_as_received(site, bundle):
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    assert ".q:target" in css
    for document in bundle["documents"]:
        source = POLICIES / "sources" / f"{document}.txt"
        assert (site / "notices" / f"{document}.txt").read_bytes() == source.read_bytes(), document
        text = source.read_text(encoding="utf-8")
        # What a reader sees is the archive's words, in order, without the extraction's marks.
        words = re.sub(r"(?m)^#{1,6}[ \t]+|^[ \t]*-{3,}[ \t]*$|\*\*", "", text)
        shown = page(site / "notices" / f"{document}.html").find_all("div", cls="notice-text")
        assert len(shown) == 1 and squeeze(shown[0].text) == squeeze(words), document
        raw = (site / "notices" / f"{document}.html").read_text(encoding="utf-8")
        assert "<script" not in shown[0].text and raw.count('class="notice-text"') == 1
        assert f'href="{document}.txt" download' in raw
    luoyang = (site / "notices" / "luoyang-2023.html").read_text(encoding="utf-8")
    assert "<hr>" in luoyang and "<strong>（三）专业技术人员参加继续教育的时间。</strong>" in luoyang
    assert '<h3 class="notice-h1">专业技术人员继续教育单位培训备案说明</h3>' in luoyang
    zhengzhou = page(site / "notices" / "zhengzhou-2020.html")
    assert any("二七区" in td.text for td in zhengzhou.find_all("td"))


def test_damaged_passages_are_listed_on_the_policy_page_and_the_notice_page(site, bundle):
    for pid, policy in bundle["policies"].items():
        if not policy["damaged"]:
            continue
        policy_section = page(policy_page(site, pid)).find_all("ul", cls="damaged-list")
        notice = site / "notices" / f"{policy['document']}.html"
        notice_section = page(notice).find_all("ul", cls="damaged-list")
        assert policy_section and notice_section
        for damaged in policy["damaged"]:
            assert damaged["reason"] in policy_section[0].text and damaged["reason"] in notice_section[0].text
            for quote in quotes_in(damaged):
                assert quote in policy_section[0].text
        # The damaged passages are marked in the text itself.
        assert page(notice).find_all("span", cls="damaged")


def test_the_matrix_marks_the_required_course_floor_of_zhengzhou_and_pingdingshan(site, bundle):
    matrix = page(site / "compare.html")
    row = matrix.by_id("m-requirements-public-required-course")
    cells = {td.attrs["data-policy"]: td for td in row.find_all("td")}
    assert set(cells) == set(bundle["policies"])
    different = {pid for pid, td in cells.items() if "differs" in td.classes()}
    assert different == {"zhengzhou/2020", "pingdingshan/2021"}
    assert "24 学时" in cells["zhengzhou/2020"].text and "≠" in cells["zhengzhou/2020"].text
    # A rule every notice states alike is not marked.
    total = matrix.by_id("m-requirements-total")
    assert not [td for td in total.find_all("td") if "differs" in td.classes()]
    # Every cell links to the rule on its policy page.
    for td in row.find_all("td"):
        target, fragment = resolve(site, site / "compare.html", td.find_all("a")[0].attrs["href"])
        assert page(target).by_id(fragment) is not None


def test_the_matrix_marks_interpretations_and_inheritance(site):
    matrix = page(site / "compare.html")
    declaration = matrix.by_id("m-deadlines-declaration")
    assert all("解释" in td.text for td in declaration.find_all("td"))
    learning = matrix.by_id("m-platforms-learning")
    luoyang = [td for td in learning.find_all("td") if td.attrs["data-policy"] == "luoyang/2023"][0]
    assert luoyang.find_all("span", cls="inh")


def test_luoyang_against_the_province_lists_what_luoyang_adds(site):
    path = site / "changes" / "luoyang" / "2023-vs-parent.html"
    doc = page(path)
    added = doc.find_all("div", cls="changes-added")[0]
    rules = {s.attrs["data-rule"] for s in added.find_all("section", cls="change")}
    assert {
        "cadre_academy_offset.eligible_employers",
        "daily_caps.per_day",
        "daily_caps.per_half_day",
        "proration.cases",
        "filing.windows",
        "full_year_service.credit",
    } <= rules
    assert "requirements.total" not in rules
    offset = added.find_all("section", data_rule="cadre_academy_offset.eligible_employers")[0]
    assert "事业单位" in offset.text and "河南干部网络学院" in offset.text and "解释" in offset.text
    windows = added.find_all("section", data_rule="filing.windows")[0]
    assert "2023年10月11日至10月20日" in windows.text
    # A changed rule shows both sides' quotes.
    changed = doc.find_all("div", cls="changes-changed")[0]
    use = changed.find_all("section", data_rule="consequences.use_of_results")[0]
    assert "河南省 2023" in use.text and "洛阳市 2023" in use.text
    assert len(use.find_all("a", cls="quote-link")) == 3
    # The policy page links here.
    links = [a.attrs["href"] for a in page(policy_page(site, "luoyang/2023")).find_all("a")]
    assert "../../changes/luoyang/2023-vs-parent.html" in links


def test_annex_tables_have_charts_and_every_row_with_its_quote(site, bundle):
    for pid, policy in bundle["policies"].items():
        for annex in policy["annexes"]:
            path = site / "annexes" / f"{pid}-{annex['id']}.html"
            doc = page(path)
            # a chart wherever there are numbers (a list of names, henan's annex 2, has none to draw), each drawn
            # for a phone's box and for a wide one
            has_numbers = any(c["type"] != "text" for c in annex["columns"])
            narrow, wide = doc.find_all("svg", cls="chart-narrow"), doc.find_all("svg", cls="chart-wide")
            assert len(narrow) == len(wide) and bool(narrow) == has_numbers, path
            body = doc.find_all("div", cls="annex-table")[0].find_all("tbody")[0]
            rows = body.find_all("tr", cls="annex-row")
            assert len(rows) == len(annex["rows"])
            sources = body.find_all("tr", cls="annex-source")  # each row's quote on the line below it
            assert len(sources) == len(annex["rows"])
            for tr, row in zip(sources, annex["rows"], strict=True):
                assert quotes_in(row)[0] in tr.text
    zhengzhou = page(site / "annexes" / "zhengzhou" / "2020-training_targets.html")
    assert "合计 8500" in zhengzhou.text
    pingdingshan = page(site / "annexes" / "pingdingshan" / "2021-completion_2020.html")
    assert "109.10%" in pingdingshan.text  # printed with the notice's two decimals


def test_platform_directory_glossary_calculator_and_home(site, bundle):
    directory = page(site / "platforms.html")
    platforms = directory.text
    sections = directory.find_all("section", cls="platform")
    corrected = [s for s in sections if "pdszj.hnhhlearning.com" in s.text][0]
    assert corrected.find_all("details", cls="text-note")  # the corrected address: a reading, details folded
    assert "网址按 http://pdszj.hnhhlearning.com/ 记" in corrected.text
    # One entry per platform, every notice naming it, each address with the notices that print it, quoted.
    names = [s.find_all("h2")[0].text for s in sections]
    assert len(names) == len(set(names)) and names.count("河南省专业技术人员公共服务平台") == 1
    province = sections[names.index("河南省专业技术人员公共服务平台")]
    for pid, policy in bundle["policies"].items():
        if policy["rules"]["platforms.declaration"]["state"] == "stated":
            assert f"{policy['region_name']} {policy['year']} 年通知" in province.text, pid
    listed = province.find_all("ul", cls="platform-addresses")[0]
    addresses = [li for li in listed.children if isinstance(li, Node) and li.tag == "li"]
    assert [a.find_all("a")[0].attrs["href"] for a in addresses] == [
        "http://www.hnzjgl.gov.cn/",
        "https://www.hnzjgl.gov.cn/",
    ]
    assert "郑州市 2020 年通知所印" in addresses[0].text and addresses[0].find_all("a", cls="quote-link")
    assert "网址：—" not in platforms
    huayu = [s for s in sections if "huayuzj.com" in s.text]
    assert len(huayu) == 1 and "也写作" in huayu[0].text  # two names at one address: one platform
    luoyang = policy_page(site, "luoyang/2023")
    declaration = page(luoyang).by_id("r-platforms-declaration")
    assert "通知未列；http://www.hnzjgl.gov.cn/（郑州市 2020 年通知所印" in declaration.text
    assert "policies/" not in page(policy_page(site, "pingdingshan/2021")).text.replace('href="', "")
    assert "河南专技在线" in platforms and "4008370611" in platforms and "河南省专业技术人员公共服务平台" in platforms
    glossary = page(site / "glossary.html")
    lists = glossary.find_all("dl")
    assert len(lists) == 1  # one flat list of terms: no term nested in another's definition
    terms = [n.text for n in lists[0].children if isinstance(n, Node) and n.tag == "dt"]
    for term in ("公需科目", "专业科目", "必修课", "学时", "补学、补审", "学时申报", "学时审核"):
        assert term in terms
    calculator = page(site / "calculator" / "index.html")
    assert calculator.by_id("calc-form") is not None and calculator.by_id("calculator-data") is not None
    rows = calculator.find_all("tbody")[0].find_all("tr")  # the requirements, readable before Pyodide loads
    assert len(rows) == len(bundle["policies"])
    home = page(site / "index.html")
    links = {resolve(site, site / "index.html", a.attrs["href"])[0] for a in home.find_all("a") if "href" in a.attrs}
    for pid in bundle["policies"]:
        assert policy_page(site, pid).resolve() in links
    assert "90 学时" in home.text and "30 学时" in home.text and "60 学时" in home.text
    assert "即将上线" not in home.text and "开始自查" in home.text
    starts = [a for a in home.find_all("a") if "calculator/index.html?policy=" in a.attrs.get("href", "")]
    assert {a.attrs["href"].split("=", 1)[1] for a in starts} == {
        pids[-1] for pids in _by_region(bundle).values()
    }  # each region's newest notice, set in the calculator
    # Luoyang's and the province's newest are of 2023; the years after them up to the build's are said plainly.
    assert f"尚未整理：2024—{datetime.date.today().year} 年的通知" in home.text


def _by_region(bundle):
    regions: dict[str, list[str]] = {}
    for pid in sorted(bundle["policies"], key=lambda p: bundle["policies"][p]["year"]):
        regions.setdefault(bundle["policies"][pid]["region"], []).append(pid)
    return regions


def test_nothing_is_loaded_from_another_origin(site):
    assert check_site(site) == []
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
        assert not re.search(r'<(script|img|iframe)[^>]+src="(https?:)?//', text), path
        assert not re.search(r'<link[^>]+href="(https?:)?//', text), path


# --- search ------------------------------------------------------------------------------------------------


def material_split(query: str, terms: set[str]) -> set[str]:
    """Material's browser-side split of a Chinese query against the index's words (search worker, `fe`)."""
    n = [0] * len(query)
    for s in range(len(query)):
        for o in range(s + 1, len(query)):
            if query[s:o] in terms:
                n[s] = o - s
    found: set[str] = set()
    stack = [0]
    while stack:
        o = stack.pop()
        for u in range(1, n[o]):
            if n[o + u] > n[o] - u:
                found.add(query[o : o + u])
                stack.append(o + u)
        a = o + n[o]
        if a < len(n) and n[a] and a < len(query) - 1:
            stack.append(a)
        found.add(query[o:a])
    return {query} if "" in found else found


def search(site: Path, query: str) -> set[str]:
    """Pages whose indexed words match the query as the browser does (terms with a trailing wildcard)."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])
    tokens = {
        doc["location"]: {t.lower() for t in separator.split(doc["title"] + " " + doc["text"]) if t}
        for doc in index["docs"]
    }
    terms = material_split(query, set().union(*tokens.values()))
    return {
        loc.split("#")[0] for loc, words in tokens.items() if all(any(w.startswith(t) for w in words) for t in terms)
    }


def test_search_index_is_segmented_chinese(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert "\u200b" in "".join(d["text"] for d in index["docs"])  # jieba segmentation at build time
    assert "学时" in (site / "search" / "search_index.json").read_text(encoding="utf-8")  # UTF-8, not \\uXXXX


def test_searching_bixiu_finds_the_two_policies_that_have_it(site):
    found = search(site, "必修")
    policies = {p for p in found if p.startswith("policies/") and p != "policies/index.html"}
    assert policies == {"policies/zhengzhou/2020.html", "policies/pingdingshan/2021.html"}


def test_searching_finds_words_of_the_notices(site):
    assert "policies/luoyang/2023.html" in search(site, "干部网络学院")
    assert "notices/anyang-2025.html" in search(site, "工作日")


def test_generated_markdown_escapes_the_notice_text(built):
    generated = built[2]
    text = (generated / "notices" / "henan-2023.md").read_text(encoding="utf-8")
    assert "&lt;https://www.tdw.cn/h/spec/hns/&gt;" in text  # the archive's <...> is text, not a tag
    assert html.unescape("&lt;") == "<"


# --- in a real browser (Debian's chromium through Playwright: conftest's `browser` and `server`) -------------


def test_in_a_browser_search_finds_the_two_policies_and_a_quote_is_highlighted(site, server, browser):
    base = server.base
    quote = page(policy_page(site, "luoyang/2023")).find_all("a", cls="quote-link")[0].attrs["href"]
    context = browser.new_context(locale="zh-CN")  # the pages' CSP is enforced (it forbids eval: no string waits)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        tab = context.new_page()
        tab.goto(base + "index.html?q=" + quote_url("必修"))
        hits = tab.locator(".md-search-result__item > a")
        hits.first.wait_for(timeout=15_000)
        results = [urlsplit(href).path for href in hits.evaluate_all("(links) => links.map((a) => a.href)")]
        tab.goto(urljoin(base + "policies/luoyang/2023.html", quote))
        target = tab.locator(":target")
        target.wait_for(timeout=15_000)
        highlight = target.evaluate("(node) => [node.id, getComputedStyle(node).backgroundColor]")
    finally:
        context.close()
    policies = {p for p in results if p.startswith("/policies/") and p != "/policies/index.html"}
    assert policies == {"/policies/zhengzhou/2020.html", "/policies/pingdingshan/2021.html"}
    assert highlight[0] == quote.split("#")[1]
    assert highlight[1] not in ("rgba(0, 0, 0, 0)", "transparent")
    foreign = [u for u in requests if not u.startswith(base) and not u.startswith(("data:", "blob:"))]
    assert foreign == []


def test_every_page_allows_only_its_own_origin_and_its_own_inline_scripts(site):
    """The CSP of each page: 'self' everywhere, the sha256 of exactly the page's inline scripts, WebAssembly
    ('wasm-unsafe-eval') on the calculator page and the batch page only (both run Pyodide: the decision is
    webcalc.site_steps.WASM_PAGES, and no other page may get it), never 'unsafe-inline', 'unsafe-eval' or
    another origin."""
    import base64
    import hashlib

    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        root = page(path)
        metas = [m for m in root.find_all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
        assert len(metas) == 1, path
        directives = {d.split()[0]: d.split()[1:] for d in metas[0].attrs["content"].split(";") if d.strip()}
        assert directives["default-src"] == ["'self'"], path
        inline = [
            s.text for s in root.find_all("script") if "src" not in s.attrs and "json" not in s.attrs.get("type", "")
        ]
        hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() + "'" for t in inline}
        runs_pyodide = path in (site / "calculator" / "index.html", site / "batch" / "index.html")
        expected = {"'self'", *hashes} | ({"'wasm-unsafe-eval'"} if runs_pyodide else set())
        assert set(directives["script-src"]) == expected, path
        for name, sources in directives.items():
            for source in sources:
                assert source in ("'self'", "'none'", "data:", "'wasm-unsafe-eval'") or source.startswith("'sha256-"), (
                    path,
                    name,
                    source,
                )
