"""Credited hours: the records that count, after the year boundary and per-day caps, then the
full-year service credit and the cadre-academy offset, each only where the notice provides it.

- A record dated outside the policy's year is not credited (no carry-over, no borrowing).
- A record dated after the last day its mode and category may count (deadlines.record_cutoffs) is late:
  not credited, listed with the passage.
- A record dated after the day of the check (as_of) has not happened: it is planned, not credited;
  evaluate() shows what would remain if the planned records are completed.
- Face-to-face records are capped at per_day × whole days + per_half_day when the fraction of a day
  is at least 0.5 (1.3 days caps as 1 day, 1.5 and 1.7 as a day and a half). With only a per-day cap,
  a half day or more counts as a day; with only a half-day cap, each whole half day counts.
  Without either rule nothing is capped (the explanation says so; no warning).
- required_course counts towards the 必修 floor only for public records.
- Activity hours are credited as entered (the audit granted them).
- Full-year service adds the notice's credit to public and professional (not to the 必修 floor).
- Cadre-academy hours go to public only, for the eligible employers, and at most up to the public
  floor (after proration); never to professional or the 必修 floor.

What one record within the year does depends only on the policy and the record's body (`record_effect`),
and the person-level credits only on the person's circumstances (`full_year_effect`, `cadre_refusal`,
`cadre_offset`): `credits` puts them together for one person, and the batch check (engine.tally) computes
each effect once for all the people who share it. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..person import CATEGORIES, EMPLOYERS, MODES, Body, Person
from ..units import HALF_HOUR, SCALE, show
from .outcome import Amounts, Warning
from .rules import Cutoff, PolicyRules


@dataclass(slots=True)
class Credits:
    credited: Amounts
    records_public: int = 0
    records_required_course: int = 0
    records_professional: int = 0
    counted: int = 0  # records credited (in the year)
    outside_year: list[int] = field(default_factory=list)  # refs
    late: list[tuple[int, str, Cutoff]] = field(default_factory=list)  # (ref, date, the cutoff it missed)
    planned: list[int] = field(default_factory=list)  # refs dated after the day of the check
    capped: list[tuple[int, int, int]] = field(default_factory=list)  # (ref, entered, cap)
    face_to_face: int = 0
    activities: int = 0  # activity records credited
    activities_as_public: int = 0  # activity records entered as public where the notice makes them professional
    full_year: tuple[int, int] | None = None  # credit applied (public, professional)
    cadre_given: int = 0
    cadre_applied: int = 0
    warnings: list[Warning] = field(default_factory=list)


class RecordEffect(NamedTuple):
    """What one record dated within the policy's year credits, and what it warns about."""

    public: int  # hundredths credited to public (after the cap)
    required_course: int  # of which towards the 必修 floor
    professional: int  # hundredths credited to professional
    face_to_face: int  # 1 for a face-to-face record
    activity: int  # 1 for an activity record
    cap: int | None  # the per-day cap, when the entered hours were above it
    notes: tuple[tuple[str, str], ...]  # warnings: (code, message after the record's name)


def day_cap(days: int, per_day: int | None, per_half_day: int | None) -> int | None:
    """The most a face-to-face record of `days` (hundredths) may credit; None when uncapped."""
    whole, rest = divmod(days, SCALE)
    half = rest >= HALF_HOUR  # HALF_HOUR is also half of SCALE
    if per_day is not None:
        extra = 0 if not half else per_half_day if per_half_day is not None else per_day
        return per_day * whole + extra
    if per_half_day is not None:
        return per_half_day * (2 * whole + (1 if half else 0))
    return None


def record_effect(policy: PolicyRules, body: Body) -> RecordEffect:
    """What a record with this body credits under the policy when it is dated within the year."""
    category, marked_required, hours, mode, days, days_given = body
    notes: list[tuple[str, str]] = []
    face_to_face = activity = 0
    capped_at = None
    if mode == "face_to_face":
        face_to_face = 1
        cap = day_cap(days, policy.per_day, policy.per_half_day)
        if cap is not None and hours > cap:
            capped_at = cap
            days_note = "" if days_given else "（未填天数，按 1 天计）"
            notes.append(
                (
                    "per_day_cap",
                    f"面授 {show(days)} 天{days_note}填了 {show(hours)} 学时，{cap_note(policy, hours, cap)}",
                )
            )
            hours = cap
    elif mode == "activity":
        activity = 1
        if category != "professional" and policy.activities_professional:
            # The notice puts activities in professional hours only: one entered as public is not public hours.
            note = (
                "是活动折算学时，本通知规定这类活动“可申报抵扣当年专业科目学时”，不是公需科目学时，未计入；"
                "请把类别改为专业科目"
            )
            return RecordEffect(0, 0, 0, face_to_face, 0, None, (("activity_not_public", note),))
        if category != "professional":
            notes.append(
                (
                    "activity_category_unstated",
                    "是活动折算学时，本通知未写活动学时计入哪一类科目；这里按填写计入公需科目，请向单位核实",
                )
            )
    if category == "public":
        return RecordEffect(hours, hours if marked_required else 0, 0, face_to_face, activity, capped_at, tuple(notes))
    if marked_required:
        notes.append(
            (
                "required_course_not_public",
                "标为必修课，但必修课属于公需科目；它计入专业科目，不计入必修课学时",
            )
        )
    return RecordEffect(0, 0, hours, face_to_face, activity, capped_at, tuple(notes))


def cap_note(policy: PolicyRules, hours: int, cap: int) -> str:
    """The per-day cap's warning after the record's days and hours. Where the notice says 原则上 (Luoyang), the
    count stays conservative, and the person is told that the audit decides and what to check with the unit."""
    counted = f"只计 {show(cap)} 学时（不计 {show(hours - cap)} 学时）"
    sources = [policy.rule(r).source for r in ("daily_caps.per_day", "daily_caps.per_half_day")]
    if not any(s and "原则上" in s["quote"] for s in sources):
        return f"超过每天上限，{counted}"
    return (
        f"超过通知“原则上”每天的上限：这里稳妥地{counted}。“原则上”留有余地，以审核认定为准，"
        f"审核可能认可全部 {show(hours)} 学时；请向单位人事部门确认这次培训备案的学时标准和日程，"
        "以及超出的学时能否申报"
    )


def outside_year_note(date: str, year: int) -> str:
    """The outside_year warning's message after the record's name."""
    return f"日期 {date} 不在 {year} 年度内，不计入（学时不结转、不借用）"


def late_note(date: str, cutoff: Cutoff, policy: PolicyRules) -> str:
    """The late_record warning's message after the record's name."""
    modes = "、".join(MODES[m] for m in MODES if m in cutoff.modes) if cutoff.modes < set(MODES) else ""
    categories = (
        "、".join(CATEGORIES[c] for c in CATEGORIES if c in cutoff.categories)
        if cutoff.categories < set(CATEGORIES)
        else ""
    )
    what = "的".join(part for part in (modes, categories) if part)
    carry = policy.rule("carry_over.allowed")
    no_carry = "，也不能结转下一年度" if carry.stated and carry.value is False else ""
    return (
        f"日期 {date} 晚于本通知规定{what}学时计入当年的最后一天 {cutoff.last_day}，"
        f"逾期，不计入 {policy.year} 年度{no_carry}"
    )


def planned_note(date: str, as_of: str) -> str:
    """The planned warning's message after the record's name."""
    return f"日期 {date} 在核对日 {as_of} 之后，尚未发生：列为计划，不计入已完成学时"


def full_year_effect(policy: PolicyRules, full_year_service: bool) -> tuple[tuple[int, int] | None, Warning | None]:
    """The full-year service credit (public, professional) applied, or the warning that there is none."""
    if not full_year_service:
        return None, None
    if policy.full_year_credit is None:
        why = policy.absent(policy.rule("full_year_service.credit"), "援派或基层服务满一年的学时认定")
        return None, Warning("no_full_year_rule", f"{why}；此处未计入学时")
    return policy.full_year_credit, None


def cadre_refusal(policy: PolicyRules, employer: str | None, public_floor: int | None) -> Warning | None:
    """Why cadre-academy hours cannot offset public hours for this person; None when they can."""
    employers = policy.cadre_employers
    eligible_names = (
        "、".join(EMPLOYERS[e] for e in sorted(employers or ()) if e in EMPLOYERS)
        if employers is None or employer not in employers
        else ""
    )
    if employers is None:
        why = policy.absent(
            policy.rule("cadre_academy_offset.eligible_employers"), "河南干部网络学院学时可抵扣公需课学时"
        )
        return Warning("no_cadre_rule", f"{why}；此处未计入")
    if employer is None:
        return Warning(
            "cadre_employer_missing",
            f"未填写单位类型（employer）；只有{eligible_names}人员可抵扣，干部网络学院学时未计入",
        )
    if employer not in employers:
        return Warning(
            "cadre_not_eligible",
            f"只有{eligible_names}人员可用干部网络学院学时抵扣公需课学时，"
            f"{EMPLOYERS.get(employer, employer)}人员不可，未计入",
        )
    if public_floor is None:
        return Warning("cadre_no_floor", "本通知未规定公需科目学时下限，无法确定可抵扣的学时，未计入")
    return None


def cadre_offset(cadre_given: int, public_floor: int, credited_public: int) -> tuple[int, Warning | None]:
    """The cadre-academy hours offset (up to the public floor), and the warning when not all of them are."""
    applied = min(cadre_given, max(0, public_floor - credited_public))
    if applied < cadre_given:
        return applied, Warning(
            "cadre_capped",
            f"干部网络学院学时 {show(cadre_given)}，最多抵满公需科目下限，只抵扣 {show(applied)} 学时",
        )
    return applied, None


# What a record with this body does under a policy: the last day it counts (its cutoff; None: the year's end)
# and what it credits when dated within the year.
RecordRules = tuple[Cutoff | None, RecordEffect]
KEPT_BODIES = 10_000  # the most bodies a policy's `known` keeps (a person has a few dozen records)


def record_rules(policy: PolicyRules, body: Body) -> RecordRules:
    return policy.cutoff(body[3], body[0]), record_effect(policy, body)


def credits(
    policy: PolicyRules,
    person: Person,
    public_floor: int | None,
    as_of: str | None = None,
    known: dict[Body, RecordRules] | None = None,
) -> Credits:
    """`public_floor`: the required public hours after proration (the cadre offset fills up to it);
    `as_of`: the day of the check (ISO); records after it are planned. None: every record has happened.
    `known`: record_rules already worked out under this policy, by body, kept by the caller between people
    (the calculator page asks again on each keystroke, with the same records but one)."""
    known = {} if known is None else known
    warnings: list[Warning] = []
    public = required_course = professional = 0
    counted = face_to_face = activities = activities_as_public = 0
    outside: list[int] = []
    late: list[tuple[int, str, Cutoff]] = []
    planned: list[int] = []
    capped: list[tuple[int, int, int]] = []
    year = policy.year
    has_floor = policy.requirements["public_required_course"] is not None
    name = person.record_name

    for ref, (date, record_year), body in person.records:
        if record_year != year:
            outside.append(ref)
            warnings.append(Warning("outside_year", name(ref) + outside_year_note(date, year), ref))
            continue
        rules_of_body = known.get(body)
        if rules_of_body is None:
            rules_of_body = record_rules(policy, body)
            if len(known) < KEPT_BODIES:
                known[body] = rules_of_body
        cutoff, effect = rules_of_body
        if cutoff is not None and date > cutoff.last_day:
            late.append((ref, date, cutoff))
            warnings.append(Warning("late_record", name(ref) + late_note(date, cutoff, policy), ref))
            continue
        if as_of is not None and date > as_of:
            planned.append(ref)
            warnings.append(Warning("planned", name(ref) + planned_note(date, as_of), ref))
            continue
        face_to_face += effect.face_to_face
        activities += effect.activity
        if effect.cap is not None:
            capped.append((ref, body[2], effect.cap))
        for code, note in effect.notes:
            warnings.append(Warning(code, name(ref) + note, ref))
        if effect.notes and effect.notes[0][0] == "activity_not_public":
            activities_as_public += 1
            continue
        counted += 1
        public += effect.public
        required_course += effect.required_course
        professional += effect.professional

    credited_public, credited_professional = public, professional

    full_year, refused = full_year_effect(policy, person.full_year_service)
    if refused is not None:
        warnings.append(refused)
    if full_year is not None:
        credited_public += full_year[0]
        credited_professional += full_year[1]

    cadre_given = person.cadre_academy_hours
    cadre_applied = 0
    if cadre_given > 0:
        refusal = cadre_refusal(policy, person.employer, public_floor)
        if refusal is not None:
            warnings.append(refusal)
        elif public_floor is not None:  # always so when there is no refusal
            cadre_applied, short = cadre_offset(cadre_given, public_floor, credited_public)
            credited_public += cadre_applied
            if short is not None:
                warnings.append(short)

    credited: Amounts = {
        "total": credited_public + credited_professional,
        "public": credited_public,
        "public_required_course": required_course if has_floor else None,
        "professional": credited_professional,
    }
    return Credits(
        credited,
        public,
        required_course,
        professional,
        counted,
        outside,
        late,
        planned,
        capped,
        face_to_face,
        activities,
        activities_as_public,
        full_year,
        cadre_given,
        cadre_applied,
        warnings,
    )
