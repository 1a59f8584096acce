"""The build as a whole: atomic (a failed build leaves the previous site), clear failures, consecutive notices.

Uses the synthetic policies of bench/build_scale.py for a region with several years.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sitegen.site as site_module  # noqa: E402
from sitegen.render import RenderError  # noqa: E402
from sitegen.site import build_site  # noqa: E402

POLICIES = ROOT / "policies"


def load_bench():
    spec = importlib.util.spec_from_file_location("build_scale", ROOT / "bench" / "build_scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def previous_site(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the previous site", encoding="utf-8")
    (site / site_module.MARKER).write_text(site_module.MARKER_TEXT, encoding="utf-8")  # an earlier build's
    return site


@pytest.fixture
def broken_policies(tmp_path):
    policies = tmp_path / "policies"
    shutil.copytree(POLICIES, policies)
    path = policies / "luoyang" / "2023.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("source: 每年累计应不少于90学时", "source: 每年累计应不少于100学时"), encoding="utf-8")
    return policies


def build(policies, site, tmp_path, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    result = build_site(
        policies, site, tmp_path / "generated", ROOT / "mkdocs.yml", ROOT / "site_src", out=out, err=err, **kwargs
    )
    return result, out.getvalue(), err.getvalue()


def untouched(site: Path) -> bool:
    leftovers = [p.name for p in site.parent.iterdir() if p.name.startswith((".site-", ".site-old", ".docs-"))]
    return (site / "index.html").read_text(encoding="utf-8") == "the previous site" and not leftovers


def test_bad_policy_input_fails_at_the_check_and_leaves_the_site(broken_policies, previous_site, tmp_path):
    result, _, err = build(broken_policies, previous_site, tmp_path)
    assert not result.ok and result.step == "check"
    assert "luoyang/2023.yaml:" in err and "找不到引文" in err and "requirements.total" in err
    assert "build failed at step 'check'" in err and "site/ left as it was" in err
    assert untouched(previous_site)


def test_the_command_line_names_the_problem_without_a_traceback(broken_policies, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "--policies",
            str(broken_policies),
            "build",
            "--site-dir",
            str(tmp_path / "out"),
            "--generated",
            str(tmp_path / "gen"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2  # the build stops at the check: bad input
    assert "Traceback" not in done.stderr
    assert "luoyang/2023.yaml:" in done.stderr and "build failed at step 'check'" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_renderer_failure_leaves_the_site(monkeypatch, previous_site, tmp_path):
    def failing_render(config, docs, staging):
        (staging / "index.html").write_text("half a site", encoding="utf-8")
        raise RenderError("Aborted with 1 warnings in strict mode!\n  warning: something is wrong")

    monkeypatch.setattr(site_module, "render", failing_render)
    result, _, err = build(POLICIES, previous_site, tmp_path)
    assert not result.ok and result.step.startswith("render")
    assert "something is wrong" in err
    assert untouched(previous_site)


def test_a_broken_link_fails_the_build_and_leaves_the_site(monkeypatch, previous_site, tmp_path):
    monkeypatch.setattr(site_module, "check_site", lambda site: ["policies/x.html: link y.html: no such file"])
    result, _, err = build(POLICIES, previous_site, tmp_path)
    assert not result.ok and result.step == "links" and "no such file" in err
    assert untouched(previous_site)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Two cities over two years (per-day cap 6 then 8), built over a previous site."""
    work = tmp_path_factory.mktemp("synthetic")
    ids = load_bench().synthesize(work / "policies", 4, n_cities=2, n_years=2)
    site = work / "site"
    site.mkdir()
    (site / "index.html").write_text("the previous site", encoding="utf-8")
    (site / site_module.MARKER).write_text(site_module.MARKER_TEXT, encoding="utf-8")  # an earlier build's
    result, out, _ = build(work / "policies", site, work)
    assert result.ok, out
    return site, ids, out


def test_a_successful_build_replaces_the_previous_site(synthetic):
    site, ids, out = synthetic
    assert "the previous site" not in (site / "index.html").read_text(encoding="utf-8")
    assert f"{len(ids)} policies" in out
    assert not [p for p in site.parent.iterdir() if p.name.startswith(".")]


def test_consecutive_notices_of_a_region_have_a_what_changed_page(synthetic):
    site, ids, _ = synthetic
    assert ids == ["zhengzhou/2016", "kaifeng/2016", "zhengzhou/2017", "kaifeng/2017"]
    path = site / "changes" / "zhengzhou" / "2016-2017.html"
    text = path.read_text(encoding="utf-8")
    changed = text.split('class="changes changes-changed"')[1].split("</div></section></div>")[0]
    assert 'data-rule="daily_caps.per_day"' in changed and "6 学时" in changed and "8 学时" in changed
    # Dates that moved with the year are the same rule: 12-31 of 2016 and of 2017.
    assert 'data-rule="deadlines.declaration"' not in changed
    index = (site / "changes" / "index.html").read_text(encoding="utf-8")
    assert "zhengzhou/2016-2017.html" in index and "kaifeng/2016-2017.html" in index
    policy = (site / "policies" / "zhengzhou" / "2017.html").read_text(encoding="utf-8")
    assert "../../changes/zhengzhou/2016-2017.html" in policy
    matrix = (site / "compare.html").read_text(encoding="utf-8")
    row = matrix.split('id="m-daily-caps-per-day"')[1].split("</tr>")[0]
    assert row.count("differs") == 2  # 6, 8, 6, 8: a tie, won by the value met first (6)


def test_extra_steps_run_on_the_rendered_site_before_it_is_swapped_in(previous_site, tmp_path):
    from sitegen.pages import SiteError

    seen = []

    def stamp(site: Path, bundle: dict) -> None:
        seen.append(sorted(bundle["policies"]))
        (site / "stamp.txt").write_text("runtime copied", encoding="utf-8")

    def refuse(site: Path, bundle: dict) -> None:
        raise SiteError("the runtime is missing")

    result, _, err = build(POLICIES, previous_site, tmp_path, extra_steps=[("stamp", stamp), ("runtime", refuse)])
    assert not result.ok and result.step == "runtime" and "the runtime is missing" in err
    assert seen and untouched(previous_site)
    result, out, _ = build(POLICIES, previous_site, tmp_path, extra_steps=[("stamp", stamp)])
    assert result.ok and "stamp" in out
    assert (previous_site / "stamp.txt").read_text(encoding="utf-8") == "runtime copied"
