"""Headline counts of what is stored (the `stats` command and tests)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access import policy_delivery
from data_access.models import Cadre, Contact, Household, Need, Pairing, Person, Satisfaction
from data_access.scope import EVERYWHERE
from data_access.vocabulary import CADRE_CAME_NO, GROUPS, METHOD_VISIT, SATISFACTION_LEVELS


def stats(session: Session, as_of: dt.date | None = None) -> dict:
    """Counts of rows that exist on `as_of` (everything when None): persons, households, cadres,
    pairings (ended included), contacts, visits, needs, and persons by group; `policy`: the entitled
    person-policies of persons in the register as of the day (today when None) by state 已落实 /
    未落实 / 不适用 / 未报送; `return_visits`: the 满意度回访 by 满意度 and those where the family said
    the cadre did not come (干部是否上门 = 否)."""

    def count(model, *where) -> int:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    pairing_filter = [Pairing.start_date <= as_of] if as_of else []
    contact_filter = [Contact.contact_date <= as_of] if as_of else []
    need_filter = [Need.raised_date <= as_of] if as_of else []
    by_group = dict(session.execute(select(Person.group, func.count()).group_by(Person.group)).all())
    summary = policy_delivery.summary(session, EVERYWHERE, as_of or dt.date.today())
    visit_filter = [Satisfaction.survey_date <= as_of] if as_of else []
    levels = dict(session.execute(select(Satisfaction.level, func.count()).where(*visit_filter)
                                  .group_by(Satisfaction.level)).all())
    return {
        "persons": count(Person),
        "households": count(Household),
        "cadres": count(Cadre),
        "pairings": count(Pairing, *pairing_filter),
        "contacts": count(Contact, *contact_filter),
        "visits": count(Contact, Contact.method == METHOD_VISIT, *contact_filter),
        "needs": count(Need, *need_filter),
        "by_group": {group: int(by_group.get(group, 0)) for group in GROUPS},
        "policy": {state: int(summary[state].sum()) for state in policy_delivery.STATES},
        "return_visits": {
            **{level: int(levels.get(level, 0)) for level in SATISFACTION_LEVELS},
            "干部未上门": count(Satisfaction, Satisfaction.cadre_came == CADRE_CAME_NO, *visit_filter),
        },
    }
