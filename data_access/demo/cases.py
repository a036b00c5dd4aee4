"""Typical cases for the publicity pages: a few strong pairings per county written up as stories,
one or more in each status of vocabulary.CASE_STATUSES, with an alias for the person and the
consent a status needs (given by the guardian for a minor, by the person otherwise)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from data_access.cases import fit
from data_access.cases.redaction import age_on
from data_access.demo import texts
from data_access.demo.names import guardian_name
from data_access.demo.timeline import Clock
from data_access.vocabulary import (
    CASE_APPROVED,
    CASE_CANDIDATE,
    CASE_CONSENTED,
    CASE_PUBLISHED,
    CASE_REJECTED,
    CASE_STATUSES,
)

_CONSENTED = (CASE_CONSENTED, CASE_APPROVED, CASE_PUBLISHED)


@dataclass(frozen=True)
class CaseSubject:
    """What a story needs to know about one pairing."""

    pairing_id: int
    kind: str  # child / disabled / poor
    cadre: str
    cadre_sex: str
    unit: str
    place: str
    person: str
    surname: str
    sex: str
    birth: dt.date
    group: str
    guardian: str | None
    start: int
    visits: int
    calls: int


def _alias(subject: CaseSubject, as_of_year: int) -> str:
    if subject.kind == "child":
        return "小" + subject.person[-1]
    age = as_of_year - subject.birth.year
    if age >= 60:
        return subject.surname + ("大爷" if subject.sex == "男" else "奶奶")
    return subject.surname + ("大哥" if subject.sex == "男" else "大姐")


def _story(subject: CaseSubject, theme: str, alias: str) -> tuple[str, str]:
    role = "爸爸" if subject.cadre_sex == "男" else "妈妈"
    headline = texts.CASE_HEADLINES[theme].format(role=role, cadre=subject.cadre, alias=alias, visits=subject.visits)
    relation = subject.guardian.split("（", 1)[1].rstrip("）") if subject.guardian else "家人"
    start = dt.date.fromordinal(subject.start)
    narrative = texts.CASE_NARRATIVE.format(
        start=f"{start.year}年{start.month}月",
        unit=subject.unit,
        cadre=subject.cadre,
        place=subject.place,
        alias=alias,
        visits=subject.visits,
        calls=subject.calls,
        deeds=texts.CASE_DEEDS[theme],
        quote=texts.CASE_QUOTES[theme].format(
            cadre=subject.cadre, speaker=f"{alias}的{relation}" if subject.kind == "child" else alias
        ),
    )
    return headline, narrative


def themes_for(subject: CaseSubject, clock: Clock) -> tuple[str, ...]:
    """The story themes of the subject's kind that fit the person on the demo's day (cases.fit)."""
    age = age_on(subject.birth, clock.as_of)
    return fit.fitting(texts.CASE_THEMES[subject.kind], age, subject.group, clock.policy)


def typical_cases(rng: random.Random, clock: Clock, subjects: list[CaseSubject], per_status: int = 2) -> list[tuple]:
    """Rows for typical_cases (without id), `per_status` in each status, children and adults mixed."""
    # A story needs a theme that fits the person, and a person born before the pairing it tells of.
    subjects = [s for s in subjects if themes_for(s, clock) and s.birth <= dt.date.fromordinal(s.start)]
    strongest = sorted(subjects, key=lambda s: (-(s.visits * 2 + s.calls), s.pairing_id))[: per_status * 12]
    rng.shuffle(strongest)
    children = [s for s in strongest if s.kind == "child"]
    adults = [s for s in strongest if s.kind != "child"]
    rows = []
    for status in CASE_STATUSES:
        for turn in range(per_status):
            pool = children if (turn % 2 == 0 and children) or not adults else adults
            if not pool:
                return rows
            rows.append(_case_row(rng, clock, pool.pop(), status))
    return rows


def _case_row(rng: random.Random, clock: Clock, subject: CaseSubject, status: str) -> tuple:
    theme = rng.choice(themes_for(subject, clock))
    alias = _alias(subject, clock.as_of.year)
    headline, narrative = _story(subject, theme, alias)
    created = max(subject.start + 30, clock.last - rng.randint(30, 150))
    updated = min(clock.last, created + rng.randint(0, 25))
    consent_by = consent_relation = consent_day = consent_scope = reject_reason = None
    if status in _CONSENTED:
        if subject.kind == "child":
            consent_by, consent_relation = guardian_name(subject.guardian or subject.person), "监护人"
        else:
            consent_by, consent_relation = subject.person, "本人"
        consent_day = clock.iso(min(updated, created + rng.randint(3, 20)))
        consent_scope = texts.CONSENT_SCOPE
    if status == CASE_REJECTED:
        reasons = texts.REJECT_REASONS if subject.kind == "child" else (texts.REJECT_REASONS[0], texts.REJECT_REASONS[2])
        reject_reason = rng.choice(reasons)
    if status == CASE_CANDIDATE:
        narrative = None
    return (
        subject.pairing_id,
        status,
        headline,
        narrative,
        theme,
        alias if status != CASE_CANDIDATE else None,
        consent_by,
        consent_relation,
        consent_day,
        consent_scope,
        None,
        reject_reason,
        clock.stamp(created),
        clock.stamp(updated, hour=16),
    )

