"""Coverage of the three groups: who is in the register on a day, and who has an active pairing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from data_access.compliance import active_on
from data_access.models import Contact, Household, Pairing, Person
from data_access.scope import Scope
from data_access.vocabulary import GROUPS, PERSON_ACTIVE


def in_register(as_of: dt.date):
    """SQL: the person is in the register on `as_of` (not exited on or before it)."""
    return or_(Person.status == PERSON_ACTIVE, Person.exit_date.is_(None), Person.exit_date > as_of)


def household_paired(as_of: dt.date):
    """SQL: the person's household has a pairing active on `as_of`."""
    return exists().where(Pairing.household_id == Person.household_id, active_on(as_of))


@dataclass(frozen=True)
class GroupCoverage:
    group: str
    persons: int
    households: int
    paired_persons: int

    @property
    def coverage(self) -> float | None:
        return self.paired_persons / self.persons if self.persons else None


@dataclass(frozen=True)
class Headline:
    groups: tuple[GroupCoverage, ...]
    cadres_paired: int
    gifts_yuan: float

    @property
    def persons(self) -> int:
        return sum(g.persons for g in self.groups)

    @property
    def paired_persons(self) -> int:
        return sum(g.paired_persons for g in self.groups)

    @property
    def coverage(self) -> float | None:
        return self.paired_persons / self.persons if self.persons else None


def headline(session: Session, scope: Scope, as_of: dt.date) -> Headline:
    paired = household_paired(as_of)
    rows = session.execute(
        select(
            Person.group,
            func.count(),
            func.count(func.distinct(Person.household_id)),
            func.sum(case((paired, 1), else_=0)),
        )
        .where(in_register(as_of), scope.within(Person.village_code))
        .group_by(Person.group)
    ).all()
    by_group = {row[0]: GroupCoverage(row[0], row[1], row[2], int(row[3] or 0)) for row in rows}
    cadres = session.execute(
        select(func.count(func.distinct(Pairing.cadre_id)))
        .join(Household, Household.id == Pairing.household_id)
        .where(active_on(as_of), scope.within(Household.village_code))
    ).scalar_one()
    gifts = session.execute(
        select(func.coalesce(func.sum(Contact.gift_yuan), 0))
        .join(Pairing, Pairing.id == Contact.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(
            and_(Contact.contact_date >= dt.date(as_of.year, 1, 1), Contact.contact_date <= as_of),
            scope.within(Household.village_code),
        )
    ).scalar_one()
    return Headline(
        groups=tuple(by_group.get(g, GroupCoverage(g, 0, 0, 0)) for g in GROUPS),
        cadres_paired=cadres,
        gifts_yuan=float(gifts),
    )

