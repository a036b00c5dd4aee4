"""Property tests: the SQL of `compliance.pairing_status` / `cadre_status` against a plain-Python
reading of RULES.md, on many generated datasets, on SQLite and PostgreSQL.

`Rules` below is written from the text of RULES.md, sentence by sentence, and shares no code with
data_access.compliance. Datasets lean on the boundary days the rule is most likely to get wrong:
a period's last day, a start exactly `grace_days` before a period end, the `silent_days`-th silent
day, an end date on the as-of day, contacts on the start and end dates.

Each test uses one database (a SQLite file or a PostgreSQL database) for all its examples; rows are
deleted between examples.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from data_access import compliance
from data_access.db import bump_version, session_scope
from data_access.models import Contact, Pairing
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import METHODS
from tests import builders as b

D = dt.date
DAY = dt.timedelta(days=1)
VISIT = "实地走访"
N_CADRES = 3
N_HOUSEHOLDS = 8


# --- RULES.md, read as plain Python -------------------------------------------------------------

@dataclass(frozen=True)
class P:
    """A generated pairing: its cadre index, household index, dates and contacts (date, method)."""

    cadre: int
    household: int
    start: dt.date
    end: dt.date | None
    contacts: tuple[tuple[dt.date, str], ...]


def last_day(year: int, month: int) -> dt.date:
    return D(year, month, calendar.monthrange(year, month)[1])


class Rules:
    """RULES.md "Compliance rules", one method per sentence."""

    def __init__(self, policy: Policy):
        self.policy = policy

    @staticmethod
    def active_on(p: P, d: dt.date) -> bool:
        # "active on day d when start_date <= d and (end_date is empty or d < end_date)"
        return p.start <= d and (p.end is None or d < p.end)

    @staticmethod
    def is_contact(method: str) -> bool:
        return method in ("实地走访", "电话", "短信", "微信", "视频", "邀请到家", "集体活动")

    def done(self, p: P, d: dt.date) -> tuple[int, int]:
        # "records of that pairing dated within [max(Jan 1 of Y, start_date), D] (and before end_date)"
        low = max(D(d.year, 1, 1), p.start)
        dated = [
            method for day, method in p.contacts
            if self.is_contact(method) and low <= day <= d and (p.end is None or day < p.end)
        ]
        return len(dated), sum(1 for method in dated if method == VISIT)

    def counts(self, p: P, period_last_day: dt.date, d: dt.date) -> bool:
        # "ended on or before D, active on the period's last day, start at least grace_days before it"
        return (
            period_last_day <= d
            and self.active_on(p, period_last_day)
            and (period_last_day - p.start).days >= self.policy.grace_days
        )

    def owed(self, p: P, d: dt.date) -> tuple[int, int]:
        quarters = [last_day(d.year, month) for month in (3, 6, 9, 12)]
        halves = [last_day(d.year, month) for month in (6, 12)]
        return (
            self.policy.contacts_per_period * sum(self.counts(p, e, d) for e in quarters),
            self.policy.visits_per_period * sum(self.counts(p, e, d) for e in halves),
        )

    def behind(self, p: P, d: dt.date) -> bool:
        (owed_c, owed_v), (done_c, done_v) = self.owed(p, d), self.done(p, d)
        return done_c < owed_c or done_v < owed_v

    def silent(self, p: P, d: dt.date) -> bool:
        # "active for at least silent_days before D, and no contact dated D - silent_days + 1 .. D"
        n = self.policy.silent_days
        if (d - p.start).days < n:
            return False
        window_start = d - dt.timedelta(days=n - 1)
        return not any(window_start <= day <= d and self.is_contact(m) for day, m in p.contacts)

    def first_visit_overdue(self, p: P, d: dt.date) -> bool:
        # "existed first_visit_days days with no 实地走访" (a visit of this pairing, up to D)
        if (d - p.start).days < self.policy.first_visit_days:
            return False
        return not any(m == VISIT and p.start <= day <= d for day, m in p.contacts)


# --- generated datasets ------------------------------------------------------------------------

def _near(day: dt.date, *offsets: int) -> list[dt.date]:
    return [day + dt.timedelta(days=o) for o in offsets]


@st.composite
def policies(draw) -> Policy:
    if draw(st.booleans()):
        return Policy()
    return Policy(
        contacts_per_period=draw(st.integers(1, 2)),
        visits_per_period=draw(st.integers(1, 2)),
        grace_days=draw(st.sampled_from([0, 1, 15, 30, 45])),
        silent_days=draw(st.sampled_from([1, 30, 60, 90, 120])),
        first_visit_days=draw(st.sampled_from([0, 10, 30, 60])),
    )


@st.composite
def as_of_days(draw) -> dt.date:
    year = draw(st.sampled_from([2023, 2024]))  # 2024 is a leap year
    ends = [last_day(year, m) for m in (3, 6, 9, 12)]
    boundary = [D(year, 1, 1), D(year, 2, 28), D(year, 3, 1)] + [x for e in ends for x in _near(e, -1, 0, 1)]
    boundary = [x for x in boundary if x.year == year]
    return draw(st.one_of(st.sampled_from(boundary), st.dates(D(year, 1, 1), D(year, 12, 31))))


@st.composite
def pairings(draw, as_of: dt.date, policy: Policy) -> P:
    year = as_of.year
    ends = [last_day(year, m) for m in (3, 6, 9, 12)]
    grace = dt.timedelta(days=policy.grace_days)
    special_starts = (
        [x for e in ends for x in _near(e - grace, -1, 0, 1)]
        + _near(as_of - dt.timedelta(days=policy.silent_days), -1, 0, 1)
        + _near(as_of - dt.timedelta(days=policy.first_visit_days), -1, 0, 1)
        + [D(year, 1, 1), D(year - 1, 12, 31), as_of]
    )
    start = draw(st.one_of(st.sampled_from(special_starts), st.dates(D(year - 1, 6, 1), as_of + 10 * DAY)))
    end = draw(
        st.one_of(
            st.none(),
            st.sampled_from(_near(as_of, 0, 1) + [x for e in ends for x in _near(e, 0, 1)]),
            st.dates(start + DAY, D(year + 1, 1, 31)),
        )
    )
    if end is not None and end <= start:
        end = None
    window = as_of - dt.timedelta(days=policy.silent_days - 1)
    special_days = [start, start - DAY, as_of, as_of + DAY, window, window - DAY, D(year, 1, 1), D(year - 1, 12, 31)]
    special_days += [x for e in ends for x in _near(e, 0, 1)]
    if end is not None:
        special_days += [end, end - DAY]
    day = st.one_of(st.sampled_from(special_days), st.dates(min(start, as_of) - 40 * DAY, max(start, as_of) + 40 * DAY))
    contacts = draw(st.lists(st.tuples(day, st.sampled_from(METHODS)), max_size=10))
    return P(
        cadre=draw(st.integers(0, N_CADRES - 1)),
        household=-1,
        start=start,
        end=end,
        contacts=tuple(contacts),
    )


@st.composite
def datasets(draw):
    policy = draw(policies())
    as_of = draw(as_of_days())
    items = draw(st.lists(pairings(as_of, policy), min_size=1, max_size=N_HOUSEHOLDS))
    items = [P(p.cadre, i, p.start, p.end, p.contacts) for i, p in enumerate(items)]
    other_day = draw(st.dates(D(as_of.year, 1, 1), D(as_of.year, 12, 31)))
    return policy, as_of, items, other_day


# --- the database side ------------------------------------------------------------------------

@pytest.fixture
def skeleton(db_url):
    """Regions, one unit, the cadres and households every example reuses."""
    with session_scope(db_url) as s:
        b.region_tree(s)
        unit = b.unit(s)
        cadres = [b.cadre(s, unit, name=f"干部{i}") for i in range(N_CADRES)]
        villages = (b.VILLAGE_A1, b.VILLAGE_A2, b.VILLAGE_B1)
        households = [(b.household(s, villages[i % 3]), villages[i % 3]) for i in range(N_HOUSEHOLDS)]
    return db_url, cadres, households


def _load(url: str, cadres: list[int], households: list[tuple[int, str]], items: list[P]) -> None:
    with session_scope(url) as s:
        s.execute(delete(Contact))
        s.execute(delete(Pairing))
        s.execute(
            insert(Pairing),
            [
                {"id": i + 1, "household_id": households[p.household][0], "cadre_id": cadres[p.cadre],
                 "role": "爱心家人", "start_date": p.start, "end_date": p.end}
                for i, p in enumerate(items)
            ],
        )
        contacts = [
            {"pairing_id": i + 1, "contact_date": day, "method": method}
            for i, p in enumerate(items)
            for day, method in p.contacts
        ]
        if contacts:
            s.execute(insert(Contact), contacts)
        bump_version(s)  # as every writer of pairings and contacts does: stored evaluations expire


def _expected_pairings(rules: Rules, items: list[P], as_of: dt.date, households, village_prefix: str = ""):
    return {
        i + 1: {
            "owed": rules.owed(p, as_of),
            "done": rules.done(p, as_of),
            "is_behind": rules.behind(p, as_of),
            "is_silent": rules.silent(p, as_of),
            "first_visit_overdue": rules.first_visit_overdue(p, as_of),
        }
        for i, p in enumerate(items)
        if rules.active_on(p, as_of) and households[p.household][1].startswith(village_prefix)
    }


def _actual_pairings(url: str, scope: Scope, as_of: dt.date, policy: Policy, stored: bool = False):
    """The rule's rows as the SQL gives them; `stored`: as the pages read them (status_rows, from a
    stored evaluation of the whole database, made first when there is none valid)."""
    with session_scope(url) as s:
        if stored:
            compliance.status_rows(s, EVERYWHERE, as_of, policy)  # stores the evaluation if none is valid
            statement = compliance.status_rows(s, scope, as_of, policy)
            assert "status_rows" in str(statement), "expected a read of the stored evaluation"
        else:
            statement = compliance.pairing_status(scope, as_of, policy)
        rows = s.execute(statement).mappings().all()
    return {
        r["pairing_id"]: {
            "owed": (r["owed_contacts"], r["owed_visits"]),
            "done": (r["done_contacts"], r["done_visits"]),
            "is_behind": bool(r["is_behind"]),
            "is_silent": bool(r["is_silent"]),
            "first_visit_overdue": bool(r["first_visit_overdue"]),
        }
        for r in rows
    }


PROPERTY_SETTINGS = settings(
    max_examples=70,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(data=datasets())
def test_pairing_status_matches_rules(skeleton, data):
    url, cadres, households = skeleton
    policy, as_of, items, other_day = data
    _load(url, cadres, households, items)
    rules = Rules(policy)
    year_end = D(as_of.year, 12, 31)
    for day in (as_of, other_day, year_end):
        expected = _expected_pairings(rules, items, day, households)
        assert _actual_pairings(url, EVERYWHERE, day, policy) == expected
        assert _actual_pairings(url, EVERYWHERE, day, policy, stored=True) == expected
    township = Scope.for_region(b.TOWNSHIP_A)
    expected = _expected_pairings(rules, items, as_of, households, b.TOWNSHIP_A)
    assert _actual_pairings(url, township, as_of, policy) == expected
    assert _actual_pairings(url, township, as_of, policy, stored=True) == expected


@PROPERTY_SETTINGS
@given(data=datasets())
def test_cadre_status_is_the_worst_pairing(skeleton, data):
    url, cadres, households = skeleton
    policy, as_of, items, _ = data
    _load(url, cadres, households, items)
    rules = Rules(policy)
    expected: dict[int, dict] = {}
    for p in items:
        if not rules.active_on(p, as_of):
            continue
        row = expected.setdefault(cadres[p.cadre], {"pairings": 0, "is_behind": False, "is_silent": False})
        row["pairings"] += 1
        row["is_behind"] |= rules.behind(p, as_of)
        row["is_silent"] |= rules.silent(p, as_of)
    with session_scope(url) as s:
        rows = s.execute(compliance.cadre_status(EVERYWHERE, as_of, policy)).mappings().all()
        summary = compliance.summary(s, EVERYWHERE, as_of, policy)
    actual = {
        r["cadre_id"]: {"pairings": r["pairings"], "is_behind": bool(r["is_behind"]), "is_silent": bool(r["is_silent"])}
        for r in rows
    }
    assert actual == expected
    assert summary.cadres == len(expected)
    assert summary.cadres_on_track == sum(1 for r in expected.values() if not (r["is_behind"] or r["is_silent"]))


@pytest.mark.parametrize(
    ("contact_day", "silent"),
    [(D(2023, 10, 4), False), (D(2023, 10, 3), True), (D(2023, 12, 31), False), (None, True)],
)
def test_silence_window_reaching_into_last_year(db_url, contact_day, silent):
    """As of 2024-01-01 the 90-day window is 2023-10-04 .. 2024-01-01: last year's contacts count."""
    as_of = D(2024, 1, 1)
    with session_scope(db_url) as s:
        b.region_tree(s)
        pairing = b.pairing(s, b.household(s), b.cadre(s, b.unit(s)), D(2022, 1, 1))
        if contact_day:
            b.contact(s, pairing, contact_day, "实地走访")
    generated = P(0, 0, D(2022, 1, 1), None, ((contact_day, VISIT),) if contact_day else ())
    assert Rules(Policy()).silent(generated, as_of) is silent
    with session_scope(db_url) as s:
        row = s.execute(compliance.pairing_status(EVERYWHERE, as_of, Policy())).mappings().one()
    assert bool(row["is_silent"]) is silent
    assert row["last_contact"] == contact_day
