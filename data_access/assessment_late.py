"""The records behind a frozen vs recomputed difference of 季考核: each contact (联系、走访) and 回访
dated inside the quarter but entered after the freeze (录入时间 > 冻结时间), per unit, with the
cadre, the household (by its code and the first member's masked name), the date and the entry time.

Entry times are compared to the second the freeze was stored at (its stored time has no fractions):
a record counts when entered at least one second after it. Needs carry no entry time and are not
listed (their changes show in the inputs per unit). Paged for the page; whole for the workbook.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from data_access import masking
from data_access.models import Cadre, Contact, Household, Pairing, Person, Region, Satisfaction, Unit
from data_access.scope import Scope

LATE_COLUMNS = ["工作单位", "乡镇", "记录", "干部", "户编号", "对象", "日期", "录入时间"]
KIND_CONTACT, KIND_RETURN_VISIT = "联系记录", "满意度回访"


def _first_member():
    return (select(Person.name).where(Person.household_id == Household.id).order_by(Person.id).limit(1)
            .correlate(Household).scalar_subquery())


def _statement(scope: Scope, quarter, frozen_at: dt.datetime, unit_id: int | None) -> Select:
    after = frozen_at.replace(microsecond=0) + dt.timedelta(seconds=1)
    township = aliased(Region)
    contacts = (
        select(Unit.id.label("unit_id"), Unit.name.label("unit"), township.name.label("township"),
               (literal(KIND_CONTACT + "（") + Contact.method + literal("）")).label("kind"),
               Cadre.name.label("cadre"), Household.code.label("household"), _first_member().label("member"),
               Contact.contact_date.label("day"), Contact.entered_at.label("entered"), Contact.id.label("record_id"))
        .join(Pairing, Pairing.id == Contact.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .join(Cadre, Cadre.id == Pairing.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .outerjoin(township, township.code == func.substr(Household.village_code, 1, 9))
        .where(scope.within(Household.village_code), Contact.contact_date >= quarter.start,
               Contact.contact_date <= quarter.end, Contact.entered_at >= after)
    )
    asked = aliased(Cadre)
    named = aliased(Pairing)
    cadre_id = func.coalesce(Satisfaction.cadre_id, named.cadre_id)
    visits = (
        select(Unit.id.label("unit_id"), Unit.name.label("unit"), township.name.label("township"),
               (literal(KIND_RETURN_VISIT + "（") + Satisfaction.level + literal("）")).label("kind"),
               asked.name.label("cadre"), Household.code.label("household"), _first_member().label("member"),
               Satisfaction.survey_date.label("day"), Satisfaction.entered_at.label("entered"),
               Satisfaction.id.label("record_id"))
        .join(Household, Household.id == Satisfaction.household_id)
        .outerjoin(named, named.id == Satisfaction.pairing_id)
        .outerjoin(asked, asked.id == cadre_id)
        .outerjoin(Unit, Unit.id == asked.unit_id)
        .outerjoin(township, township.code == func.substr(Household.village_code, 1, 9))
        .where(scope.within(Household.village_code), Satisfaction.survey_date >= quarter.start,
               Satisfaction.survey_date <= quarter.end, Satisfaction.entered_at >= after)
    )
    rows = union_all(contacts, visits).subquery("late")
    statement = select(rows)
    if unit_id is not None:
        statement = statement.where(rows.c.unit_id == unit_id)
    return statement.order_by(rows.c.unit, rows.c.day, rows.c.entered, rows.c.kind, rows.c.record_id)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame([(r.unit or "（未指明干部）", r.township or "", r.kind, r.cadre or "", r.household,
                          masking.mask_name(r.member), r.day, r.entered.replace(microsecond=0))
                         for r in rows], columns=LATE_COLUMNS)


def late_records(session: Session, scope: Scope, quarter, frozen_at: dt.datetime, unit_id: int | None = None,
                 page: int = 1, page_size: int = 50) -> tuple[int, pd.DataFrame]:
    """(how many, the page `page` of them): records dated in `quarter` inside `scope` entered after
    `frozen_at`, of the unit `unit_id` (all units: None), by unit, date and entry time."""
    statement = _statement(scope, quarter, frozen_at, unit_id)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.execute(statement.limit(page_size).offset((max(page, 1) - 1) * page_size)).all()
    return int(total or 0), _frame(rows)


def late_counts(session: Session, scope: Scope, quarter, frozen_at: dt.datetime) -> pd.DataFrame:
    """Per unit: how many records were entered after the freeze (most first). Columns 工作单位, unit_id, 条数."""
    rows = _statement(scope, quarter, frozen_at, None).order_by(None).subquery("late_rows")
    found = session.execute(select(rows.c.unit_id, rows.c.unit, func.count()).group_by(rows.c.unit_id, rows.c.unit)
                            .order_by(func.count().desc(), rows.c.unit)).all()
    return pd.DataFrame([(unit or "（未指明干部）", unit_id, int(n)) for unit_id, unit, n in found],
                        columns=["工作单位", "unit_id", "条数"])


def late_frame(session: Session, scope: Scope, quarter, frozen_at: dt.datetime) -> pd.DataFrame:
    """Every late record (the workbook's sheet 冻结后补录记录)."""
    return _frame(session.execute(_statement(scope, quarter, frozen_at, None)).all())
