"""Names for the rows shown (cadres, households' places and groups, reminders), looked up in chunks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import (
    Cadre,
    Household,
    Person,
    Region,
    SupervisionAction,
    Unit,
)
from data_access.vocabulary import GROUPS


def chunks(ids, size: int = 500):
    ids = sorted(set(ids))
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def household_groups(session: Session, household_ids) -> dict[int, str]:
    """The groups of the persons in each household, joined with 、 in the vocabulary's order."""
    found: dict[int, set[str]] = {}
    for chunk in chunks(household_ids):
        statement = select(Person.household_id, Person.group).where(Person.household_id.in_(chunk)).distinct()
        for household_id, group in session.execute(statement):
            found.setdefault(household_id, set()).add(group)
    order = {group: i for i, group in enumerate(GROUPS)}
    return {h: "、".join(sorted(groups, key=lambda g: (order.get(g, 99), g))) for h, groups in found.items()}


def reminder_counts(session: Session, cadre_ids, as_of: dt.date) -> dict[int, int]:
    """How many reminders / supervision orders each cadre received this year, on or before D."""
    counts: dict[int, int] = {}
    for chunk in chunks(cadre_ids):
        statement = (
            select(SupervisionAction.cadre_id, func.count())
            .where(
                SupervisionAction.cadre_id.in_(chunk),
                SupervisionAction.issued_date >= dt.date(as_of.year, 1, 1),
                SupervisionAction.issued_date <= as_of,
            )
            .group_by(SupervisionAction.cadre_id)
        )
        counts.update(dict(session.execute(statement).all()))
    return counts


def cadre_names(session: Session, cadre_ids) -> dict[int, tuple[str, str, str, str]]:
    """cadre id → (code, name, rank, unit name, work phone), for the rows shown."""
    found = {}
    for chunk in chunks(cadre_ids):
        statement = (
            select(Cadre.id, Cadre.code, Cadre.name, Cadre.rank, Unit.name, Cadre.phone)
            .join(Unit, Unit.id == Cadre.unit_id)
            .where(Cadre.id.in_(chunk))
        )
        found.update({r[0]: tuple(r[1:]) for r in session.execute(statement)})
    return found


def household_places(session: Session, household_ids) -> dict[int, tuple[str, str, str]]:
    """household id → (code, township name, village name), for the rows shown."""
    village = Region.__table__.alias("village")
    township = Region.__table__.alias("township")
    found = {}
    for chunk in chunks(household_ids):
        statement = (
            select(Household.id, Household.code, township.c.name, village.c.name)
            .outerjoin(village, village.c.code == Household.village_code)
            .outerjoin(township, township.c.code == village.c.parent_code)
            .where(Household.id.in_(chunk))
        )
        found.update({r[0]: (r[1], r[2] or "", r[3] or "") for r in session.execute(statement)})
    return found


def cadre_columns(cadre: tuple) -> dict[str, str]:
    """The cadre's columns of a list, from a `cadre_names` entry (code, name, rank, unit, phone). The
    phone is the cadre's work contact, shown in full on lists only inspectors and leaders open, so
    an inspector can call (it is not personal data of a person cared for)."""
    code, name, rank, unit, phone = cadre[:5]
    return {"干部姓名": name, "干部编号": code, "职级": rank, "工作单位": unit, "干部电话": phone or ""}
