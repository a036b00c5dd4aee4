"""Property tests: the SQL of the authenticity signals (`signals.signal_records`) and of the answered /
late / unanswered outcomes of reminders (`supervision.actions_query`) against a plain-Python reading
of RULES.md ("Entry time and answered reminders", "Authenticity signals"), on generated records, on
SQLite and PostgreSQL.

`Reading` below is written from the text of RULES.md and shares no code with data_access (the
compliance figures 只联不访 needs come from the plain-Python `Rules` of test_compliance_properties).
Datasets lean on the boundaries: entered exactly `late_entry_days` after, a date corrected to after
its entry (a negative entry delay), notes differing only in spaces and punctuation, a burst of exactly
`burst_size`, a span of exactly `burst_span_days`, entry on the first and last day of a deadline window, a visit exactly three months before a 回访, a response
entered exactly `late_entry_grace_days` after the deadline.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import unicodedata
from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from data_access import compliance, signals, supervision
from data_access.db import bump_version, session_scope
from data_access.models import Contact, Pairing, Satisfaction, SupervisionAction
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import METHODS
from tests import builders as b
from tests.test_compliance_properties import PROPERTY_SETTINGS, P, Rules

D = dt.date
DAY = dt.timedelta(days=1)
VISIT = "实地走访"
N_CADRES = 3
N_HOUSEHOLDS = 6
VILLAGES = (b.VILLAGE_A1, b.VILLAGE_A2, b.VILLAGE_B1)
BACKFILLED_BY_MIGRATION = "补填"

# Notes: a few texts, each written with different spaces and punctuation, plus short ones.
BASE_NOTES = ("了解老人近况叮嘱按时服药注意保暖", "帮助孩子联系学校落实教育资助", "看望", "送去米面油询问生活困难")
DECORATIONS = ("", "，", "。", " ", "！", "、", ",", ".", "  ", "“", "”", "（）", "\u3000")


# --- RULES.md, read as plain Python ----------------------------------------------------------------

@dataclass(frozen=True)
class C:
    """A generated contact: pairing index, date, method, entry day, entry source, note."""

    pairing: int
    day: dt.date
    method: str
    entered: dt.date
    source: str
    note: str | None


@dataclass(frozen=True)
class A:
    """A generated 提醒 / 督办: pairing index, issued, deadline, kind of contact asked for."""

    pairing: int
    issued: dt.date
    deadline: dt.date
    required: str | None


@dataclass(frozen=True)
class S:
    """A generated 回访: household index, date, 干部是否上门, cadre index asked about (or None)."""

    household: int
    day: dt.date
    came: str
    cadre: int | None


def quarter_end(day: dt.date) -> dt.date:
    month = ((day.month - 1) // 3 + 1) * 3
    return D(day.year, month, calendar.monthrange(day.year, month)[1])


def three_months_before(day: dt.date) -> dt.date:
    # "the same day three months earlier"; a day the earlier month lacks is its last day
    year, month = (day.year, day.month - 3) if day.month > 3 else (day.year - 1, day.month + 9)
    return D(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def stripped(text: str | None) -> str:
    # "compared after removing spaces and punctuation"
    return "".join(ch for ch in (text or "") if not (unicodedata.category(ch)[0] in "PZ" or ch.isspace()))


class Reading:
    def __init__(self, policy: Policy, as_of: dt.date, pairings: list[P], contacts: list[C], actions: list[A],
                 surveys: list[S]):
        self.policy, self.as_of = policy, as_of
        self.pairings, self.contacts, self.actions, self.surveys = pairings, contacts, actions, surveys

    @staticmethod
    def entry_day(c: C) -> dt.date:
        # a time estimated by the migration (补填) is read as the contact's own date
        return c.day if c.source == BACKFILLED_BY_MIGRATION else c.entered

    def year(self) -> list[tuple[int, C]]:
        # "over the contacts dated in the year up to D (whenever entered)"
        return [(i, c) for i, c in enumerate(self.contacts) if D(self.as_of.year, 1, 1) <= c.day <= self.as_of]

    def cadre(self, c: C) -> int:
        return self.pairings[c.pairing].cadre

    def backfilled(self, c: C) -> bool:
        # "entry day is more than late_entry_days calendar days after its date"
        return (self.entry_day(c) - c.day).days > self.policy.late_entry_days

    def expected(self) -> set[tuple[str, int, int]]:
        """(signal, cadre index, record index) — a record index is a contact's, a 回访's for 回访不符."""
        p, out = self.policy, set()
        year = self.year()
        for i, c in year:
            if self.backfilled(c):
                out.add((signals.BACKFILLED, self.cadre(c), i))
        bursts: dict[tuple[int, dt.date], list[int]] = {}
        for i, c in year:
            bursts.setdefault((self.cadre(c), self.entry_day(c)), []).append(i)
        for (cadre, _), members in bursts.items():
            days = [self.contacts[i].day for i in members]
            if len(members) >= p.burst_size and (max(days) - min(days)).days >= p.burst_span_days:
                out.update((signals.BATCH, cadre, i) for i in members)
        w = p.deadline_window_days
        for i, c in year:
            if not self.backfilled(c):
                continue
            e = self.entry_day(c)
            near_quarter_end = (quarter_end(e) - e).days < w
            near_deadline = any(
                a.pairing == c.pairing and a.issued <= self.as_of and 0 <= (a.deadline - e).days < w
                for a in self.actions
            )
            if near_quarter_end or near_deadline:
                out.add((signals.BEFORE_DEADLINE, self.cadre(c), i))
        texts = [(i, self.cadre(c), stripped(c.note)) for i, c in year if c.note is not None]
        for i, cadre, text in texts:
            if len(text) < p.min_note_chars:
                continue
            same = [(j, other) for j, other, t in texts if t == text]
            if sum(1 for _, other in same if other == cadre) >= p.dup_note_count or len({o for _, o in same}) >= 2:
                out.add((signals.REPEATED, cadre, i))
        rules = Rules(p)
        for k, bare in enumerate(self.pairings):
            mine = tuple((c.day, c.method) for c in self.contacts if c.pairing == k)
            pairing = P(bare.cadre, bare.household, bare.start, bare.end, mine)
            if not rules.active_on(pairing, self.as_of):
                continue
            (_, owed_v), (done_c, done_v) = rules.owed(pairing, self.as_of), rules.done(pairing, self.as_of)
            if owed_v > 0 and done_v == 0 and done_c >= p.min_contacts_no_visit:
                low = max(D(self.as_of.year, 1, 1), pairing.start)
                out.update(
                    (signals.NO_VISITS, pairing.cadre, i) for i, c in enumerate(self.contacts)
                    if c.pairing == k and low <= c.day <= self.as_of
                )
        for n, s in enumerate(self.surveys):
            if not (D(self.as_of.year, 1, 1) <= s.day <= self.as_of and s.came == "否"):
                continue
            cadre = s.cadre
            if cadre is None:
                active = [q for q in self.pairings if q.household == s.household and Rules.active_on(q, s.day)]
                active.sort(key=lambda q: q.start)
                cadre = active[-1].cadre if active else None
            visited = any(
                self.pairings[c.pairing].household == s.household and self.pairings[c.pairing].cadre == cadre
                and c.method == VISIT and three_months_before(s.day) < c.day <= s.day
                for c in self.contacts
            )
            if cadre is not None and visited:
                out.add((signals.DISAGREES, cadre, n))
        return out

    def outcome(self, a: A, d: dt.date, known: bool = False) -> str:
        """RULES.md: answered = a contact of the missing kind dated issue day .. deadline and entered
        no later than late_entry_grace_days after the deadline; otherwise late, pending, unanswered."""
        def fits(c: C) -> bool:
            return (c.pairing == a.pairing and (a.required is None or c.method == a.required)
                    and a.issued <= c.day <= d and (not known or self.entry_day(c) <= d))
        candidates = [c for c in self.contacts if fits(c)]
        grace = dt.timedelta(days=self.policy.late_entry_grace_days)
        if any(c.day <= a.deadline and self.entry_day(c) <= a.deadline + grace for c in candidates):
            return supervision.ANSWERED
        if a.deadline >= d:
            return supervision.PENDING
        return supervision.LATE if candidates else supervision.UNANSWERED


# --- generated datasets ------------------------------------------------------------------------------

@st.composite
def policies(draw) -> Policy:
    if draw(st.booleans()):
        return Policy()
    return Policy(
        late_entry_grace_days=draw(st.sampled_from([0, 1, 3])),
        late_entry_days=draw(st.sampled_from([0, 3, 7])),
        burst_size=draw(st.sampled_from([2, 3, 5])),
        burst_span_days=draw(st.sampled_from([0, 10, 30])),
        deadline_window_days=draw(st.sampled_from([1, 5, 10])),
        min_note_chars=draw(st.sampled_from([1, 5, 10])),
        dup_note_count=draw(st.sampled_from([2, 3])),
        min_contacts_no_visit=draw(st.sampled_from([1, 2, 4])),
    )


@st.composite
def datasets(draw):
    policy = draw(policies())
    year = draw(st.sampled_from([2023, 2024]))
    as_of = draw(st.sampled_from([D(year, 3, 31), D(year, 6, 30), D(year, 9, 30), D(year, 12, 31), D(year, 5, 31)]))
    n_pairings = draw(st.integers(1, N_HOUSEHOLDS))
    pairings = []
    for household in range(n_pairings):
        start = draw(st.sampled_from([D(year - 1, 6, 1), D(year, 1, 1), D(year, 2, 15), D(year, 4, 1)]))
        end = draw(st.one_of(st.none(), st.sampled_from([D(year, 5, 1), D(year, 8, 1)])))
        pairings.append(P(draw(st.integers(0, N_CADRES - 1)), household, start, end, ()))
    # actions first: contacts are drawn near their windows so every outcome occurs
    @st.composite
    def action(draw_):
        k = draw_(st.integers(0, n_pairings - 1))
        issued = draw_(st.dates(D(year, 1, 1), as_of))
        deadline = draw_(st.sampled_from([issued, issued + 5 * DAY, issued + 10 * DAY, D(year, 3, 29), D(year, 5, 22)]))
        return A(k, issued, max(deadline, issued), draw_(st.sampled_from([None, VISIT])))

    actions = draw(st.lists(action(), max_size=3))
    # entry days cluster on a few "batch days" (quarter ends, deadlines) so bursts and windows occur
    batch_days = [D(year, 3, 31), D(year, 3, 27), D(year, 3, 26), D(year, 6, 28), D(year, 5, 20), as_of]
    batch_days += [a.deadline for a in actions]
    late, grace = policy.late_entry_days, policy.late_entry_grace_days
    near_actions = [x for a in actions for x in (a.issued, a.deadline, a.deadline + DAY, a.issued - DAY)]

    @st.composite
    def contact(draw_):
        k = draw_(st.integers(0, n_pairings - 1))
        day = draw_(st.one_of(st.dates(D(year - 1, 12, 1), as_of + 20 * DAY), st.sampled_from(near_actions or [as_of]),
                              st.sampled_from([D(year, 3, 1), D(year, 3, 2), D(year, 2, 1)])))
        grace_edges = [a.deadline + grace * DAY for a in actions] + [a.deadline + (grace + 1) * DAY for a in actions]
        entered = draw_(st.one_of(
            st.sampled_from([day, day + late * DAY, day + (late + 1) * DAY]),
            st.sampled_from(batch_days),
            st.sampled_from(grace_edges or [day]),
            st.just(day + draw_(st.integers(0, 60)) * DAY),
        ))
        base = draw_(st.sampled_from(BASE_NOTES))
        decorated = "".join(f"{ch}{draw_(st.sampled_from(DECORATIONS))}" for ch in base)
        note = draw_(st.one_of(st.none(), st.just(base), st.just(decorated), st.just("")))
        source = draw_(st.sampled_from(["导入", "导入", "平台录入", BACKFILLED_BY_MIGRATION]))
        pairing_of = k
        if actions and draw_(st.booleans()):
            pairing_of = actions[draw_(st.integers(0, len(actions) - 1))].pairing
        # now and then a date corrected to after the record's entry (a negative entry delay)
        entered = day - draw_(st.sampled_from([1, 3, 40])) * DAY if draw_(st.integers(0, 7)) == 0 else max(entered, day)
        return C(pairing_of, day, draw_(st.sampled_from(METHODS)), entered, source, note)

    contacts = draw(st.lists(contact(), min_size=2, max_size=16))
    if draw(st.booleans()):
        # a batch of exactly burst_size (or one fewer) entered on one day, spanning exactly
        # burst_span_days (or one fewer), with notes that differ only in spaces and punctuation
        k = draw(st.integers(0, n_pairings - 1))
        size = policy.burst_size - draw(st.sampled_from([0, 0, 1]))
        span = policy.burst_span_days - draw(st.sampled_from([0, 0, 1]))
        first = D(year, 1, 5)
        days = [first + (span * i // max(size - 1, 1)) * DAY for i in range(size)] if span >= 0 else [first] * size
        entered = draw(st.sampled_from(batch_days + [days[-1] + DAY]))
        base = draw(st.sampled_from(BASE_NOTES))
        for day in days:
            decorated = "".join(f"{ch}{draw(st.sampled_from(DECORATIONS))}" for ch in base)
            contacts.append(C(k, day, draw(st.sampled_from(METHODS)), max(entered, day), "导入", decorated))
    # 回访 about households with visits, dated on the boundaries of the three months after them
    visits = [(c.pairing, c.day) for c in contacts if c.method == VISIT]

    @st.composite
    def survey(draw_):
        if visits and draw_(st.booleans()):
            k, seen = draw_(st.sampled_from(visits))
            household = pairings[k].household
            offsets = [0, 1, 30]
            day = draw_(st.sampled_from([seen + o * DAY for o in offsets]
                                        + [D(seen.year + (seen.month + 2) // 12, (seen.month + 2) % 12 + 1,
                                             min(seen.day, 28))]))
            cadre = draw_(st.one_of(st.none(), st.just(pairings[k].cadre), st.integers(0, N_CADRES - 1)))
        else:
            household = draw_(st.integers(0, n_pairings - 1))
            day = draw_(st.one_of(st.sampled_from([D(year, 5, 31), D(year, 3, 31)]), st.dates(D(year, 1, 1), as_of)))
            cadre = draw_(st.one_of(st.none(), st.integers(0, N_CADRES - 1)))
        return S(household, day, draw_(st.sampled_from(["是", "否", "否", "不清楚"])), cadre)

    surveys = draw(st.lists(survey(), max_size=4))
    return policy, as_of, pairings, contacts, actions, surveys


# --- the database side ------------------------------------------------------------------------------

@pytest.fixture
def skeleton(db_url):
    with session_scope(db_url) as s:
        b.region_tree(s)
        unit = b.unit(s)
        cadres = [b.cadre(s, unit, name=f"干部{i}") for i in range(N_CADRES)]
        households = [(b.household(s, VILLAGES[i % 3]), VILLAGES[i % 3]) for i in range(N_HOUSEHOLDS)]
    return db_url, cadres, households


def _load(url, cadres, households, pairings, contacts, actions, surveys) -> None:
    with session_scope(url) as s:
        for model in (Satisfaction, SupervisionAction, Contact, Pairing):
            s.execute(delete(model))
        s.execute(insert(Pairing), [
            {"id": k + 1, "household_id": households[p.household][0], "cadre_id": cadres[p.cadre], "role": "爱心家人",
             "start_date": p.start, "end_date": p.end}
            for k, p in enumerate(pairings)
        ])
        if contacts:
            s.execute(insert(Contact), [
                {"id": i + 1, "pairing_id": c.pairing + 1, "contact_date": c.day, "method": c.method,
                 "entered_at": dt.datetime.combine(c.entered, dt.time(8 + i % 12, 30)), "entry_source": c.source,
                 "content": c.note}
                for i, c in enumerate(contacts)
            ])
        if actions:
            s.execute(insert(SupervisionAction), [
                {"id": n + 1, "cadre_id": cadres[pairings[a.pairing].cadre], "pairing_id": a.pairing + 1, "kind": "提醒",
                 "issued_date": a.issued, "deadline": a.deadline, "required_method": a.required, "batch_no": f"T{n}"}
                for n, a in enumerate(actions)
            ])
        if surveys:
            s.execute(insert(Satisfaction), [
                {"id": n + 1, "household_id": households[v.household][0], "survey_date": v.day, "level": "满意",
                 "cadre_came": v.came, "cadre_id": cadres[v.cadre] if v.cadre is not None else None, "method": "电话",
                 "entered_at": dt.datetime.combine(v.day, dt.time(10)), "entry_source": "导入"}
                for n, v in enumerate(surveys)
            ])
        bump_version(s)


def _actual(url, scope, as_of, policy, cadres) -> set[tuple[str, int, int]]:
    index = {cadre_id: i for i, cadre_id in enumerate(cadres)}
    with session_scope(url) as s:
        rows = s.execute(signals.signal_records(scope, as_of, policy)).all()
    return {(signal, index[cadre_id], record_id - 1) for signal, cadre_id, record_id in rows}


@PROPERTY_SETTINGS
@given(data=datasets())
def test_signals_match_rules(skeleton, data):
    url, cadres, households = skeleton
    policy, as_of, pairings, contacts, actions, surveys = data
    _load(url, cadres, households, pairings, contacts, actions, surveys)
    expected = Reading(policy, as_of, pairings, contacts, actions, surveys).expected()
    assert _actual(url, EVERYWHERE, as_of, policy, cadres) == expected
    # a township sees the records about its households, the signals read over each cadre's records
    township = Scope.for_region(b.TOWNSHIP_A)

    def inside(signal, record):
        household = surveys[record].household if signal == signals.DISAGREES else pairings[contacts[record].pairing].household
        return households[household][1].startswith(b.TOWNSHIP_A)

    in_township = {e for e in expected if inside(e[0], e[2])}
    assert _actual(url, township, as_of, policy, cadres) == in_township
    # 干部详情 reads one cadre's signals through that cadre's own rows: the same counts
    for scope, wanted in ((EVERYWHERE, expected), (township, in_township)):
        with session_scope(url) as s:
            for i, cadre_id in enumerate(cadres):
                counts = Counter(signal for signal, cadre, _ in wanted if cadre == i)
                assert signals.cadre_signal_counts(s, scope, as_of, policy, cadre_id) == dict(counts), (scope, i)


@PROPERTY_SETTINGS
@given(data=datasets(), known=st.booleans())
def test_reminder_outcomes_match_rules(skeleton, data, known):
    url, cadres, households = skeleton
    policy, as_of, pairings, contacts, actions, surveys = data
    _load(url, cadres, households, pairings, contacts, actions, surveys)
    reading = Reading(policy, as_of, pairings, contacts, actions, surveys)
    for day in {as_of, *(a.deadline for a in actions), *(a.deadline + (policy.late_entry_grace_days + 1) * DAY
                                                         for a in actions)}:
        expected = {n + 1: reading.outcome(a, day, known) for n, a in enumerate(actions) if a.issued <= day}
        with session_scope(url) as s:
            rows = s.execute(supervision.actions_query(EVERYWHERE, day, policy, known=known)).mappings().all()
            actual = {r["action_id"]: r["outcome"] for r in rows}
            for outcome in supervision.OUTCOMES:
                filtered = s.execute(supervision.actions_query(EVERYWHERE, day, policy, outcome, known)).mappings().all()
                assert {r["action_id"] for r in filtered} == {k for k, v in expected.items() if v == outcome}
        assert actual == expected


# --- named boundary cases ---------------------------------------------------------------------------

def _one_cadre(db_url, contacts: list[tuple[dt.date, dt.date, str | None]], policy: Policy | None = None):
    """One cadre, one pairing; contacts (date, entry day, note); the cadre's signal counts at 2024-06-30."""
    with session_scope(db_url) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s))
        pairing = b.pairing(s, b.household(s), cadre, D(2023, 1, 1))
        for day, entered, note in contacts:
            b.contact(s, pairing, day, "电话", entered_at=dt.datetime.combine(entered, dt.time(23, 59)), content=note)
    with session_scope(db_url) as s:
        return signals.cadre_signal_counts(s, EVERYWHERE, D(2024, 6, 30), policy or Policy(), cadre)


def test_entered_exactly_late_entry_days_after_is_not_backfilled(db_url):
    found = _one_cadre(db_url, [(D(2024, 5, 1), D(2024, 5, 8), None), (D(2024, 5, 2), D(2024, 5, 10), None)])
    assert found.get(signals.BACKFILLED) == 1  # 7 days: no; 8 days: yes


def test_notes_differing_only_in_punctuation_are_repeated(db_url):
    notes = ["了解老人近况，叮嘱按时服药。", "了解老人近况 叮嘱按时服药", "“了解老人近况”、叮嘱按时服药！"]
    found = _one_cadre(db_url, [(D(2024, 4, d), D(2024, 4, d), n) for d, n in zip((1, 2, 3), notes, strict=True)])
    assert found == {signals.REPEATED: 3}


def test_a_burst_of_exactly_burst_size(db_url):
    days = [D(2024, 3, 1), D(2024, 3, 10), D(2024, 3, 20), D(2024, 3, 25), D(2024, 3, 31)]  # span 30 days
    found = _one_cadre(db_url, [(d, D(2024, 4, 2), None) for d in days])
    assert found[signals.BATCH] == 5
    with session_scope(db_url) as s:
        s.execute(delete(Contact).where(Contact.contact_date == D(2024, 3, 31)))
    with session_scope(db_url) as s:
        cadre = s.scalar(Pairing.__table__.select().with_only_columns(Pairing.cadre_id))
        assert signals.BATCH not in signals.cadre_signal_counts(s, EVERYWHERE, D(2024, 6, 30), Policy(), cadre)


def test_a_burst_spanning_through_a_corrected_date(db_url):
    """No member is entered burst_span_days after its date, yet the dates span 30 days: one was
    corrected to a date after the day it was entered (a negative entry delay)."""
    days = [D(2024, 3, 20), D(2024, 3, 25), D(2024, 3, 28), D(2024, 4, 1), D(2024, 4, 19)]
    found = _one_cadre(db_url, [(d, D(2024, 4, 2), None) for d in days])
    assert (found[signals.BATCH], found[signals.BACKFILLED]) == (5, 2)  # 03-20, 03-25: over 7 days late


@PROPERTY_SETTINGS
@given(data=datasets())
def test_as_known_reading_of_the_rule(skeleton, data):
    """按录入时间: the rule's figures on D over only the contacts entered by the end of D (RULES.md
    "Entry time"); by date (the default) every contact dated up to D counts, whenever entered."""
    url, cadres, households = skeleton
    policy, as_of, pairings, contacts, actions, surveys = data
    _load(url, cadres, households, pairings, contacts, actions, surveys)
    rules = Rules(policy)
    reading = Reading(policy, as_of, pairings, contacts, actions, surveys)
    for known in (False, True):
        expected = {}
        for k, bare in enumerate(pairings):
            seen = tuple((c.day, c.method) for c in contacts
                         if c.pairing == k and (not known or reading.entry_day(c) <= as_of))
            p = P(bare.cadre, bare.household, bare.start, bare.end, seen)
            if rules.active_on(p, as_of):
                expected[k + 1] = (rules.done(p, as_of), rules.behind(p, as_of), rules.silent(p, as_of),
                                   rules.first_visit_overdue(p, as_of))
        reading_policy = dataclasses.replace(policy, as_known=int(known))
        with session_scope(url) as s:
            rows = s.execute(compliance.pairing_status(EVERYWHERE, as_of, reading_policy)).mappings().all()
        actual = {r["pairing_id"]: ((r["done_contacts"], r["done_visits"]), bool(r["is_behind"]), bool(r["is_silent"]),
                                    bool(r["first_visit_overdue"])) for r in rows}
        assert actual == expected
