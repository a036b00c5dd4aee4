"""The per-county daily counts (data_access.daily_counts) equal the live queries over the records
— coverage on every day, the headline's persons, households and paired persons per group, the
contacts, visits and gifts per day — on generated data, on SQLite and PostgreSQL; an import that
adds, changes and removes records (persons leaving, pairings ended, contacts moved to another day,
a household moved to another county) and a contact recorded in the app keep them equal in their own
transaction; a write in one process is read in another; a write that does not keep them makes the
readers read the records."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update

from data_access import coverage, daily_counts, imports, recording, trends
from data_access import models as m
from data_access.db import bump_version, session_scope
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import GROUPS, METHODS
from tests import builders as b
from tests.import_workbooks import ADULT_ID, base_sheets, id_number, set_cell, write_xlsx

D0 = dt.date(2024, 3, 1)
DAYS = [D0 + dt.timedelta(days=i) for i in range(-1, 45)]
OTHER_COUNTY, OTHER_TOWNSHIP, OTHER_VILLAGE = "621226", "621226100", "621226100001"
VILLAGES = (b.VILLAGE_A1, b.VILLAGE_B1, OTHER_VILLAGE)
SCOPES = (EVERYWHERE, Scope("62"), Scope(b.COUNTY), Scope(OTHER_COUNTY), Scope("6212"))


def _other_county(s) -> None:
    s.add_all([m.Region(code=OTHER_COUNTY, name="礼县", level="county"),
               m.Region(code=OTHER_TOWNSHIP, name="城关镇", level="township", parent_code=OTHER_COUNTY),
               m.Region(code=OTHER_VILLAGE, name="东关村", level="village", parent_code=OTHER_TOWNSHIP)])
    s.flush()


def live_equals_kept(url: str, scopes=SCOPES) -> None:
    """Every figure read from the kept tables equals the same figure read from the records."""
    with session_scope(url) as s:
        assert daily_counts.current(s), "the tables should be whole for the data as it is"
        for scope in scopes:
            assert daily_counts.coverage_counts(s, scope, DAYS) == trends.live_coverage_counts(s, scope, DAYS), scope
            assert trends.active_pairings(s, scope, DAYS) == trends.active_pairings(s, scope, DAYS, live=True), scope
            kept = trends._contacts_per_day(s, scope, dt.date(2023, 1, 1), dt.date(2024, 12, 31))
            live = trends._contacts_per_day(s, scope, dt.date(2023, 1, 1), dt.date(2024, 12, 31), live=True)
            assert [(r[0], int(r[1]), int(r[2]), round(float(r[3]), 2)) for r in kept] == \
                   [(r[0], int(r[1]), int(r[2]), round(float(r[3]), 2)) for r in live], scope
            for day in DAYS[::15] + [dt.date(2023, 5, 31), dt.date(2024, 12, 31)]:
                assert coverage.headline(s, scope, day) == coverage.headline(s, scope, day, live=True), (scope, day)
            # festivals wholly in the period (kept) and one cut by the period's end (read live)
            for start, end in ((dt.date(2023, 1, 1), dt.date(2023, 12, 31)), (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
                               (dt.date(2024, 1, 1), FESTIVAL[1])):
                kept_f = trends.holiday_contacts(s, scope, start, end)
                assert kept_f.equals(trends.holiday_contacts(s, scope, start, end, live=True)), (scope, start, end)


# Festival days around the generated and imported records: a three-day one cut by a period's end.
FESTIVAL = (D0 + dt.timedelta(days=4), D0 + dt.timedelta(days=5), D0 + dt.timedelta(days=6))


def festivals(url: str) -> None:
    with session_scope(url) as s:
        s.add_all([m.HolidayDay(day=day, name="测试节") for day in FESTIVAL])
        s.add_all([m.HolidayDay(day=dt.date(2023, 5, 3), name="劳动节"), m.HolidayDay(day=dt.date(2023, 5, 4), name="劳动节"),
                   m.HolidayDay(day=D0 + dt.timedelta(days=20), name="另一节"), m.HolidayDay(day=dt.date(2024, 6, 1), name="儿童节")])


# -- generated records ---------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=12, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
near = st.integers(min_value=0, max_value=40).map(lambda i: D0 + dt.timedelta(days=i))


@st.composite
def households(draw):
    persons = draw(st.lists(st.tuples(
        st.sampled_from(GROUPS),
        st.sampled_from(["在册", "退出"]),
        st.one_of(st.none(), near),  # exit date (也 on a person still 在册: in the register all the same)
    ), min_size=0, max_size=3))
    pairings = []
    for start in draw(st.lists(near, max_size=3, unique=True)):
        end = draw(st.one_of(st.none(), st.integers(0, 20).map(lambda n, s=start: s + dt.timedelta(days=n))))
        contacts = draw(st.lists(st.tuples(st.integers(0, 30).map(lambda n, s=start: s + dt.timedelta(days=n)),
                                           st.sampled_from(METHODS), st.sampled_from([None, 0, 50, 199.5])),
                                 max_size=3))
        pairings.append((start, end, contacts))
    return draw(st.sampled_from(VILLAGES)), persons, pairings


@pytest.fixture
def skeleton(db_url):
    with session_scope(db_url) as s:
        b.region_tree(s)
        _other_county(s)
        cadre = b.cadre(s, b.unit(s))
    festivals(db_url)
    return db_url, cadre


@PROPERTY_SETTINGS
@given(data=st.lists(households(), min_size=1, max_size=6))
def test_kept_counts_equal_the_records(skeleton, data):
    url, cadre = skeleton
    with session_scope(url) as s:
        for table in (m.Contact, m.Pairing, m.Person, m.Household):
            s.execute(delete(table))
        for i, (village, persons, pairings) in enumerate(data):
            household = s.execute(insert(m.Household).values(code=f"H{i}", village_code=village)
                                  .returning(m.Household.id)).scalar_one()
            for j, (group, status, exit_date) in enumerate(persons):
                b.person(s, household, village_code=village, group=group, id_number=f"{i}-{j}", status=status,
                         exit_date=exit_date)
            for start, end, contacts in pairings:
                pairing = s.execute(insert(m.Pairing).values(household_id=household, cadre_id=cadre, role="爱心家人",
                                                             start_date=start, end_date=end)
                                    .returning(m.Pairing.id)).scalar_one()
                for day, method, gift in contacts:
                    s.execute(insert(m.Contact).values(pairing_id=pairing, contact_date=day, method=method,
                                                       gift_yuan=gift))
        bump_version(s)
        daily_counts.rebuild(s)
    live_equals_kept(url, SCOPES[:1] + SCOPES[2:4])


# -- kept by the write path ----------------------------------------------------------------------

TODAY = dt.date(2024, 6, 30)
IMPORTER = Actor("省级管理员", "admin")


def run(url, sheets, tmp_path, name):
    with session_scope(url) as session:
        result = imports.run_import(session, imports.read_path(write_xlsx(tmp_path / name, sheets)), actor=IMPORTER,
                                    policy=Policy(), today=TODAY)
    assert result.stored, result.problems


def second_import(sheets):
    """The same county a month later: the adult leaves the register, H001's pairing ends, the
    recorded visit moves to another day and a call is added, a household of another county comes."""
    set_cell(sheets, "对象", 2, "状态", "退出")
    set_cell(sheets, "对象", 2, "退出日期", "2024-03-10")
    set_cell(sheets, "对象", 2, "退出原因", "迁出")
    set_cell(sheets, "结对", 1, "解除日期", "2024-03-20")
    set_cell(sheets, "结对", 1, "解除原因", "调整")
    sheets["联系记录"][1][2] = "2024-03-05"
    sheets["联系记录"].append(["H002", "GB02", "2024-03-06", "电话", "电话问候", 30, "R9"])
    sheets["区划"] += [[OTHER_COUNTY, "礼县"], [OTHER_TOWNSHIP, "城关镇"], [OTHER_VILLAGE, "东关村"]]
    sheets["对象"].append([id_number(dt.date(1950, 1, 1), 21, male=True, region=OTHER_COUNTY), "赵大", "男", "1950-01-01", "特困人员", "H009",
                          OTHER_VILLAGE, "在册", None, None, None])
    sheets["结对"].append(["H009", "GB02", "2024-03-02", None, None])
    return sheets


def test_an_import_and_a_recorded_contact_keep_the_counts(db_url, tmp_path):
    festivals(db_url)
    run(db_url, base_sheets(), tmp_path, "first.xlsx")
    with session_scope(db_url) as s:
        assert not daily_counts.current(s)  # a fresh database reads its records until a full rebuild
        daily_counts.rebuild(s)
    live_equals_kept(db_url)
    run(db_url, second_import(base_sheets()), tmp_path, "second.xlsx")
    live_equals_kept(db_url)
    with session_scope(db_url) as s:
        head = coverage.headline(s, EVERYWHERE, D0 + dt.timedelta(days=30))
        pairing = s.scalar(select(m.Pairing.id).join(m.Household).where(m.Household.code == "H002"))
    assert (head.persons, head.paired_persons) == (2, 1)  # the child (pairing ended), 赵大 (paired); the adult left
    with session_scope(db_url) as s:
        recording.add_contact(s, pairing, dt.date(2024, 6, 1), "实地走访", gift_yuan="88.5", actor=IMPORTER,
                              now=dt.datetime(2024, 6, 30, 9))
    live_equals_kept(db_url)
    with session_scope(db_url) as s:
        june = trends.activity(s, EVERYWHERE, dt.date(2024, 6, 1), TODAY)
        # the snapshot takes the cadres from the day's evaluation: the pairings active that day
        for scope in (EVERYWHERE, Scope(b.COUNTY)):
            assert coverage.snapshot(s, scope, TODAY, Policy()).head == coverage.headline(s, scope, TODAY, live=True)
    assert (june.contacts, june.visits, june.gifts_yuan) == (1, 1, 88.5)
    with session_scope(db_url) as s:  # kept, not read live: the visit moved to 测试节 and H002's call on it
        assert daily_counts.festival_reach(s, EVERYWHERE)[("测试节", FESTIVAL[0])] == (FESTIVAL[2], 2, 2)
        assert daily_counts.festival_reach(s, EVERYWHERE)[("儿童节", dt.date(2024, 6, 1))] == (dt.date(2024, 6, 1), 1, 1)


def test_an_import_moving_a_household_to_another_county_moves_its_counts(db_url, tmp_path):
    sheets = base_sheets()
    sheets["区划"] += [[OTHER_COUNTY, "礼县"], [OTHER_TOWNSHIP, "城关镇"], [OTHER_VILLAGE, "东关村"]]
    run(db_url, sheets, tmp_path, "first.xlsx")
    with session_scope(db_url) as s:
        daily_counts.rebuild(s)
    set_cell(sheets, "对象", 1, "区划代码", OTHER_VILLAGE)
    run(db_url, sheets, tmp_path, "moved.xlsx")
    live_equals_kept(db_url)
    with session_scope(db_url) as s:
        assert coverage.headline(s, Scope(OTHER_COUNTY), TODAY).persons == 1
        assert trends.activity(s, Scope(OTHER_COUNTY), dt.date(2023, 5, 1), TODAY).gifts_yuan == 200


def test_a_write_that_does_not_keep_them_is_read_from_the_records(db_url, tmp_path):
    run(db_url, base_sheets(), tmp_path, "first.xlsx")
    with session_scope(db_url) as s:
        daily_counts.rebuild(s)
        s.execute(update(m.Person).where(m.Person.id_number == ADULT_ID).values(status="退出", exit_date=D0))
        bump_version(s)  # as every writer of households, persons, pairings or contacts must
    with session_scope(db_url) as s:
        assert not daily_counts.current(s)
        assert coverage.headline(s, EVERYWHERE, TODAY).persons == 1
        assert trends._coverage_counts(s, EVERYWHERE, [TODAY]) == [(1, 1)]


READER = """
import sys
from data_access import coverage, db
from data_access.scope import EVERYWHERE
import datetime as dt
with db.session_scope(sys.argv[1]) as s:
    h = coverage.headline(s, EVERYWHERE, dt.date(2024, 6, 30))
    print(h.persons, h.paired_persons, h.gifts_yuan)
"""


def test_a_write_in_one_process_is_read_in_another(sqlite_url, tmp_path):
    def read() -> str:
        done = subprocess.run([sys.executable, "-c", READER, sqlite_url], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    run(sqlite_url, base_sheets(), tmp_path, "first.xlsx")
    with session_scope(sqlite_url) as s:
        daily_counts.rebuild(s)
    assert read() == "2 2 0.0"
    sheets = base_sheets()
    set_cell(sheets, "结对", 2, "解除日期", "2024-06-01")
    sheets["联系记录"].append(["H001", "GB01", "2024-06-02", "实地走访", "端午看望", 300, "R2"])
    run(sqlite_url, sheets, tmp_path, "second.xlsx")
    assert read() == "2 1 300.0"
    with session_scope(sqlite_url) as s:
        assert daily_counts.current(s)
