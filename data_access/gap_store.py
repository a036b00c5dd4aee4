"""Items past their date or missing a pairing, kept per day by the write path (issue 17):

- 逾期诉求: needs overdue on D (needs.overdue_query), under the cadre answering for them;
- 结对断档: pairings ended with no successor (gaps.ended_without_successor_query), under the former cadre;
- 待调整结对: pairings of a departed cadre awaiting a successor (turnover.awaiting_query);
- 未结对对象: persons in the register whose household has no active pairing (gaps.unpaired_query);
- 儿童未由领导干部结对: the children whose active pairing is with a cadre who is not a leading cadre
  (gaps.children_without_leading_cadre's rows), one item per child.

One row per item and stored day (`gap_items`): its id, village, cadre and the date its list is
ordered by. At province scope 逾期事项 and 覆盖情况 count these rows per township and unit, and take
the first rows of each list from them (the ids, then the list's own query for those ids only),
instead of running each kind's query over the province's needs, pairings and persons.

One definition: the rows are the kinds' own queries (the same functions the live lists run),
inserted as they are. Kept for the days the pages read by default (today and the same day last
week, `upkeep.evaluated_days`'s first and last); any other day is read live.

Kept by the write path, in the write's own transaction: every write of households, pairings or
contacts bumps `DataVersion.gap_version` (db.bump_version), and so does a write of needs or cadres
(`gap_inputs`); a day is valid while its `gap_days` row names the current gap_version and the
policy's successor_gap_days. A writer then calls `keep(session, counties)` with the counties whose
items it can have changed (before and after; none for contacts), which recomputes those counties'
rows of every day valid before the write and carries them over. A writer that bumps without
keeping sends the readers to the live queries until the next `store`. The upkeep after a write, a change of the
settings and the nightly `db evaluate` store the days found missing (`store`). A reader therefore
never sees items older than the records: both change in one commit, or the reader reads live.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, func, insert, literal, null, select
from sqlalchemy.orm import Session

from data_access import db
from data_access.models import Cadre, DataVersion, GapDay, GapItem, Household, Pairing, Unit
from data_access.policy import Policy, load_policy
from data_access.scope import EVERYWHERE, Scope

KIND_NEEDS = "逾期诉求"
KIND_NO_SUCCESSOR = "结对断档"
KIND_AWAITING = "待调整结对"
KIND_UNPAIRED = "未结对对象"
KIND_CHILDREN = "儿童未由领导干部结对"
KINDS = (KIND_NEEDS, KIND_NO_SUCCESSOR, KIND_AWAITING, KIND_UNPAIRED, KIND_CHILDREN)
COLUMNS = ["day", "kind", "item_id", "village_code", "cadre_id", "sort_date"]
COUNTY_DIGITS = 6


def definitions(scope: Scope, day: dt.date, policy: Policy) -> dict[str, object]:
    """kind -> SELECT day, kind, item id, village code, cadre id, sort date: each kind's own query."""
    from data_access import gaps, needs, turnover

    overdue = needs.overdue_query(scope, day)
    ended = gaps.ended_without_successor_query(scope, day, policy)
    awaiting = turnover.awaiting_query(scope, day)
    unpaired = gaps.unpaired_query(scope, day)
    children = gaps.children_query(scope, day)
    return {
        KIND_NEEDS: select(literal(day), literal(KIND_NEEDS), overdue.c.need_id, overdue.c.village_code,
                           overdue.c.cadre_id, overdue.c.due_date),
        KIND_NO_SUCCESSOR: select(literal(day), literal(KIND_NO_SUCCESSOR), ended.c.pairing_id, ended.c.village_code,
                                  ended.c.cadre_id, ended.c.end_date),
        KIND_AWAITING: select(literal(day), literal(KIND_AWAITING), awaiting.c.pairing_id, awaiting.c.village_code,
                              awaiting.c.cadre_id, awaiting.c.status_date),
        KIND_UNPAIRED: select(literal(day), literal(KIND_UNPAIRED), unpaired.c.person_id, unpaired.c.village_code,
                              null(), unpaired.c.last_end),
        KIND_CHILDREN: select(literal(day), literal(KIND_CHILDREN), children.c.person_id, children.c.village_code,
                              null(), null()),
    }


# -- validity -------------------------------------------------------------------------------------

def _version(session: Session) -> int:
    return int(session.execute(select(DataVersion.gap_version).where(DataVersion.id == 1)).scalar_one() or 0)


def usable(session: Session, day: dt.date, policy: Policy) -> bool:
    """Whether the kept rows of `day` are whole for the data as it is now and `policy`'s settings."""
    state = session.get(GapDay, day)
    return (state is not None and state.successor_gap_days == policy.successor_gap_days
            and state.gap_version == _version(session))


# -- reading --------------------------------------------------------------------------------------

def _rows(kind: str, scope: Scope, day: dt.date):
    """The day's items of `kind` in `scope` (callers pass compliance.effective_scope's scope)."""
    return (GapItem.day == day, GapItem.kind == kind, scope.within(GapItem.village_code))


def count(session: Session, kind: str, scope: Scope, day: dt.date) -> int:
    return int(session.scalar(select(func.count()).select_from(GapItem).where(*_rows(kind, scope, day))) or 0)


def counts(session: Session, kind: str, scope: Scope, day: dt.date, length: int, by_unit: bool = True
           ) -> list[tuple[str, str | None, int]]:
    """(region prefix of `length` digits, name of the cadre's work unit or None, items) of `kind`;
    without `by_unit`, per region prefix only (the unit None)."""
    place = func.substr(GapItem.village_code, 1, length)
    if not by_unit:
        statement = select(place, null(), func.count()).where(*_rows(kind, scope, day)).group_by(place)
        return [(p, None, int(n)) for p, _, n in session.execute(statement)]
    statement = (
        select(place, Unit.name, func.count())
        .select_from(GapItem)
        .outerjoin(Cadre, Cadre.id == GapItem.cadre_id)
        .outerjoin(Unit, Unit.id == Cadre.unit_id)
        .where(*_rows(kind, scope, day))
        .group_by(place, Unit.id, Unit.name)
    )
    return [(p, unit, int(n)) for p, unit, n in session.execute(statement)]


def ids(kind: str, scope: Scope, day: dt.date):
    """A SELECT of the ids of every kept item of `kind` in `scope` on `day`."""
    return select(GapItem.item_id).where(*_rows(kind, scope, day))


def first_ids(session: Session, kind: str, scope: Scope, day: dt.date, limit: int, exact: bool = False):
    """A SELECT of the ids of `kind` that the first `limit` rows of its list are drawn from, by the
    list's first ordering key (its sort date, earliest first, none last): with `exact` (the list's
    next key is the item id) exactly those; else every item up to the `limit`-th one's date, ties
    included, for the list's own query to order by its further keys."""
    where = _rows(kind, scope, day)
    if exact:
        return (select(GapItem.item_id).where(*where)
                .order_by(GapItem.sort_date.is_(None), GapItem.sort_date, GapItem.item_id).limit(limit))
    cutoff = session.execute(select(GapItem.sort_date).where(*where, GapItem.sort_date.is_not(None))
                             .order_by(GapItem.sort_date).offset(limit - 1).limit(1)).scalar_one_or_none()
    last = [] if cutoff is None else [GapItem.sort_date <= cutoff]
    return select(GapItem.item_id).where(*where, *last)


# -- kept by the write path -----------------------------------------------------------------------

def _fill(session: Session, day: dt.date, policy: Policy, counties: list[str] | None) -> None:
    """Recompute the rows of `day` for `counties` (None: everywhere) from the kinds' queries."""
    scopes = [EVERYWHERE] if counties is None else [Scope(c) for c in counties]
    for scope in scopes:
        session.execute(delete(GapItem).where(GapItem.day == day, scope.within(GapItem.village_code)))
        for statement in definitions(scope, day, policy).values():
            session.execute(insert(GapItem).from_select(COLUMNS, statement))


def store(session: Session, day: dt.date, policy: Policy) -> bool:
    """For the write path (after a write, a change of settings, nightly): the rows of `day` stored
    afresh unless valid. Returns whether it stored."""
    if usable(session, day, policy):
        return False
    _fill(session, day, policy, None)
    db.analyze(session, "gap_items")  # PostgreSQL: the day's rows known to the planner
    version = _version(session)
    state = session.get(GapDay, day)
    if state is None:
        session.add(GapDay(day=day, gap_version=version, successor_gap_days=policy.successor_gap_days))
    else:
        state.gap_version, state.successor_gap_days = version, policy.successor_gap_days
    session.flush()
    return True


def prune(session: Session, days: Iterable[dt.date]) -> None:
    """Delete every kept day but `days`."""
    days = sorted(set(days))
    session.execute(delete(GapItem).where(GapItem.day.not_in(days)))
    session.execute(delete(GapDay).where(GapDay.day.not_in(days)))


def keep(session: Session, counties: Iterable[str], policy: Policy | None = None) -> None:
    """For a write, in its transaction, after it wrote and bumped gap_version once (db.bump_version
    does for every write of households, pairings or contacts, and with `gap_inputs` for needs and
    cadres; its row lock makes a concurrent writer wait): recompute the rows of `counties` (any
    region codes; their counties are taken) for every kept day that was valid before this write,
    and carry them over to the new gap_version; the others stay invalid until `store`."""
    policy = policy or load_policy(session)
    version = _version(session)
    counties = sorted({c[:COUNTY_DIGITS] for c in counties if c})
    for state in session.scalars(select(GapDay)).all():
        if state.gap_version != version - 1 or state.successor_gap_days != policy.successor_gap_days:
            continue
        _fill(session, state.day, policy, counties)
        state.gap_version = version
    session.flush()


def counties_of_cadres(session: Session, cadre_ids: Iterable[int]) -> set[str]:
    """The counties of the households paired (now or before) with these cadres."""
    ids = sorted(set(cadre_ids))
    found: set[str] = set()
    for i in range(0, len(ids), 2000):
        found.update(session.scalars(
            select(func.substr(Household.village_code, 1, COUNTY_DIGITS))
            .join(Pairing, Pairing.household_id == Household.id)
            .where(Pairing.cadre_id.in_(ids[i:i + 2000])).distinct()))
    return found
