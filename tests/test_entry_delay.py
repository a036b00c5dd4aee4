"""contacts.entry_delay_days — what 补录, 集中补录 and 临检突击 range over — equals its definition in
RULES.md ("Entry time", "Authenticity signals": the entry day minus the date, in calendar days; the
entry day is the day of 录入时间, or the contact's own date when the time is a migration's estimate
补填) after every path that writes contacts: the migration for rows stored before it, the import (a
new record with and without 录入时间, then a re-import correcting its 日期; COPY on PostgreSQL),
recording in the app and the demo build. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text

from data_access import recording
from data_access.db import get_engine, session_scope
from data_access.demo.build import build_demo
from data_access.demo.plan import DemoConfig
from data_access.models import Contact
from tests import builders as b
from tests.import_workbooks import base_sheets, set_cell, write_xlsx
from tests.test_recording import CLERK_A
from tests.test_records_import import run as run_import
from tests.test_records_schema import SEED, _migrate

ESTIMATED = "补填"  # entry_source of a time the migration of 0006 estimated


def expected(day: dt.date, entered: dt.datetime, source: str) -> int:
    """RULES.md, in plain Python: whole calendar days from the date to the entry day."""
    entry_day = day if source == ESTIMATED else entered.date()
    return (entry_day - day).days


def stored(url: str) -> dict[int, tuple[int, int | None]]:
    """Each contact: (the definition read from its row, the stored entry_delay_days)."""
    with session_scope(url) as s:
        rows = s.execute(select(Contact.id, Contact.contact_date, Contact.entered_at, Contact.entry_source,
                                Contact.entry_delay_days)).all()
    return {r.id: (expected(r.contact_date, r.entered_at, r.entry_source), r.entry_delay_days) for r in rows}


def assert_all_equal(url: str) -> dict[int, int]:
    found = stored(url)
    assert found and all(want == got for want, got in found.values()), found
    return {cid: got for cid, (_, got) in found.items()}


def test_the_migration_fills_the_stored_contacts(db_url):
    _migrate(db_url, "0026")
    rows = [  # date, entry time, source -> delay
        ("2023-02-01", "2023-02-01 18:00:00", "导入", 0),
        ("2023-02-01", "2023-02-08 23:59:59", "来源系统", 7),
        ("2023-02-01", "2023-02-09 00:00:01", "来源系统", 8),
        ("2023-02-01", "2023-03-10 15:00:00", ESTIMATED, 0),  # an estimate reads as its own date
        ("2023-02-10", "2023-02-01 09:00:00", "导入", -9),  # a date corrected to after its entry
        ("2023-12-31", "2024-01-01 00:00:00", "平台录入", 1),
    ]
    with get_engine(db_url).begin() as connection:
        for statement in SEED[:6] + SEED[7:8]:  # regions, unit, cadre, household, pairing
            connection.execute(text(statement))
        for cid, (day, entered, source, _) in enumerate(rows, 1):
            connection.execute(text(
                "INSERT INTO contacts (id, pairing_id, contact_date, method, entered_at, entry_source) "
                "VALUES (:id, 1, :day, '电话', :entered, :source)"), {"id": cid, "day": day, "entered": entered,
                                                                    "source": source})
    _migrate(db_url, "head")
    assert assert_all_equal(db_url) == {cid: delay for cid, (*_, delay) in enumerate(rows, 1)}


def test_the_import_stores_it_and_a_corrected_date_changes_it(db_url, tmp_path):
    sheets = base_sheets()  # R1 dated 2023-05-03, the second dated 2023-05-04 (no 录入时间: the import's time)
    set_cell(sheets, "联系记录", 1, "录入时间", "2023/5/20 18:30")
    assert run_import(db_url, write_xlsx(tmp_path / "a.xlsx", sheets)).outcome == "成功"
    first = assert_all_equal(db_url)
    assert sorted(first.values())[0] == 17
    # R1 again with its 日期 corrected (the first entry time stands): the delay follows the date
    set_cell(sheets, "联系记录", 1, "日期", "2023-05-10")
    set_cell(sheets, "联系记录", 1, "录入时间", None)
    result = run_import(db_url, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert result.outcome == "成功" and result.counts["联系记录"].updated == 1
    second = assert_all_equal(db_url)
    assert sorted(second.values())[0] == 10 and second != first


def test_recording_in_the_app_stores_it(db_url):
    with session_scope(db_url) as s:
        b.region_tree(s)
        pairing = b.pairing(s, b.household(s), b.cadre(s, b.unit(s)), dt.date(2024, 1, 1))
    with session_scope(db_url) as s:
        recording.add_contact(s, pairing, dt.date(2024, 6, 1), "电话", "询问近况", actor=CLERK_A,
                              now=dt.datetime(2024, 6, 30, 23, 59))
        recording.add_contact(s, pairing, dt.date(2024, 6, 30), "电话", actor=CLERK_A,
                              now=dt.datetime(2024, 6, 30, 0, 1))
    assert sorted(assert_all_equal(db_url).values()) == [0, 29]


def test_the_demo_build_stores_it(db_url):
    build_demo(DemoConfig("county", 7, dt.date(2026, 6, 30), households=60), db_url)
    delays = assert_all_equal(db_url)
    assert max(delays.values()) > 7  # the demo plants back-filled records
    with session_scope(db_url) as s:  # and the signals' index finds them
        late = s.scalar(select(func.count()).select_from(Contact).where(Contact.entry_delay_days > 7))
    assert late == sum(1 for d in delays.values() if d > 7)
