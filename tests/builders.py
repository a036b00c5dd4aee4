"""Small hand-built datasets for tests: each helper inserts one real row and returns its id."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from data_access import models as m
from data_access.vocabulary import GROUP_EXTREME_POOR, RANK_GENERAL, ROLE_FAMILY

_seq = itertools.count(1)

COUNTY = "621225"
TOWNSHIP_A = "621225100"
TOWNSHIP_B = "621225101"
VILLAGE_A1 = "621225100001"
VILLAGE_A2 = "621225100002"
VILLAGE_B1 = "621225101001"


def region_tree(session: Session) -> None:
    """西和县 with two townships and three villages."""
    session.add_all(
        [
            m.Region(code=COUNTY, name="西和县", level="county"),
            m.Region(code=TOWNSHIP_A, name="汉源镇", level="township", parent_code=COUNTY),
            m.Region(code=TOWNSHIP_B, name="长道镇", level="township", parent_code=COUNTY),
            m.Region(code=VILLAGE_A1, name="城关村", level="village", parent_code=TOWNSHIP_A),
            m.Region(code=VILLAGE_A2, name="南关村", level="village", parent_code=TOWNSHIP_A),
            m.Region(code=VILLAGE_B1, name="长道村", level="village", parent_code=TOWNSHIP_B),
        ]
    )
    session.flush()


def unit(session: Session, name: str = "县民政局", region_code: str | None = COUNTY) -> int:
    row = m.Unit(name=name, region_code=region_code)
    session.add(row)
    session.flush()
    return row.id


def cadre(session: Session, unit_id: int, name: str = "张明", rank: str = RANK_GENERAL, is_leader: bool = False) -> int:
    row = m.Cadre(code=f"GB{next(_seq):05d}", name=name, unit_id=unit_id, rank=rank, is_leader=is_leader)
    session.add(row)
    session.flush()
    return row.id


def household(session: Session, village_code: str = VILLAGE_A1) -> int:
    row = m.Household(code=f"H{next(_seq):06d}", village_code=village_code)
    session.add(row)
    session.flush()
    return row.id


def person(
    session: Session,
    household_id: int,
    village_code: str = VILLAGE_A1,
    group: str = GROUP_EXTREME_POOR,
    birth_date: dt.date = dt.date(1950, 1, 1),
    name: str = "李秀英",
    id_number: str | None = None,
    **extra,
) -> int:
    row = m.Person(
        id_number=id_number or f"62122519500101{next(_seq) % 10000:04d}",
        name=name,
        sex="女",
        birth_date=birth_date,
        group=group,
        household_id=household_id,
        village_code=village_code,
        **extra,
    )
    session.add(row)
    session.flush()
    return row.id


def pairing(
    session: Session,
    household_id: int,
    cadre_id: int,
    start: dt.date,
    end: dt.date | None = None,
    role: str = ROLE_FAMILY,
) -> int:
    row = m.Pairing(household_id=household_id, cadre_id=cadre_id, start_date=start, end_date=end, role=role)
    session.add(row)
    session.flush()
    return row.id


def contact(session: Session, pairing_id: int, day: dt.date, method: str = "电话", **extra) -> int:
    extra.setdefault("entered_at", dt.datetime.combine(day, dt.time(18, 0)))  # entered the evening of the day
    extra.setdefault("entry_source", "导入")
    row = m.Contact(pairing_id=pairing_id, contact_date=day, method=method, **extra)
    session.add(row)
    session.flush()
    return row.id
