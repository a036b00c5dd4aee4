"""The needs ledger (诉求台账): what exists, is open, is overdue on a day (RULES.md); the ledger list
with its filters, aging buckets and per-level counts; one item's detail; and the three changes an
authorised user makes (escalate one level, add a note, close with an outcome).

Every view is as of D: a need raised after D does not exist yet; one closed after D was still open
on D; its responsibility level on D is the last escalation dated on or before D.

Escalation proposal (a person decides): a need open on D is **due for escalation** when it is past
its due date, its level on D is not the top of the chain, and the level has had more than
`policy.escalation_days` since it was reached — so the level's own deadline is
max(due date, date reached + escalation_days), and D is after it.

Writes are dated `NeedEvent` rows (never an overwrite) plus the `Need` mirror columns (level,
status, closed_date, closure_note), guarded by optimistic locking on `Need.version`: a change made
by someone else since the user opened the item is re-read and this change applied on top, unless it
makes this one meaningless (already escalated to that level, already closed) — then a Chinese
message asks to refresh. Each write is audited ("need_change") and bumps the data version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from data_access import assessment_store, audit, db, gap_store
from data_access.config import current_date
from data_access.db import bump_version
from data_access.joins import Places
from data_access.masking import mask_id_number, mask_name, mask_phone
from data_access.models import Cadre, Household, Need, NeedEvent, Pairing, Person, Unit, User
from data_access.permissions import Actor, allowed, check
from data_access.policy import Policy
from data_access.scope import Scope, ScopeError, effective_scope
from data_access.sorting import Sort, pick
from data_access.vocabulary import (
    ESCALATION_LEVELS,
    LEVEL_CADRE,
    LEVEL_HIGHER,
    LEVEL_OFFICE,
    NEED_CLOSED,
    NEED_OPEN,
)

EVENT_RAISED = "提出"
EVENT_ESCALATED = "上报"
EVENT_NOTE = "备注"
EVENT_CLOSED = "办结"

NOT_DUE = "未到期"
AGING_BUCKETS = (NOT_DUE, "逾期≤7天", "逾期8–30天", "逾期31–90天", "逾期>90天")
_BUCKET_UPPER_DAYS = (7, 30, 90)  # overdue buckets: 1..7, 8..30, 31..90, >90 days

CLOSED_COUNT = "已办结"
DUE_FOR_ESCALATION = "待上报"
OVERDUE_BUCKETS = AGING_BUCKETS[1:]  # past the due date
LONG_OVERDUE_BUCKETS = tuple(b for b, days in zip(AGING_BUCKETS[1:], (0, *_BUCKET_UPPER_DAYS), strict=True)
                             if days >= 30)  # overdue more than 30 days


def exists_on(as_of: dt.date):
    return Need.raised_date <= as_of


def open_on(as_of: dt.date):
    """SQL: the need exists on `as_of` and is not closed on or before it."""
    return and_(exists_on(as_of), or_(Need.closed_date.is_(None), Need.closed_date > as_of))


def overdue_on(as_of: dt.date):
    """SQL: open on `as_of` with its due date before `as_of`."""
    return and_(open_on(as_of), Need.due_date < as_of)


def _level_events(as_of: dt.date):
    return and_(NeedEvent.need_id == Need.id, NeedEvent.level.is_not(None), NeedEvent.event_date <= as_of)


def level_on(as_of: dt.date):
    """SQL scalar: the need's responsibility level on `as_of` (last escalation dated <= as_of)."""
    latest = (
        select(NeedEvent.level)
        .where(_level_events(as_of))
        .order_by(NeedEvent.event_date.desc(), NeedEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(latest, LEVEL_CADRE)


def level_since(as_of: dt.date):
    """SQL scalar: the day the need reached its level on `as_of` (the raised date if never escalated)."""
    return func.coalesce(select(func.max(NeedEvent.event_date)).where(_level_events(as_of)).scalar_subquery(),
                         Need.raised_date)


def level_answered_by(region_code: str | None) -> str:
    """The responsibility level (ESCALATION_LEVELS) an account of `region_code` answers at: a
    county-wide (or wider) account is the leading group's office (领导小组办公室); a township or
    village account the higher authority (上级) of the cadres' units there. 我的待办 lists the
    overdue needs at this level."""
    return LEVEL_OFFICE if len(region_code or "") <= 6 else LEVEL_HIGHER


def next_level(level: str) -> str | None:
    """The level above `level` in the chain, None at the top."""
    index = ESCALATION_LEVELS.index(level)
    return ESCALATION_LEVELS[index + 1] if index + 1 < len(ESCALATION_LEVELS) else None


@dataclass(frozen=True)
class NeedsSummary:
    raised_this_year: int
    open: int
    overdue: int
    closed_this_year: int


def summary(session: Session, scope: Scope, as_of: dt.date) -> NeedsSummary:
    year_start = dt.date(as_of.year, 1, 1)

    def flag(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    statement = select(
        flag(and_(Need.raised_date >= year_start, exists_on(as_of))),
        flag(open_on(as_of)),
        flag(overdue_on(as_of)),
        flag(and_(Need.closed_date >= year_start, Need.closed_date <= as_of)),
    ).where(exists_on(as_of))
    if effective_scope(session, scope).prefix:  # else every need is inside: no lookup of each household
        statement = statement.join(Household, Household.id == Need.household_id).where(
            scope.within(Household.village_code))
    row = session.execute(statement).one()
    return NeedsSummary(*(int(v) for v in row))


OVERDUE_COLUMNS = ["诉求编号", "户编号", "乡镇", "村", "类别", "内容", "责任层级", "提出日期", "办理期限", "逾期天数"]


def responsible_cadre_id():
    """SQL scalar: the cadre answering for the need — its pairing's cadre, else the cadre of the
    household's pairing active on the raised date."""
    own = select(Pairing.cadre_id).where(Pairing.id == Need.pairing_id).scalar_subquery()
    active = (
        select(Pairing.cadre_id)
        .where(Pairing.household_id == Need.household_id, Pairing.start_date <= Need.raised_date,
               or_(Pairing.end_date.is_(None), Pairing.end_date > Need.raised_date))
        .order_by(Pairing.start_date.desc(), Pairing.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(own, active)


def overdue_query(scope: Scope, as_of: dt.date, only=None):
    """Subquery: one row per need overdue on `as_of` inside `scope` (and, given `only`, a SELECT of
    need ids, among those: gap_store's first rows of a list).

    Columns: need_id, code, household_code, village_code, township, village, category, content,
    level, raised_date, due_date, cadre_id."""
    place = Places()
    return (
        place.join(
            select(
                Need.id.label("need_id"), Need.code.label("code"), Household.code.label("household_code"),
                Household.village_code, place.township_name.label("township"),
                place.village_name.label("village"), Need.category, Need.content,
                level_on(as_of).label("level"), Need.raised_date, Need.due_date,
                responsible_cadre_id().label("cadre_id"),
            ).join(Household, Household.id == Need.household_id),
            Household.village_code,
        )
        .where(overdue_on(as_of), scope.within(Household.village_code),
               *([Need.id.in_(only)] if only is not None else []))
        .subquery("overdue_needs")
    )


def overdue_frame(session: Session, scope: Scope, as_of: dt.date, limit: int | None = None) -> pd.DataFrame:
    """One row per need overdue on `as_of`, longest overdue first (the `export overdue` columns)."""
    rows = overdue_query(scope, as_of)
    statement = (
        select(rows.c.code, rows.c.household_code, rows.c.township, rows.c.village, rows.c.category,
               rows.c.content, rows.c.level, rows.c.raised_date, rows.c.due_date)
        .order_by(rows.c.due_date, rows.c.code)
        .limit(limit)
    )
    frame = pd.DataFrame([tuple(r) for r in session.execute(statement)], columns=OVERDUE_COLUMNS[:-1])
    frame["逾期天数"] = [(as_of - due).days for due in frame["办理期限"]] if len(frame) else []
    return frame


# ---------------------------------------------------------------- the ledger list


@dataclass(frozen=True)
class LedgerFilter:
    """What the ledger page filters on; every field is read as of D."""

    categories: tuple[str, ...] = ()  # empty: all (vocabulary.NEED_CATEGORIES)
    levels: tuple[str, ...] = ()  # level on D; empty: all (vocabulary.ESCALATION_LEVELS)
    status: str | None = None  # NEED_OPEN / NEED_CLOSED on D; None: both
    overdue_only: bool = False
    raised_from: dt.date | None = None
    raised_to: dt.date | None = None
    escalation_only: bool = False  # only needs due for escalation on D


def _ledger_rows(scope: Scope, as_of: dt.date, policy: Policy, flt: LedgerFilter):
    """Subquery of the needs existing on D inside `scope` that pass `flt`'s plain conditions, with
    the level and the day it was reached on D, and the closed date if closed on or before D; and the
    conditions on those columns (level, escalation) to apply over it."""
    conditions = [exists_on(as_of), scope.within(Household.village_code)]
    if flt.categories:
        conditions.append(Need.category.in_(flt.categories))
    if flt.raised_from:
        conditions.append(Need.raised_date >= flt.raised_from)
    if flt.raised_to:
        conditions.append(Need.raised_date <= flt.raised_to)
    if flt.status == NEED_OPEN:
        conditions.append(open_on(as_of))
    elif flt.status == NEED_CLOSED:
        conditions.append(Need.closed_date <= as_of)
    if flt.overdue_only:
        conditions.append(overdue_on(as_of))
    rows = (
        select(
            Need.id.label("need_id"),
            Need.household_id,
            Need.raised_date,
            Need.due_date,
            case((Need.closed_date <= as_of, Need.closed_date)).label("closed_on"),
            level_on(as_of).label("level"),
            level_since(as_of).label("level_since"),
        )
        .join(Household, Household.id == Need.household_id)
        .where(*conditions)
        .subquery("ledger")
    )
    over = [rows.c.level.in_(flt.levels)] if flt.levels else []
    if flt.escalation_only:
        over.append(_due_for_escalation(rows, as_of, policy))
    return rows, over


def _due_for_escalation(rows, as_of: dt.date, policy: Policy):
    """SQL over `_ledger_rows`: the need is due for escalation on D (see the module docstring)."""
    return and_(
        rows.c.closed_on.is_(None),
        rows.c.due_date < as_of,
        rows.c.level != LEVEL_OFFICE,
        rows.c.level_since < as_of - dt.timedelta(days=policy.escalation_days),
    )


def _bucket_conditions(rows, as_of: dt.date):
    """SQL over `_ledger_rows`: one condition per AGING_BUCKETS entry (open items only)."""
    is_open = rows.c.closed_on.is_(None)
    bounds = [as_of - dt.timedelta(days=days) for days in _BUCKET_UPPER_DAYS]  # due >= bound: within
    return [
        and_(is_open, rows.c.due_date >= as_of),
        and_(is_open, rows.c.due_date < as_of, rows.c.due_date >= bounds[0]),
        and_(is_open, rows.c.due_date < bounds[0], rows.c.due_date >= bounds[1]),
        and_(is_open, rows.c.due_date < bounds[1], rows.c.due_date >= bounds[2]),
        and_(is_open, rows.c.due_date < bounds[2]),
    ]


def level_aging(session: Session, scope: Scope, as_of: dt.date, policy: Policy,
                flt: LedgerFilter = LedgerFilter()) -> pd.DataFrame:
    """Where items pile up: one row per level (index ESCALATION_LEVELS, in chain order) with the open
    items in each aging bucket, the items closed by D, and those due for escalation on D."""
    rows, over = _ledger_rows(scope, as_of, policy, flt)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    statement = select(
        rows.c.level,
        *(count(c) for c in _bucket_conditions(rows, as_of)),
        count(rows.c.closed_on.is_not(None)),
        count(_due_for_escalation(rows, as_of, policy)),
    ).where(*over).group_by(rows.c.level)
    columns = [*AGING_BUCKETS, CLOSED_COUNT, DUE_FOR_ESCALATION]
    found = {r[0]: [int(v) for v in r[1:]] for r in session.execute(statement)}
    frame = pd.DataFrame([found.get(level, [0] * len(columns)) for level in ESCALATION_LEVELS],
                         index=pd.Index(ESCALATION_LEVELS, name="责任层级"), columns=columns)
    return frame


@dataclass(frozen=True)
class AgingTotals:
    open: int  # not closed on D
    overdue: int  # of those, past the due date
    due_for_escalation: int
    closed: int


def aging_totals(aging: pd.DataFrame) -> AgingTotals:
    """The card figures of a `level_aging` frame, summed over the levels."""
    return AgingTotals(
        open=int(aging[list(AGING_BUCKETS)].to_numpy().sum()),
        overdue=int(aging[list(OVERDUE_BUCKETS)].to_numpy().sum()),
        due_for_escalation=int(aging[DUE_FOR_ESCALATION].sum()),
        closed=int(aging[CLOSED_COUNT].sum()),
    )


BACKLOG_COLUMNS = ["责任层级", "办理中", "已逾期", "逾期超30天", "建议上报", "已办结"]


def level_backlog(aging: pd.DataFrame) -> pd.DataFrame:
    """Per level of a `level_aging` frame: open, overdue, overdue more than 30 days, due for
    escalation and closed (BACKLOG_COLUMNS)."""
    frame = pd.DataFrame({
        "责任层级": aging.index,
        "办理中": aging[list(AGING_BUCKETS)].sum(axis=1).to_numpy(),
        "已逾期": aging[list(OVERDUE_BUCKETS)].sum(axis=1).to_numpy(),
        "逾期超30天": aging[list(LONG_OVERDUE_BUCKETS)].sum(axis=1).to_numpy(),
        "建议上报": aging[DUE_FOR_ESCALATION].to_numpy(),
        "已办结": aging[CLOSED_COUNT].to_numpy(),
    })
    return frame[BACKLOG_COLUMNS]


LEDGER_COLUMNS = ["诉求编号", "乡镇", "村", "类别", "内容", "责任层级", "状态", "逾期天数", "建议上报至", "提出日期",
                  "办理期限", "办结日期", "户编号"]


# The 排序 choices of the ledger, ordered in the query that pages it (the default: worst first).
LEDGER_SORTS = (
    Sort("未办结在前，逾期最久的在前"),
    Sort("提出日期由早到晚"),
    Sort("提出日期由近到远"),
    Sort("按乡镇、村排列（未办结在前）"),
)


@dataclass(frozen=True)
class LedgerPage:
    total: int
    rows: pd.DataFrame  # LEDGER_COLUMNS


def _ledger_order(rows, label: str) -> tuple:
    worst = (rows.c.closed_on.is_not(None), rows.c.due_date)
    order = pick(LEDGER_SORTS, label).label
    if order == LEDGER_SORTS[1].label:
        return (rows.c.raised_date,)
    if order == LEDGER_SORTS[2].label:
        return (rows.c.raised_date.desc(),)
    if order == LEDGER_SORTS[3].label:
        return (Household.village_code, *worst)
    return worst


def ledger_page(session: Session, scope: Scope, as_of: dt.date, policy: Policy, flt: LedgerFilter = LedgerFilter(),
                page: int = 1, page_size: int = 50, order: str = "") -> LedgerPage:
    """One page of the ledger as of D, in the LEDGER_SORTS order named `order` (default: open items
    first, longest overdue first, then the closed)."""
    rows, over = _ledger_rows(scope, as_of, policy, flt)
    total = session.execute(select(func.count()).select_from(rows).where(*over)).scalar_one()
    place = Places()
    statement = (
        place.join(
            select(
                Need.code, Household.code, place.township_name, place.village_name, Need.category, Need.content,
                rows.c.level, rows.c.raised_date, rows.c.due_date, rows.c.closed_on,
                case((_due_for_escalation(rows, as_of, policy), 1), else_=0),
            )
            .select_from(rows)
            .join(Need, Need.id == rows.c.need_id)
            .join(Household, Household.id == rows.c.household_id),
            Household.village_code,
        )
        .where(*over)
        .order_by(*_ledger_order(rows, order), Need.code)
        .limit(page_size)
        .offset(max(page - 1, 0) * page_size)
    )
    records = []
    for code, house, town, vill, category, content, level, raised, due, closed_on, flagged in session.execute(statement):
        overdue_days = (as_of - due).days if closed_on is None and due < as_of else None
        records.append((code, town, vill, category, content, level, NEED_CLOSED if closed_on else NEED_OPEN,
                        overdue_days, next_level(level) if flagged else None, raised, due, closed_on, house))
    return LedgerPage(total, pd.DataFrame(records, columns=LEDGER_COLUMNS))


# ---------------------------------------------------------------- one item


@dataclass(frozen=True)
class NeedDetail:
    need_id: int
    code: str
    version: int  # pass back to the writes: the state the user saw
    category: str
    content: str
    raised_date: dt.date
    due_date: dt.date
    household_code: str
    township: str | None
    village: str | None
    # now (what the actions change)
    level: str
    status: str
    closed_date: dt.date | None
    closure_note: str | None
    # as of D
    level_on: str
    status_on: str
    overdue_days_on: int | None
    proposed_level: str | None  # due for escalation on D: the level to propose
    level_since_on: dt.date
    # who
    family: pd.DataFrame  # 姓名, 类别, 身份证号, 联系电话, 监护人 (masked)
    person_ids: tuple[int, ...]  # the family's rows, in order (for a deliberate reveal)
    cadre_id: int | None
    cadre_name: str | None
    cadre_code: str | None
    unit_name: str | None
    cadre_phone: str | None  # masked
    history: pd.DataFrame  # 日期, 事项, 责任层级, 说明, 经办人

    @property
    def next_level(self) -> str | None:
        return None if self.status == NEED_CLOSED else next_level(self.level)


def need_detail(session: Session, scope: Scope, as_of: dt.date, policy: Policy, code: str,
                role: str) -> NeedDetail | None:
    """The item with code `code` inside `scope` (None when there is none): its family (names in
    full only for roles that may view lists; ID numbers and phones always masked), the cadre, the
    state now and on D, and the whole dated history."""
    place = Places()
    row = session.execute(
        place.join(
            select(
                Need, Household.code, place.township_name, place.village_name, level_on(as_of), level_since(as_of),
            ).join(Household, Household.id == Need.household_id),
            Household.village_code,
        )
        .where(Need.code == code, scope.within(Household.village_code))
    ).one_or_none()
    if row is None:
        return None
    need, household_code, town, vill, level_d, since_d = row
    exists_d = need.raised_date <= as_of
    open_d = exists_d and (need.closed_date is None or need.closed_date > as_of)
    overdue_days = (as_of - need.due_date).days if open_d and need.due_date < as_of else None
    proposed = None
    if (overdue_days is not None and level_d != LEVEL_OFFICE
            and since_d < as_of - dt.timedelta(days=policy.escalation_days)):
        proposed = next_level(level_d)
    cadre = _cadre_of(session, need)
    person_ids, family = _family(session, need.household_id, show_names=allowed(role, "view_lists"))
    return NeedDetail(
        need_id=need.id, code=need.code, version=need.version, category=need.category, content=need.content,
        raised_date=need.raised_date, due_date=need.due_date, household_code=household_code, township=town,
        village=vill, level=need.level, status=need.status, closed_date=need.closed_date,
        closure_note=need.closure_note,
        level_on=level_d if exists_d else "—",
        status_on=("尚未提出" if not exists_d else NEED_OPEN if open_d else NEED_CLOSED),
        overdue_days_on=overdue_days, proposed_level=proposed, level_since_on=since_d,
        family=family, person_ids=person_ids, cadre_id=cadre[0] if cadre else None,
        cadre_name=cadre[1] if cadre else None, cadre_code=cadre[2] if cadre else None,
        unit_name=cadre[3] if cadre else None, cadre_phone=mask_phone(cadre[4]) if cadre else None,
        history=_history(session, need.id),
    )


def _cadre_of(session: Session, need: Need):
    return session.execute(
        select(Cadre.id, Cadre.name, Cadre.code, Unit.name, Cadre.phone)
        .join(Unit, Unit.id == Cadre.unit_id)
        .where(Cadre.id == select(responsible_cadre_id()).where(Need.id == need.id).scalar_subquery())
    ).first()


def _family(session: Session, household_id: int, show_names: bool) -> tuple[tuple[int, ...], pd.DataFrame]:
    rows = session.execute(
        select(Person.id, Person.name, Person.group, Person.id_number, Person.phone, Person.guardian)
        .where(Person.household_id == household_id)
        .order_by(Person.id)
    ).all()
    return tuple(r[0] for r in rows), pd.DataFrame(
        [(name if show_names else mask_name(name), group, mask_id_number(idn), mask_phone(phone),
          (guardian if show_names else mask_name(guardian)) or "")
         for _, name, group, idn, phone, guardian in rows],
        columns=["姓名", "类别", "身份证号", "联系电话", "监护人"],
    )


def _history(session: Session, need_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(NeedEvent.event_date, NeedEvent.kind, NeedEvent.level, NeedEvent.note,
               func.coalesce(User.display_name, User.username))
        .outerjoin(User, User.id == NeedEvent.user_id)
        .where(NeedEvent.need_id == need_id)
        .order_by(NeedEvent.event_date, NeedEvent.id)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["日期", "事项", "责任层级", "说明", "经办人"]).fillna("")


# ---------------------------------------------------------------- changes


class NeedError(Exception):
    """A change that cannot be made, told in Chinese (the page shows the message as it is)."""


class NeedConflict(NeedError):
    """Someone else changed the item in a way that makes this change meaningless: refresh and decide."""


@dataclass(frozen=True)
class ChangeResult:
    code: str
    version: int
    merged: bool  # someone else had changed the item since the user opened it; applied on top
    message: str


_MAX_ATTEMPTS = 5


def escalate(session: Session, code: str, to_level: str, on_date: dt.date, note: str | None = None,
             seen_version: int | None = None, *, actor: Actor) -> ChangeResult:
    """Escalate the need one level, to `to_level`, dated `on_date`."""
    check(actor, "edit_needs")
    if to_level not in ESCALATION_LEVELS:
        raise NeedError(f"责任层级“{to_level}”不在上报层级之中")

    def apply(need):
        if need.status == NEED_CLOSED:
            raise NeedConflict(f"该诉求已于 {need.closed_date} 办结，不能再上报。请刷新后查看。")
        current = ESCALATION_LEVELS.index(need.level)
        wanted = ESCALATION_LEVELS.index(to_level)
        if wanted <= current:
            raise NeedConflict(f"该诉求已由他人上报至“{need.level}”，请刷新后确认是否还需继续上报。")
        if wanted != current + 1:
            raise NeedError(f"只能逐级上报：当前为“{need.level}”，下一级为“{next_level(need.level)}”。")
        since = session.execute(
            select(func.max(NeedEvent.event_date)).where(NeedEvent.need_id == need.id, NeedEvent.level.is_not(None))
        ).scalar_one()
        if since is not None and on_date < since:
            raise NeedError(f"上报日期不能早于上一次定级日期 {since}。")
        return {"level": to_level}, NeedEvent(kind=EVENT_ESCALATED, level=to_level, note=_clean(note))

    return _change(session, actor, code, on_date, seen_version, apply, f"已上报至“{to_level}”。")


def add_note(session: Session, code: str, note: str, on_date: dt.date, seen_version: int | None = None, *,
             actor: Actor) -> ChangeResult:
    """Add a dated note (progress, a call made, a reply received). Notes never conflict."""
    check(actor, "edit_needs")
    text = _clean(note)
    if not text:
        raise NeedError("请填写备注内容。")
    return _change(session, actor, code, on_date, seen_version,
                   lambda need: ({}, NeedEvent(kind=EVENT_NOTE, note=text)), "备注已保存。")


def close(session: Session, code: str, outcome: str, on_date: dt.date, seen_version: int | None = None, *,
          actor: Actor) -> ChangeResult:
    """Close the need with its outcome (办结情况), dated `on_date`."""
    check(actor, "edit_needs")
    text = _clean(outcome)
    if not text:
        raise NeedError("请填写办结情况。")

    def apply(need):
        if need.status == NEED_CLOSED:
            raise NeedConflict(f"该诉求已由他人于 {need.closed_date} 办结，无需重复办结。请刷新后查看。")
        latest = session.execute(
            select(func.max(NeedEvent.event_date)).where(NeedEvent.need_id == need.id)
        ).scalar_one()
        if latest is not None and on_date < latest:
            raise NeedError(f"办结日期不能早于最近一次办理记录的日期 {latest}。")
        return ({"status": NEED_CLOSED, "closed_date": on_date, "closure_note": text},
                NeedEvent(kind=EVENT_CLOSED, note=text))

    return _change(session, actor, code, on_date, seen_version, apply, "已办结。")


def _clean(text: str | None) -> str | None:
    return text.strip() if text and text.strip() else None


def _change(session, actor: Actor, code, on_date, seen_version, apply, done_message) -> ChangeResult:
    """Read the item, let `apply` check it and say what changes, write that only if nobody changed
    the item in between (compare-and-set on `version`), else re-read and try again on top. The item
    must lie in the actor's region."""
    check(actor, "edit_needs")
    username = actor.username
    if on_date > current_date():
        raise NeedError("办理日期不能晚于今天。")
    for _ in range(_MAX_ATTEMPTS):
        found = session.execute(
            select(Need.id, Need.code, Need.version, Need.level, Need.status, Need.closed_date, Need.raised_date,
                   Need.due_date, Need.household_id, Household.village_code)
            .join(Household, Household.id == Need.household_id)
            .where(Need.code == code)
        ).one_or_none()
        if found is None:
            raise NeedError(f"未找到诉求“{code}”，可能已被删除。请刷新后重试。")
        if not actor.scope.contains(found.village_code):
            raise ScopeError(found.village_code)
        if on_date < found.raised_date:
            raise NeedError(f"办理日期不能早于提出日期 {found.raised_date}。")
        values, event = apply(found)
        written = session.execute(
            update(Need)
            .where(Need.id == found.id, Need.version == found.version)
            .values(version=found.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if written.rowcount == 1:
            break
    else:
        raise NeedConflict("该诉求正被多人同时办理，请稍后刷新重试。")
    event.need_id, event.event_date, event.user_id = found.id, on_date, _user_id(session, username)
    session.add(event)
    audit.record(session, username, "need_change", found.village_code, found.code,
                 {"事项": event.kind, "日期": on_date, "责任层级": event.level, "说明": event.note})
    if values:
        # only a need due inside an ended quarter counts there (closed by its due date or not)
        assessment_store.keep(session, [found.village_code], found.due_date)
        evidence_before = db.evidence_version(session)
        bump_version(session, status_inputs=False, assessment_inputs=False, signal_inputs=False, gap_inputs=True)
        gap_store.keep(session, [found.village_code])  # the county's overdue needs
        # and 案例挖掘's stored evidence of the household's pairings (a need solved counts there)
        from data_access.cases import evidence_store  # the cases package reads needs

        evidence_store.keep_household(session, found.household_id, evidence_before)
    else:  # a note changes no column any figure reads: every stored set stays valid as it is
        bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False,
                     signal_inputs=False)
    session.flush()
    merged = seen_version is not None and found.version != seen_version
    message = done_message + ("该诉求在您打开后已被他人更新，您的操作已在最新记录上保存，请查看办理记录。" if merged else "")
    return ChangeResult(found.code, found.version + 1, merged, message)


def _user_id(session: Session, username: str) -> int | None:
    return session.execute(select(User.id).where(User.username == username)).scalar_one_or_none()
