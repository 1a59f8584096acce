"""`build.py build --drafts` (and `serve --drafts`): a preview in which the rules still marked 待核对 are shown
as 草稿 — on the policy page and on the "what changed" page against last year — while a normal build refuses
them, so a draft is never published.

The draft is what a maintainer gets on a real next year: the synthetic 2024 Luoyang notice of test_align,
archived, and `build.py new` aligned to it (two rules changed, one not found, the rest the same).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_align import CHANGED, LUOYANG, NOT_FOUND, next_year

from calculator.policy_files import load_policies
from sitegen import urls

ROOT = Path(__file__).resolve().parent.parent
DRAFT_RULES = set(CHANGED) | NOT_FOUND


def _sections(page: str) -> dict[str, str]:
    """rule id -> its <section> on a policy page."""
    return {
        m.group(1): m.group(0)
        for m in re.finditer(r'<section class="rule[^"]*" id="[^"]+" data-rule="([^"]+)".*?</section>', page, re.S)
    }


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    """A copy of the policies with luoyang/2024 drafted, and the preview built from it."""
    import shutil

    import build

    work = tmp_path_factory.mktemp("drafts")
    policies = work / "policies"
    shutil.copytree(ROOT / "policies", policies)
    (policies / "sources" / "luoyang-2024.txt").write_text(next_year(LUOYANG), encoding="utf-8")
    assert build.main(["--policies", str(policies), "new", "luoyang", "2024", "--from", "luoyang/2023"]) == 0
    site = work / "preview"
    code = build.main(
        ["--policies", str(policies), "build", "--drafts", "--site-dir", str(site), "--generated", str(work / "gen")]
    )
    assert code == 0
    return policies, site


def test_a_normal_build_refuses_the_draft_and_publishes_nothing(drafted, run_build):
    policies, _ = drafted
    site = policies.parent / "site"
    code, _, err = run_build(
        "--policies", str(policies), "build", "--site-dir", str(site), "--generated", str(policies.parent / "g")
    )
    assert code == 2 and "build failed at step 'check'" in err and "引文尚未核对" in err
    assert not site.exists()


def test_the_policy_page_marks_exactly_the_draft_rules(drafted):
    _, site = drafted
    page = (site / urls.html_path(urls.policy_page("luoyang/2024"))).read_text(encoding="utf-8")
    assert "草稿预览" in page
    sections = _sections(page)
    marked = {rule for rule, html in sections.items() if "is-draft" in html}
    assert marked == DRAFT_RULES, marked
    assert all("草稿：尚未核对" in sections[rule] for rule in DRAFT_RULES)
    assert "草稿" not in sections["requirements.total"]
    # A changed rule shows the new passage, without the marker; the rule the notice dropped says so.
    assert "备案时间：2024年10月9日至18日" in sections["filing.windows"] and "待核对" not in sections["filing.windows"]
    assert "新通知中没有找到这些原文" in sections["full_year_service.credit"]


def test_the_changes_page_against_last_year_marks_the_drafts(drafted):
    _, site = drafted
    page = (site / urls.html_path(urls.consecutive_change_page("luoyang/2023", "luoyang/2024"))).read_text(
        encoding="utf-8"
    )
    changes = {
        m.group(1): m.group(0)
        for m in re.finditer(r'<section class="change" data-rule="([^"]+)".*?</section>', page, re.S)
    }
    assert {"filing.windows", "funding.enterprise_rate"} <= set(changes)
    assert "草稿：尚未核对" in changes["funding.enterprise_rate"]
    assert "1.8" in changes["funding.enterprise_rate"]


def test_only_the_preview_bundle_holds_drafts(drafted):
    policies, _ = drafted
    drafts = {pid for pid, p in load_policies(policies, drafts=True).policies.items() if "'draft': True" in str(p.data)}
    assert drafts == {"luoyang/2024"}
    normal = load_policies(policies)
    assert normal.problems and all("luoyang/2024.yaml" in p.file for p in normal.problems)
    assert not any("'draft'" in str(p.data) for p in normal.policies.values())
