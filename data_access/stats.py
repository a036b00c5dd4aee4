"""Headline counts of what is stored (the `stats` command and tests)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import Cadre, Contact, Household, Need, Pairing, Person
from data_access.vocabulary import GROUPS, METHOD_VISIT


def stats(session: Session, as_of: dt.date | None = None) -> dict:
    """Counts of rows that exist on `as_of` (everything when None): persons, households, cadres,
    pairings (ended included), contacts, visits, needs, and persons by group."""

    def count(model, *where) -> int:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    pairing_filter = [Pairing.start_date <= as_of] if as_of else []
    contact_filter = [Contact.contact_date <= as_of] if as_of else []
    need_filter = [Need.raised_date <= as_of] if as_of else []
    by_group = dict(session.execute(select(Person.group, func.count()).group_by(Person.group)).all())
    return {
        "persons": count(Person),
        "households": count(Household),
        "cadres": count(Cadre),
        "pairings": count(Pairing, *pairing_filter),
        "contacts": count(Contact, *contact_filter),
        "visits": count(Contact, Contact.method == METHOD_VISIT, *contact_filter),
        "needs": count(Need, *need_filter),
        "by_group": {group: int(by_group.get(group, 0)) for group in GROUPS},
    }
