"""Lists of cases and the gallery figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from data_access.cases.candidates import primary_person_id
from data_access.cases.redaction import household_persons
from data_access.cases.statuses import SHORTLIST_STATUSES
from data_access.joins import Places
from data_access.models import (
    Cadre,
    Household,
    Pairing,
    Person,
    Region,
    TypicalCase,
    Unit,
)
from data_access.policy import Policy
from data_access.scope import Scope
from data_access.vocabulary import (
    CASE_APPROVED,
    CASE_CANDIDATE,
    CASE_CONSENTED,
    CASE_PUBLISHED,
    CASE_REJECTED,
    CASE_SHORTLISTED,
    GROUPS,
    PERSON_ACTIVE,
)

GALLERY_COLUMNS = ["编号", "标题", "状态", "主题", "乡镇", "对象", "群体", "结对干部", "单位", "更新时间"]


def _cases_statement(scope: Scope, statuses: tuple[str, ...]):
    place = Places()
    order = case({s: i for i, s in enumerate((CASE_PUBLISHED, CASE_APPROVED, CASE_CONSENTED, CASE_SHORTLISTED,
                                               CASE_CANDIDATE, CASE_REJECTED))}, value=TypicalCase.status, else_=9)
    return (
        place.join(
            select(TypicalCase, Pairing.household_id, Pairing.role, Cadre.name, Unit.name, place.township_name)
            .join(Pairing, Pairing.id == TypicalCase.pairing_id)
            .join(Household, Household.id == Pairing.household_id)
            .join(Cadre, Cadre.id == Pairing.cadre_id)
            .join(Unit, Unit.id == Cadre.unit_id),
            Household.village_code,
        )
        .where(scope.within(Household.village_code), TypicalCase.status.in_(statuses))
        .order_by(order, TypicalCase.updated_at.desc(), TypicalCase.id.desc())
    )


def gallery(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, statuses: tuple[str, ...] = SHORTLIST_STATUSES,
    limit: int = 200,
) -> pd.DataFrame:
    """The cases in `statuses` inside `scope`: published first, newest first."""
    rows = session.execute(_cases_statement(scope, statuses).limit(limit)).all()
    houses = household_persons(session, list({r[1] for r in rows}), as_of, policy, {r[1]: r[0].alias for r in rows})
    table = []
    for found, hid, role, cadre, unit, town in rows:
        house = houses[hid]
        first = house.persons[0] if house.persons else None
        headline = house.redact(found.headline) or f"{unit}{cadre}：{first.alias if first else '结对户'}的{role}"
        table.append([found.id, headline, found.status, found.theme or "—", town or "—", house.who,
                      first.group if first else "—", cadre, unit, found.updated_at])
    return pd.DataFrame(table, columns=GALLERY_COLUMNS)


def case_options(session: Session, scope: Scope, as_of: dt.date, policy: Policy,
                 limit: int = 500) -> list[tuple[int, str]]:
    """(case id, label) of the cases in scope, published first then newest, for a picker."""
    statuses = (CASE_CANDIDATE, CASE_SHORTLISTED, CASE_CONSENTED, CASE_APPROVED, CASE_PUBLISHED, CASE_REJECTED)
    rows = session.execute(_cases_statement(scope, statuses).limit(limit)).all()
    houses = household_persons(session, list({r[1] for r in rows}), as_of, policy, {r[1]: r[0].alias for r in rows})
    options = []
    for found, hid, _role, cadre, unit, town in rows:
        title = f"：{houses[hid].redact(found.headline)}" if found.headline else ""
        options.append((found.id, f"案例{found.id}（{found.status}）{town or ''} {unit}{cadre}{title}"))
    return options


@dataclass(frozen=True)
class GalleryFigures:
    by_group: pd.DataFrame  # 群体, 案例数, 在册对象, 每千人案例
    by_township: pd.DataFrame  # 乡镇, 案例数, 在册对象, 每千人案例


def gallery_figures(
    session: Session, scope: Scope, statuses: tuple[str, ...] = SHORTLIST_STATUSES
) -> GalleryFigures:
    """Cases per group and per township beside the persons in register there, so the office can see
    whether publicity is spread fairly. Aggregated in the database."""
    primary = Person.__table__.alias("primary_person")
    case_rows = (
        select(TypicalCase.id.label("case_id"), Household.village_code, primary.c.group_name)
        .join(Pairing, Pairing.id == TypicalCase.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .join(primary, primary.c.id == primary_person_id(Household.id))
        .where(scope.within(Household.village_code), TypicalCase.status.in_(statuses))
        .subquery("case_rows")
    )
    town_of_case = func.substr(case_rows.c.village_code, 1, 9)
    cases_by_group = dict(session.execute(
        select(case_rows.c.group_name, func.count()).group_by(case_rows.c.group_name)).all())
    cases_by_town = dict(session.execute(select(town_of_case, func.count()).group_by(town_of_case)).all())
    in_register = and_(scope.within(Person.village_code), Person.status == PERSON_ACTIVE)
    persons_by_group = dict(session.execute(
        select(Person.group, func.count()).where(in_register).group_by(Person.group)).all())
    town_of_person = func.substr(Person.village_code, 1, 9)
    persons_by_town = dict(session.execute(
        select(town_of_person, func.count()).where(in_register).group_by(town_of_person)).all())

    def per_thousand(cases: int, persons: int) -> float | None:
        return round(cases * 1000 / persons, 2) if persons else None

    groups = [g for g in GROUPS if g in cases_by_group or g in persons_by_group]
    by_group = pd.DataFrame(
        [[g, int(cases_by_group.get(g, 0)), int(persons_by_group.get(g, 0)),
          per_thousand(cases_by_group.get(g, 0), persons_by_group.get(g, 0))] for g in groups],
        columns=["群体", "案例数", "在册对象", "每千人案例"],
    )
    towns = sorted(set(cases_by_town) | set(persons_by_town))
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(towns))).all()) if towns else {}
    by_township = pd.DataFrame(
        [[names.get(t, t), int(cases_by_town.get(t, 0)), int(persons_by_town.get(t, 0)),
          per_thousand(cases_by_town.get(t, 0), persons_by_town.get(t, 0))] for t in towns],
        columns=["乡镇", "案例数", "在册对象", "每千人案例"],
    )
    return GalleryFigures(by_group, by_township)


def case_ids(session: Session, scope: Scope, statuses: tuple[str, ...] = SHORTLIST_STATUSES,
             limit: int = 200) -> list[int]:
    """Ids of the cases in `statuses` inside `scope`, in gallery order (for batch briefs)."""
    return [row[0].id for row in session.execute(_cases_statement(scope, statuses).limit(limit))]
