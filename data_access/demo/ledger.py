"""The records around a pairing: the needs ledger (诉求 with their dated events: raised, escalated
through 单位 → 上级 → 领导小组办公室, noted, closed), entitled-policy deliveries per person, and
satisfaction surveys. Nothing is dated after the as-of day; a need closed "later" is simply open.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from data_access.demo import texts
from data_access.demo.timeline import Clock
from data_access.vocabulary import (
    ENTITLED_POLICIES,
    LEVEL_CADRE,
    LEVEL_HIGHER,
    LEVEL_OFFICE,
    LEVEL_UNIT,
    NEED_CLOSED,
    NEED_OPEN,
)

EVENT_RAISED, EVENT_ESCALATED, EVENT_NOTE, EVENT_CLOSED = "提出", "上报", "备注", "办结"

# How a need goes: (escalations, closed?, progress note?, weight).
_PATHS = (
    ("quick", 0, True, False, 38),
    ("slow", 0, True, True, 14),
    ("unit_closed", 1, True, False, 11),
    ("unit_open", 1, False, False, 6),
    ("higher_closed", 2, True, False, 6),
    ("higher_open", 2, False, True, 5),
    ("office_closed", 3, True, False, 2),
    ("office_open", 3, False, False, 2),
    ("stuck", 0, False, False, 9),
    ("noted_open", 0, False, True, 7),
)
_PATH_CHOICES = tuple(path for path in _PATHS for _ in range(path[4]))
_CHAIN = (LEVEL_UNIT, LEVEL_HIGHER, LEVEL_OFFICE)


@dataclass
class NeedPlan:
    pairing_id: int | None
    raised: int
    category: str
    content: str
    due: int
    level: str
    status: str
    closed: int | None
    closure_note: str | None
    events: list[tuple[int, str, str | None, str | None]]  # day, kind, level, note


def _weighted_category(rng: random.Random, kind: str) -> str:
    weights = texts.NEED_WEIGHTS[kind]
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


def household_needs(
    rng: random.Random, clock: Clock, kind: str, chain: list[tuple[int, int, int]]
) -> list[NeedPlan]:
    """Needs of one household whose pairings are `chain` [(pairing_id, start, end)]."""
    draw = rng.random()
    count = 2 if draw < 0.03 else 1 if draw < 0.2 else 0
    if not chain or count == 0:
        return []
    first = chain[0][1]
    if first >= clock.last:
        return []
    plans = []
    for _ in range(count):
        raised = rng.randint(first, clock.last)
        pairing_id = next((pid for pid, start, end in chain if start <= raised < end), None)
        plans.append(_need(rng, clock, kind, raised, pairing_id))
    return plans


def _need(rng: random.Random, clock: Clock, kind: str, raised: int, pairing_id: int | None) -> NeedPlan:
    category = _weighted_category(rng, kind)
    index = rng.randrange(len(texts.NEED_CONTENT[category]))
    _, escalations, closes, noted, _ = rng.choice(_PATH_CHOICES)
    events: list[tuple[int, str, str | None, str | None]] = [(raised, EVENT_RAISED, LEVEL_CADRE, None)]
    day = raised
    if noted:
        day += rng.randint(8, 25)
        events.append((day, EVENT_NOTE, None, rng.choice(texts.PROGRESS_NOTES)))
    for level in _CHAIN[:escalations]:
        day += rng.randint(7, 25)
        events.append((day, EVENT_ESCALATED, level, texts.ESCALATION_NOTES[level]))
    closure_note = None
    if closes:
        day += rng.randint(2, 20) if escalations == 0 and not noted else rng.randint(10, 60)
        closure_note = texts.CLOSURE_NOTES[category][index]
        events.append((day, EVENT_CLOSED, None, closure_note))
    events = [event for event in events if event[0] <= clock.last]
    closed = events[-1][0] if events[-1][1] == EVENT_CLOSED else None
    level = [event[2] for event in events if event[2] is not None][-1]
    due_days = clock.policy.need_due_days if rng.random() < 0.8 else rng.choice((15, 20, 45, 60))
    return NeedPlan(
        pairing_id=pairing_id,
        raised=raised,
        category=category,
        content=texts.NEED_CONTENT[category][index],
        due=raised + due_days,
        level=level,
        status=NEED_CLOSED if closed else NEED_OPEN,
        closed=closed,
        closure_note=closure_note if closed else None,
        events=events,
    )


# 教育资助 (from 学前教育资助 on) starts when a child turns this age: a younger child is 不适用.
EDUCATION_AID = "教育资助"
EDUCATION_AID_FROM_AGE = 3
TOO_YOUNG_NOTE = f"未满{EDUCATION_AID_FROM_AGE}周岁，尚未入园入学"


def _birthday(birth: dt.date, years: int) -> int:
    """The day (ordinal) `birth` turns `years` (1 March for a 29 February birthday)."""
    try:
        return birth.replace(year=birth.year + years).toordinal()
    except ValueError:
        return dt.date(birth.year + years, 3, 1).toordinal()


def policy_deliveries(
    rng: random.Random, clock: Clock, group: str, entered: int | None, birth: dt.date
) -> list[tuple[str, bool | None, int | None, str | None]]:
    """(policy, delivered, delivered day, note) for each policy the person's group is entitled to;
    delivered None: 不适用 with the reason in the note. `entered` is the day a person joined after
    the programme started (None: there from the start). Nothing is delivered before the person was
    born, nor 教育资助 before `EDUCATION_AID_FROM_AGE` (a younger child: 不适用)."""
    first, last = (clock.first - 900, clock.last - 20) if entered is None else (entered, clock.last)
    first = max(first, birth.toordinal() + 30)
    out = []
    for policy in ENTITLED_POLICIES[group]:
        earliest = first
        if policy == EDUCATION_AID:
            earliest = max(first, _birthday(birth, EDUCATION_AID_FROM_AGE))
            if earliest > clock.last:
                out.append((policy, None, None, TOO_YOUNG_NOTE))
                continue
        if rng.random() < 0.93 and earliest <= last:
            out.append((policy, True, rng.randint(earliest, last), None))
        else:
            out.append((policy, False, None, rng.choice(texts.UNDELIVERED_NOTES)))
    return out


# Satisfaction by how the cadre behaves: weights for 满意 / 基本满意 / 不满意.
_SATISFACTION_WEIGHTS = {
    "diligent": (95, 5, 0),
    "steady": (84, 13, 3),
    "late": (55, 30, 15),
    "silent": (40, 32, 28),
}


def surveys(
    rng: random.Random, clock: Clock, chain: list[tuple[int, int, int, str]]
) -> list[tuple[int, int, str, str | None]]:
    """Survey answers of one household over the waves: (day, pairing_id, level, note).
    `chain` holds (pairing_id, start, end, cadre profile name)."""
    out = []
    for first, last in clock.survey_waves:
        if rng.random() >= 0.3:
            continue
        day = rng.randint(first, last)
        for pairing_id, start, end, profile in chain:
            if start + 60 <= day < end:
                level = rng.choices(("满意", "基本满意", "不满意"), weights=_SATISFACTION_WEIGHTS[profile])[0]
                out.append((day, pairing_id, level, rng.choice(texts.SURVEY_NOTES[level])))
                break
    return out
