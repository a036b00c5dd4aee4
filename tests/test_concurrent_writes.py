"""Writes that must not double when they happen at once, in separate processes on SQLite and
PostgreSQL: the same workbook imported twice at the same time, and 督办 batch numbers issued by
several inspectors at once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from data_access import imports
from data_access import models as m
from data_access.db import session_scope
from tests.import_workbooks import base_sheets, write_xlsx
from tests.parallel import import_workbook, run_parallel

TODAY = dt.date(2024, 6, 30)


def _contacts_workbook(path, count: int):
    sheets = base_sheets()
    header = sheets["联系记录"][0]
    rows = []
    for i in range(count):  # no 记录编号: the import matches contacts by what they say
        day = dt.date(2023, 5, 3) + dt.timedelta(days=i % 400)
        household, cadre = ("H001", "GB01") if i % 2 else ("H002", "GB02")
        rows.append([household, cadre, day.isoformat(), "电话", f"第{i}次询问近况", None, None])
    sheets["联系记录"] = [header] + rows
    return write_xlsx(path, sheets)


def _contacts(url: str) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(m.Contact))


def test_the_same_workbook_imported_twice_at_once_stores_its_contacts_once(db_url, tmp_path):
    path = _contacts_workbook(tmp_path / "联系记录.xlsx", 2000)
    outcomes = run_parallel(import_workbook, [(db_url, str(path), TODAY.isoformat())] * 2)
    assert _contacts(db_url) == 2000
    assert "成功" in outcomes
    # the second waited for the first and found every contact stored, or was told to wait
    assert all(o == "成功" or o == imports.serial.BUSY_MESSAGE for o in outcomes), outcomes
    # and as a sequential repeat: nothing new
    assert import_workbook(db_url, str(path), TODAY.isoformat()) == "成功"
    assert _contacts(db_url) == 2000


def test_batch_numbers_stay_unique_when_inspectors_issue_at_once(db_url):
    from tests import builders as b
    from tests.parallel import issue_batches

    with session_scope(db_url) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s, "县民政局"), name="李华")
        pairing = b.pairing(s, b.household(s, b.VILLAGE_A1), cadre, dt.date(2024, 1, 1))
    numbers = [n for worker in run_parallel(issue_batches, [(db_url, pairing, 15)] * 4) for n in worker]
    assert len(numbers) == 60 and len(set(numbers)) == 60
    assert sorted(numbers) == [f"DB20240701-{i:03d}" for i in range(1, 61)]
    with session_scope(db_url) as s:
        stored = s.scalars(select(m.SupervisionAction.batch_no)).all()
    assert set(stored) <= set(numbers)  # (a later order about the same pairing may supersede an earlier one)
