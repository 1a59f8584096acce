"""The five real policy files: they pass every check, and the checks bite when a citation is touched."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from calculator.bundle import citations
from calculator.policy_checks import check_policy_set
from calculator.policy_files import PolicyFile, load_policies
from calculator.problems import format_path

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
SHARED_SOURCES = ROOT.parent / "shared" / "sources"

# The archive is byte for byte what was received (../shared/sources); pinned so a stray edit fails here too.
SOURCE_SHA256 = {
    "anyang-2025.txt": "7428f21fefd5e1a99dfdaa13aa97b5b6bdb9f79620981bf8541165b80b4249ec",
    "henan-2023.txt": "9ef03af913999b9c38242d5cc549ea5eaa32a5dca1688c1ed8bd2d5e8ca1af95",
    "luoyang-2023.txt": "90e267f8c6f59c7d3b0fbd07cd5901cbc78e69d599d061de59109bca98829f3f",
    "pingdingshan-2021.txt": "247c6f25e1e7537b46b238b6aa366f5fc9965660f2fb9d78f543a50da914d6d6",
    "zhengzhou-2020.txt": "e29526e49d6bfe9302b410b2ab2f959f9ee8d3840692d8a369aa03c20aefca84",
}
EXPECTED_POLICIES = {"henan/2023", "luoyang/2023", "zhengzhou/2020", "pingdingshan/2021", "anyang/2025"}


@pytest.fixture(scope="module")
def policy_set():
    return load_policies(POLICIES)


def test_real_policies_pass_every_check(policy_set):
    assert [str(p) for p in policy_set.problems] == []
    assert set(policy_set.policies) == EXPECTED_POLICIES


@pytest.mark.parametrize("name", sorted(SOURCE_SHA256))
def test_archived_notices_are_byte_for_byte(name):
    data = (POLICIES / "sources" / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == SOURCE_SHA256[name]
    if SHARED_SOURCES.is_dir():
        assert data == (SHARED_SOURCES / name).read_bytes()


def _citation_sites(policy: PolicyFile):
    """(path to a `source` field, index within it or None) for every citation in the file."""

    def walk(value, path):
        if isinstance(value, dict):
            for key, child in value.items():
                if key == "source":
                    if isinstance(child, list):
                        for i in range(len(child)):
                            yield (*path, key), i
                    else:
                        yield (*path, key), None
                else:
                    yield from walk(child, (*path, key))
        elif isinstance(value, list):
            for i, child in enumerate(value):
                yield from walk(child, (*path, i))

    yield from walk(policy.data, ())


def _get(data, path):
    for part in path:
        data = data[part]
    return data


def _mutate_one_character(quote: str) -> str:
    """Replace the middle non-space character by one no notice contains."""
    positions = [i for i, ch in enumerate(quote) if not ch.isspace()]
    at = positions[len(positions) // 2]
    return quote[:at] + "☒" + quote[at + 1 :]


def test_every_citation_is_checked(policy_set):
    """Change one character of each citation in turn: the check must name exactly that citation."""
    sites = [
        (pid, path, index) for pid, policy in policy_set.policies.items() for path, index in _citation_sites(policy)
    ]
    assert len(sites) > 150  # every rule, row and platform carries one
    for pid, path, index in sites:
        policies = dict(policy_set.policies)
        broken = copy.deepcopy(policies[pid].data)
        holder = _get(broken, path[:-1])
        cite = holder["source"] if index is None else holder["source"][index]
        if isinstance(cite, dict):
            cite["quote"] = _mutate_one_character(cite["quote"])
        elif index is None:
            holder["source"] = _mutate_one_character(cite)
        else:
            holder["source"][index] = _mutate_one_character(cite)
        policies[pid] = PolicyFile(pid, policies[pid].shown_as, broken, policies[pid].lines)
        problems = check_policy_set(policies, policy_set.notices, policy_set.regions)
        where = format_path(path if index is None else (*path, index))
        assert [p.path for p in problems if "找不到引文" in p.message] == [where], (pid, problems)
        # The only other complaint a mangled quote may draw: its number no longer reads in it.
        assert all("在其引文中读不出来" in p.message for p in problems if p.path != where)


def test_one_character_changed_in_a_file_fails_the_command(tmp_path):
    """End to end: edit the YAML text of a real file, run `build.py check`, see file, line and field."""
    copy_dir = tmp_path / "policies"
    shutil.copytree(POLICIES, copy_dir)
    target = copy_dir / "luoyang" / "2023.yaml"
    text = target.read_text(encoding="utf-8")
    assert "每年累计应不少于90学时" in text
    target.write_text(text.replace("每年累计应不少于90学时", "每年累计应不少于80学时"), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--policies", str(copy_dir), "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 2  # a citation not in its notice: bad input
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "每年累计应不少于90学时" in row)
    where = f"policies/luoyang/2023.yaml:{line}: rules.requirements.total.source: "
    assert where + "在 policies/sources/luoyang-2023.txt 中找不到引文" in run.stderr
    assert "Traceback" not in run.stderr


def test_check_prints_one_line_when_all_is_well():
    run = subprocess.run([sys.executable, str(ROOT / "build.py"), "check"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert len(run.stdout.strip().splitlines()) == 1
    assert run.stdout.startswith("无误：5 个政策")


def _with_cells(policy_set, pid, annex, row, **cells):
    policies = dict(policy_set.policies)
    data = copy.deepcopy(policies[pid].data)
    data["annexes"][annex]["rows"][row]["cells"].update(cells)
    policies[pid] = PolicyFile(pid, policies[pid].shown_as, data, policies[pid].lines)
    return check_policy_set(policies, policy_set.notices, policy_set.regions)


def test_zhengzhou_targets_must_sum_to_the_printed_8500(policy_set):
    rows = policy_set.policies["zhengzhou/2020"].data["annexes"][0]["rows"]
    assert sum(r["cells"]["trainees"] for r in rows) == 8500
    problems = _with_cells(policy_set, "zhengzhou/2020", 0, 0, trainees=261)
    assert any("合计为 8501，但通知印的是 8500" in p.message for p in problems)


def test_pingdingshan_rows_must_agree_with_their_printed_rates(policy_set):
    # 鲁山县's target is printed "8()00"; only 8000 gives the printed 118.96%.
    problems = _with_cells(policy_set, "pingdingshan/2021", 0, 0, target=8100)
    assert any("但该行印的是 118.96%" in p.message for p in problems)


def test_compile_resolves_extends_keeping_each_citation(tmp_path):
    out = tmp_path / "bundle.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "compile", "--out", str(out)], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert set(bundle["policies"]) == EXPECTED_POLICIES
    luoyang = bundle["policies"]["luoyang/2023"]["rules"]
    # Luoyang states its own floors; the platform list is the province's, cited from the provincial notice.
    assert luoyang["requirements.total"]["from"] == "luoyang/2023"
    assert luoyang["requirements.total"]["sources"][0]["document"] == "luoyang-2023"
    assert luoyang["platforms.learning"]["from"] == "henan/2023"
    assert luoyang["activities.conversion_table"]["state"] == "by_reference"
    henan_only = [r for r, rule in luoyang.items() if rule["from"] == "henan/2023"]
    assert henan_only, "nothing inherited from the province"
    for rule_id in henan_only:
        assert all(c["document"] == "henan-2023" for c in luoyang[rule_id]["sources"])
    # A rule no file in the chain states is explicitly unknown, never a default.
    assert luoyang["requirements.public_required_course"] == {
        "state": "unknown",
        "value": None,
        "sources": [],
        "interpretation": None,
        "note": None,
        "reference": None,
        "from": None,
    }
    assert bundle["policies"]["zhengzhou/2020"]["rules"]["requirements.public_required_course"]["value"] == 24


def test_every_stated_rule_carries_a_citation(policy_set):
    for policy in policy_set.policies.values():
        own = policy.data["document"]["id"]
        for rule_id, rule in policy.data["rules"].items():
            if rule.get("status", "stated") == "unknown":
                assert "value" not in rule and rule["note"], (policy.id, rule_id)
            else:
                assert citations(rule["source"], own), (policy.id, rule_id)
