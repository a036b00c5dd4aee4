"""RULES.md's worked example, row by row, on SQLite and PostgreSQL."""

import datetime as dt

import pytest

from data_access import compliance
from data_access.db import session_scope
from data_access.policy import Policy
from data_access.scope import EVERYWHERE
from tests import builders as b

D = dt.date


@pytest.fixture
def example(db_url):
    with session_scope(db_url) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s))
        late = b.pairing(s, b.household(s), cadre, D(2023, 2, 10))
        for day, method in ((D(2023, 3, 2), "电话"), (D(2023, 5, 20), "实地走访"), (D(2023, 9, 15), "微信")):
            b.contact(s, late, day, method)
        march = b.pairing(s, b.household(s), cadre, D(2023, 3, 10))
    return db_url, late, march


def _row(url, pairing_id, as_of):
    with session_scope(url) as s:
        rows = s.execute(compliance.pairing_status(EVERYWHERE, as_of, Policy())).mappings().all()
    return next(r for r in rows if r["pairing_id"] == pairing_id)


@pytest.mark.parametrize(
    ("as_of", "owed", "done", "status"),
    [
        (D(2023, 3, 31), (1, 0), (1, 0), "达标"),
        (D(2023, 6, 30), (2, 1), (2, 1), "达标"),
        (D(2023, 9, 30), (3, 1), (3, 1), "达标"),
        (D(2023, 12, 31), (4, 2), (3, 1), "滞后、失联"),
    ],
)
def test_worked_example(example, as_of, owed, done, status):
    url, late, _ = example
    row = _row(url, late, as_of)
    assert (row["owed_contacts"], row["owed_visits"]) == owed
    assert (row["done_contacts"], row["done_visits"]) == done
    assert compliance.status_label(row["is_behind"], row["is_silent"]) == status


def test_grace_period_excludes_q1_for_a_march_start(example):
    url, _, march = example
    row = _row(url, march, D(2023, 6, 30))
    assert row["owed_contacts"] == 1


def test_summary_counts_cadre_by_worst_pairing(example):
    url, _, _ = example
    with session_scope(url) as s:
        result = compliance.summary(s, EVERYWHERE, D(2023, 12, 31), Policy())
    assert result.active_pairings == 2
    assert result.cadres == 1
    assert result.cadres_on_track == 0
