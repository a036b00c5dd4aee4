"""Unit and region rankings by on-track share (tests/leaders_data.py), on SQLite and PostgreSQL."""

import datetime as dt

import pandas as pd

from data_access import compliance, rankings
from data_access.db import session_scope
from data_access.policy import Policy
from data_access.scope import EVERYWHERE
from tests import builders as b
from tests import leaders_data as L


def test_units_ranked_lowest_first(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        units = rankings.units(s, EVERYWHERE, L.D, Policy())
        worst_cadres = s.execute(compliance.cadre_status(EVERYWHERE, L.D, Policy())).all()
    assert list(units["工作单位"]) == ["县民政局", "县教育局"]
    assert list(units["排名"]) == [1, 2]
    assert list(units["结对干部"]) == [2, 1]
    assert list(units["达标干部"]) == [1, 1]
    assert list(units["滞后干部"]) == [1, 0] and list(units["失联干部"]) == [1, 0]
    assert list(units["达标率"]) == [0.5, 1.0]
    assert list(units["末位"]) == [True, False]  # a fully on-track unit is never 末位
    assert units["结对干部"].sum() == len(worst_cadres)
    assert rankings.lagging(units) == ["县民政局"]


def test_regions_ranked_and_bottom_count(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        townships = rankings.regions(s, EVERYWHERE, None, L.D, Policy())
        villages = rankings.regions(s, EVERYWHERE, b.TOWNSHIP_A, L.D, Policy(ranking_bottom_count=0))
        empty = rankings.units(s, EVERYWHERE, dt.date(2022, 6, 30), Policy())
    assert list(townships["地区"]) == ["汉源镇", "长道镇"]
    assert list(townships["末位"]) == [True, False]
    assert list(villages["地区"]) == ["南关村", "城关村"]
    assert not villages["末位"].any()
    assert empty.empty


def test_rank_marks_only_the_bottom_n():
    frame = pd.DataFrame({"工作单位": list("ABCDE"), "达标率": [0.9, 0.2, None, 0.5, 1.0]})
    ranked = rankings._rank(frame, 2)
    assert list(ranked["工作单位"]) == ["B", "D", "A", "E", "C"]
    assert list(ranked["末位"]) == [True, True, False, False, False]


def test_rank_names_ties_with_the_last_bottom_row():
    frame = pd.DataFrame({"工作单位": list("ABCD"), "达标率": [0.5, 25 / 32, 0.7812, 0.9]})
    ranked = rankings._rank(frame, 2)
    assert list(ranked["工作单位"]) == ["A", "C", "B", "D"]
    assert list(ranked["末位"]) == [True, True, True, False]
    assert not rankings._rank(frame, 0)["末位"].any()


def test_a_lone_row_is_never_named():
    alone = rankings._rank(pd.DataFrame({"地区": ["陇南市"], "达标率": [0.5]}), 3)
    assert list(alone["末位"]) == [False]
