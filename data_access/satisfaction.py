"""满意度回访 (让群众说了算): what the families say when asked about their cadre.

- 满意率 of a period = (满意 + 基本满意) ÷ 回访次数 of the checks dated in it (the same share the
  quarterly assessment scores);
- per township (the household's) and per unit (the cadre asked about) for a quarter;
- 不满意: the checks answered 不满意, with the cadre and the household (names masked);
- 回访不符: `signals.disagrees()`, the one definition (RULES.md "Authenticity signals": 干部是否上门 =
  否 while that cadre recorded a 实地走访 with the household in the three months ending on 回访日期).
  A period here lies inside one year, so its count is the signal's for the 回访 dated in the period.

The cadre a check is about is `signals.survey_cadre()` (its 干部编号, else the cadre of the
household's pairing active on 回访日期).

All counts are made in the database; the region is the household's village.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from data_access import signals
from data_access.masking import mask_name
from data_access.models import Cadre, Contact, Household, Person, Region, Satisfaction, Unit
from data_access.policy import Policy
from data_access.scope import Scope, effective_scope
from data_access.vocabulary import CADRE_CAME_NO, SATISFACTION_LEVELS

SATISFIED = ("满意", "基本满意")
COUNT_COLUMNS = ["回访次数", *SATISFACTION_LEVELS, "满意率", "家属称干部未上门", "回访不符"]


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter holding `day`: (first day, last day)."""
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    following = dt.date(first.year + (first.month + 3 > 12), (first.month + 2) % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def quarter_label(start: dt.date) -> str:
    return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"


def quarters_up_to(as_of: dt.date, count: int = 8) -> list[tuple[dt.date, dt.date]]:
    """The quarter of `as_of` and the `count - 1` before it, newest first."""
    out = [quarter_of(as_of)]
    while len(out) < count:
        out.append(quarter_of(out[-1][0] - dt.timedelta(days=1)))
    return out


def _cadre_id():
    """The cadre a check is about (the signal's reading)."""
    return signals.survey_cadre()


def _in_period(scope: Scope, start: dt.date, end: dt.date):
    return and_(Satisfaction.survey_date >= start, Satisfaction.survey_date <= end, scope.within(Household.village_code))


def _unfiltered(session: Session, scope: Scope, key) -> bool:
    """Whether a count needs no household: no key and a scope holding every household (a province
    database seen from its province: no lookup of each 回访's household for its village)."""
    return key is None and not effective_scope(session, scope).prefix


def _counts(session: Session, key, scope: Scope, start: dt.date, end: dt.date, policy: Policy, *joins) -> dict:
    columns = [func.count()] + [func.sum(case((Satisfaction.level == level, 1), else_=0)) for level in SATISFACTION_LEVELS]
    columns += [func.sum(case((Satisfaction.cadre_came == CADRE_CAME_NO, 1), else_=0)),
                func.sum(case((signals.disagrees(), 1), else_=0))]
    keys = [key] if key is not None else []
    query = select(*keys, *columns).select_from(Satisfaction)
    if _unfiltered(session, scope, key) and not joins:
        query = query.where(Satisfaction.survey_date >= start, Satisfaction.survey_date <= end)
    else:
        query = query.join(Household, Household.id == Satisfaction.household_id)
        for target, onclause in joins:
            query = query.outerjoin(target, onclause)
        query = query.where(_in_period(scope, start, end))
    out = {}
    for row in session.execute(query.group_by(key) if key is not None else query):
        row = tuple(row) if key is not None else (None, *row)
        total, *levels = (int(v or 0) for v in row[1:5])
        came_no, mismatched = int(row[5] or 0), int(row[6] or 0)
        satisfied = sum(n for level, n in zip(SATISFACTION_LEVELS, levels, strict=True) if level in SATISFIED)
        out[row[0]] = [total, *levels, satisfied / total if total else None, came_no, mismatched]
    return out


@dataclass(frozen=True)
class Rate:
    checks: int
    satisfied: int  # 满意 + 基本满意
    dissatisfied: int
    came_no: int
    mismatched: int

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.checks if self.checks else None


def rate(session: Session, scope: Scope, start: dt.date, end: dt.date, policy: Policy) -> Rate:
    """The period's checks and 满意率 (what 工作总览 and the bulletin show)."""
    counts = _counts(session, None, scope, start, end, policy)
    total, satisfied, basic, unhappy, _, came_no, mismatched = counts[None]
    return Rate(total, satisfied + basic, unhappy, came_no, mismatched)


def by_township(session: Session, scope: Scope, start: dt.date, end: dt.date, policy: Policy) -> pd.DataFrame:
    township = func.substr(Household.village_code, 1, 9)
    counts = _counts(session, township, scope, start, end, policy)
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(sorted(counts)))).all())
    frame = pd.DataFrame([(names.get(code, code), *values) for code, values in sorted(counts.items())],
                         columns=["乡镇", *COUNT_COLUMNS])
    return frame


def by_unit(session: Session, scope: Scope, start: dt.date, end: dt.date, policy: Policy) -> pd.DataFrame:
    cadre = aliased(Cadre)
    counts = _counts(session, func.coalesce(Unit.name, "（未能确定干部）"), scope, start, end, policy,
                     (cadre, cadre.id == _cadre_id()), (Unit, Unit.id == cadre.unit_id))
    return pd.DataFrame([(name, *values) for name, values in sorted(counts.items())], columns=["工作单位", *COUNT_COLUMNS])


LIST_COLUMNS = ["回访日期", "乡镇", "村", "户编号", "对象", "干部", "工作单位", "回访方式", "回访人", "满意度", "干部是否上门",
                "说明"]


def _listing(session: Session, scope: Scope, start: dt.date, end: dt.date, condition, limit: int | None, *extra,
             offset: int = 0):
    cadre = aliased(Cadre)
    village = aliased(Region)
    township = aliased(Region)
    first_person = (select(Person.name).where(Person.household_id == Satisfaction.household_id)
                    .order_by(Person.id).limit(1).scalar_subquery())
    rows = session.execute(
        select(Satisfaction.survey_date, township.name, village.name, Household.code, first_person, cadre.name,
               Unit.name, Satisfaction.method, Satisfaction.visitor, Satisfaction.level, Satisfaction.cadre_came,
               Satisfaction.note, *extra)
        .select_from(Satisfaction)
        .join(Household, Household.id == Satisfaction.household_id)
        .outerjoin(village, village.code == Household.village_code)
        .outerjoin(township, township.code == func.substr(Household.village_code, 1, 9))
        .outerjoin(cadre, cadre.id == _cadre_id())
        .outerjoin(Unit, Unit.id == cadre.unit_id)
        .where(_in_period(scope, start, end), condition)
        .order_by(Satisfaction.survey_date.desc(), Household.code, Satisfaction.id)
        .limit(limit).offset(offset)
    ).all()
    return [(r[0], r[1] or "", r[2] or "", r[3], mask_name(r[4]), r[5] or "", r[6] or "", r[7] or "", r[8] or "",
             r[9], r[10] or "", r[11] or "", *r[12:]) for r in rows]


def dissatisfied(session: Session, scope: Scope, start: dt.date, end: dt.date, limit: int | None = 500,
                 offset: int = 0) -> pd.DataFrame:
    """The checks answered 不满意 in the period, newest first; the family's name masked. `limit` rows
    from `offset` (a page: the summary's `dissatisfied` counts them all)."""
    rows = _listing(session, scope, start, end, Satisfaction.level == "不满意", limit, offset=offset)
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


MISMATCH_COLUMNS = [*LIST_COLUMNS, "记录的最近走访", "此前三个月走访次数"]


def mismatches(session: Session, scope: Scope, start: dt.date, end: dt.date, policy: Policy,
               limit: int | None = 500, offset: int = 0) -> pd.DataFrame:
    """回访不符 in the period: the family says the cadre did not come while visits are recorded;
    with the latest recorded visit and how many in the three months before the 回访. `limit` rows
    from `offset` (a page: the summary's `mismatched` counts them all)."""
    latest = signals.recorded_visits(func.max(Contact.contact_date)).scalar_subquery()
    count = signals.recorded_visits(func.count()).scalar_subquery()
    rows = _listing(session, scope, start, end, signals.disagrees(), limit, latest, count, offset=offset)
    frame = pd.DataFrame(rows, columns=MISMATCH_COLUMNS)
    # SQLite gives the subquery's date back as text
    frame["记录的最近走访"] = [dt.date.fromisoformat(str(d)) if d else None for d in frame["记录的最近走访"]]
    return frame
