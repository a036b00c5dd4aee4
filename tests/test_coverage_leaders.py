"""Coverage snapshots and coverage one level down, on the hand-built county of tests/leaders_data.py
(hand counts there), cross-checked with direct SQL, on SQLite and PostgreSQL."""

import datetime as dt

from sqlalchemy import text

from data_access import compliance, coverage, regions
from data_access.db import session_scope
from data_access.models import Region
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests import leaders_data as L


def test_snapshot_hand_counts(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        snap = coverage.snapshot(s, EVERYWHERE, L.D, Policy())
    head, comp, need = snap.head, snap.compliance, snap.needs
    assert [(g.group, g.persons, g.households, g.paired_persons) for g in head.groups] == [
        ("孤儿", 1, 1, 1), ("事实无人抚养儿童", 1, 1, 1), ("困难重度残疾人", 1, 1, 1), ("特困人员", 2, 2, 1),
    ]
    assert (head.persons, head.households, head.paired_persons, head.cadres_paired) == (5, 4, 4, 3)
    assert head.coverage == 0.8
    assert head.gifts_yuan == 200
    assert (comp.cadres, comp.cadres_on_track) == (3, 2)
    assert (comp.done_contacts, comp.owed_contacts, comp.done_visits, comp.owed_visits) == (6, 6, 2, 3)
    assert (need.open, need.overdue) == (2, 1)


def test_snapshot_matches_direct_sql(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        snap = coverage.snapshot(s, Scope.for_region(b.TOWNSHIP_B), L.D, Policy())
        persons, households = s.execute(text(
            "SELECT count(*), count(DISTINCT household_id) FROM persons "
            "WHERE village_code LIKE '621225101%' AND (exit_date IS NULL OR exit_date > :d)"), {"d": L.D}).one()
        paired = s.execute(text(
            "SELECT count(*) FROM persons p WHERE village_code LIKE '621225101%' "
            "AND (exit_date IS NULL OR exit_date > :d) AND EXISTS (SELECT 1 FROM pairings x "
            "WHERE x.household_id = p.household_id AND x.start_date <= :d AND (x.end_date IS NULL OR x.end_date > :d))"),
            {"d": L.D}).scalar_one()
    assert (snap.head.persons, snap.head.households, snap.head.paired_persons) == (persons, households, paired)
    assert (persons, households, paired) == (3, 2, 2)


def test_previous_month_end():
    assert coverage.previous_month_end(dt.date(2024, 6, 30)) == dt.date(2024, 5, 31)
    assert coverage.previous_month_end(dt.date(2024, 3, 1)) == dt.date(2024, 2, 29)
    assert coverage.previous_month_end(dt.date(2024, 1, 15)) == dt.date(2023, 12, 31)


def test_by_region_townships(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        frame = coverage.by_region(s, EVERYWHERE, None, L.D, Policy()).set_index("地区")
        direct = dict(s.execute(text(
            "SELECT substr(village_code, 1, 9), count(*) FROM persons "
            "WHERE exit_date IS NULL OR exit_date > :d GROUP BY substr(village_code, 1, 9)"), {"d": L.D}).all())
        # The per-region on-track share is the county summary narrowed to that township.
        narrowed = {code: compliance.summary(s, Scope.for_region(code), L.D, Policy())
                    for code in (b.TOWNSHIP_A, b.TOWNSHIP_B)}
    assert list(frame.index) == ["汉源镇", "长道镇"]
    a, t = frame.loc["汉源镇"], frame.loc["长道镇"]
    assert (a["困难重度残疾人"], a["特困人员"], a["孤儿"], a["在册人数"], a["已结对人数"]) == (1, 1, 0, 2, 2)
    assert (t["孤儿"], t["事实无人抚养儿童"], t["特困人员"], t["在册人数"], t["在册户数"], t["已结对人数"]) == (1, 1, 1, 3, 2, 2)
    assert {a["代码"]: a["在册人数"], t["代码"]: t["在册人数"]} == direct
    assert (a["覆盖率"], t["未结对人数"]) == (1.0, 1)
    assert abs(t["覆盖率"] - 2 / 3) < 1e-9
    assert (a["结对干部"], a["达标干部"], a["达标率"]) == (2, 1, 0.5)
    assert (t["结对干部"], t["达标干部"], t["达标率"]) == (1, 1, 1.0)
    for row, code in ((a, b.TOWNSHIP_A), (t, b.TOWNSHIP_B)):
        assert (row["结对干部"], row["达标干部"]) == (narrowed[code].cadres, narrowed[code].cadres_on_track)
    assert (a["逾期诉求"], t["逾期诉求"]) == (0, 1)


def test_by_region_villages_and_empty(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        villages = coverage.by_region(s, EVERYWHERE, b.TOWNSHIP_A, L.D, Policy())
        below_village = coverage.by_region(s, EVERYWHERE, b.VILLAGE_A1, L.D, Policy())
        before_anyone = coverage.by_region(s, EVERYWHERE, None, dt.date(2022, 12, 31), Policy())
        county_user = coverage.by_region(s, Scope.for_region(b.COUNTY), None, L.D, Policy())
    assert list(villages["地区"]) == ["城关村", "南关村"]
    assert list(villages["达标率"]) == [1.0, 0.0]
    assert below_village.empty
    assert list(before_anyone["已结对人数"]) == [0, 0] and before_anyone["覆盖率"].isna().sum() == 0
    assert list(county_user["地区"]) == ["汉源镇", "长道镇"]


def test_single_region_levels_are_passed_through(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        s.add_all([Region(code="620000", name="甘肃省", level="province"),
                   Region(code="621200", name="陇南市", level="city", parent_code="620000")])
        s.flush()
        s.get(Region, b.COUNTY).parent_code = "621200"
    with session_scope(db_url) as s:
        whole = coverage.by_region(s, EVERYWHERE, None, L.D, Policy())
        province = coverage.by_region(s, EVERYWHERE, "620000", L.D, Policy())
        city_user = coverage.by_region(s, Scope.for_region("621200"), None, L.D, Policy())
        assert [r.name for r in coverage.top_regions(s, Scope.for_region("621200"))] == ["陇南市"]
    for frame in (whole, province, city_user):
        assert list(frame["地区"]) == ["汉源镇", "长道镇"]
        assert list(frame["在册人数"]) == [2, 3]


def test_root_regions_of_each_scope(db_url):
    """The region a user starts from is their own (the city for a city user, not its counties; the
    province for a province user), read without the rest of the tree."""
    L.build(db_url)
    with session_scope(db_url) as s:
        s.add_all([Region(code="620000", name="甘肃省", level="province"),
                   Region(code="621200", name="陇南市", level="city", parent_code="620000")])
        s.flush()
        s.get(Region, b.COUNTY).parent_code = "621200"
    with session_scope(db_url) as s:
        roots = {code: [r.code for r in regions.root_for(s, Scope.for_region(code))]
                 for code in ("620000", "621200", b.COUNTY)}
        everyone = [r.code for r in regions.root_for(s, EVERYWHERE)]
    assert roots == {"620000": ["620000"], "621200": ["621200"], b.COUNTY: [b.COUNTY]}
    assert everyone == ["620000"]


def test_unit_options_are_the_units_paired_in_the_scope_on_the_day(db_url):
    """达标督查's 工作单位 filter: the units with a cadre paired on the day with a household in the
    scope — the same whether asked from each unit (province) or from the scope's households."""
    L.build(db_url)
    with session_scope(db_url) as s:
        def names(scope, day=L.D):
            return [name for _, name in compliance.unit_options(s, scope, day)]

        assert names(EVERYWHERE) == names(Scope("62")) == names(Scope(b.COUNTY)) == ["县教育局", "县民政局"]
        assert names(Scope("621225100")) == ["县民政局"]
        assert names(Scope("621225101")) == ["县教育局"]  # 张明's pairing there ended on 1 March
        assert names(Scope("621225101"), dt.date(2024, 2, 1)) == ["县教育局", "县民政局"]
