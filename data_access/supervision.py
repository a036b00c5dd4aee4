"""Reminders (提醒) and formal supervision orders (督办): issuing them, and whether they worked.

An action is about one pairing of one cadre and carries a response deadline. As of a day D:
- an action issued after D does not exist yet;
- **answered (已回应)**: the cadre made a contact with that pairing dated on/after the issued date
  and on/before the deadline (and on/before D);
- **pending (待回应)**: not answered and the deadline is D or later;
- **late (逾期后回应)**: the deadline passed before D, no contact by the deadline, but one since;
- **unanswered (逾期未回应, RULES.md)**: the deadline passed before D and no contact with that pairing
  since the action was issued.

The share that worked per unit is answered ÷ actions whose outcome is known (all but pending).
Writes bump the data version and are audited ("reminder") in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Select, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from data_access import assessment_store, audit, compliance, entry_times, exporting, permissions, sorting
from data_access.config import current_date
from data_access.db import analyze, bump_version, claim_signal_writes, is_postgres, status_version
from data_access.models import (
    ActionResponse,
    ActionStoreState,
    AuditEntry,
    BatchCounter,
    Cadre,
    Contact,
    Household,
    Pairing,
    Region,
    SupervisionAction,
    SupervisionEscalation,
    Unit,
    User,
)
from data_access.policy import Policy, load_policy
from data_access.scope import Scope, ScopeError, effective_scope
from data_access.vocabulary import ACTION_KINDS, ACTION_REMIND, ACTION_SUPERVISE, METHOD_VISIT

ANSWERED = "已回应"
PENDING = "待回应"
LATE = "逾期后回应"
UNANSWERED = "逾期未回应"
OUTCOMES = (ANSWERED, PENDING, LATE, UNANSWERED)

_BATCH_PREFIX = {"提醒": "TX", "督办": "DB"}


def _responses(as_of: dt.date, known: bool):
    """SQL conditions on a contact answering the action's pairing in kind, dated from its issue day
    up to D (and, read as known on D, entered by then)."""
    return [
        Contact.pairing_id == SupervisionAction.pairing_id,
        or_(SupervisionAction.required_method.is_(None), Contact.method == SupervisionAction.required_method),
        Contact.contact_date >= SupervisionAction.issued_date,
        Contact.contact_date <= as_of,
        *([entry_times.known_by(as_of)] if known else []),
    ]


def first_response(as_of: dt.date, known: bool = False):
    """SQL scalar: the first contact of the kind asked for, with the action's pairing, on or after
    its issue day, up to D."""
    return select(func.min(Contact.contact_date)).where(*_responses(as_of, known)).scalar_subquery()


def answered(as_of: dt.date, policy: Policy, known: bool = False):
    """SQL: the action is answered on D (RULES.md): a contact of the kind that was missing, dated
    from the issue day to the deadline, and entered no later than `late_entry_grace_days` after the
    deadline."""
    return (
        select(Contact.id)
        .where(
            *_responses(as_of, known),
            Contact.contact_date <= SupervisionAction.deadline,
            entry_times.entry_day() <= entry_times.plus_days(SupervisionAction.deadline, policy.late_entry_grace_days),
        )
        .exists()
    )


def _responded(as_of: dt.date, known: bool):
    """SQL: any contact of the kind asked for since the action was issued (up to D)."""
    return select(Contact.id).where(*_responses(as_of, known)).exists()


def outcome_condition(outcome: str, as_of: dt.date, policy: Policy, known: bool = False):
    """SQL: the action has `outcome` on `as_of` — the one reading of RULES.md used by every page,
    count and export: answered in time and in kind; pending while the deadline has not passed;
    answered late (dated after the deadline, or dated in time but entered too late); unanswered
    (nothing of that kind since issued). Plain (NOT) EXISTS conditions, so a list filtered by
    outcome is planned well on both backends."""
    deadline = SupervisionAction.deadline
    in_time = answered(as_of, policy, known)
    since_issued = _responded(as_of, known)
    conditions = {
        ANSWERED: in_time,
        PENDING: and_(deadline >= as_of, ~in_time),
        LATE: and_(deadline < as_of, ~in_time, since_issued),
        UNANSWERED: and_(deadline < as_of, ~since_issued),
    }
    return conditions[outcome]


def _outcome(as_of: dt.date, policy: Policy, known: bool):
    """SQL: the action's outcome on D (the same reading as `outcome_condition`)."""
    return case(
        (answered(as_of, policy, known), ANSWERED),
        (SupervisionAction.deadline >= as_of, PENDING),
        (_responded(as_of, known), LATE),
        else_=UNANSWERED,
    )


# --- the two dates an action's outcome follows from, kept by the write path -------------------------------
#
# Read as of D by contact date (not 按录入时间), an action's outcome is a function of D and two dates:
# answered on D  ⟺  answered_on ≤ D, where answered_on is the first contact of the kind asked for
#                   dated from the issue day to the deadline and entered in time (`answered`: a
#                   contact dated ≤ D among those exists exactly when the first is ≤ D);
# responded by D ⟺  first_response ≤ D, the first contact of that kind since the issue day.
# `stored_outcome` applies outcome_condition's reading to them; action_responses keeps them.


def _first_contact(*conditions):
    return select(func.min(Contact.contact_date)).where(
        Contact.pairing_id == SupervisionAction.pairing_id,
        or_(SupervisionAction.required_method.is_(None), Contact.method == SupervisionAction.required_method),
        Contact.contact_date >= SupervisionAction.issued_date,
        *conditions,
    ).scalar_subquery()


def response_dates(policy: Policy) -> Select:
    """One row per action about a pairing: ActionResponse's columns, worked out from the contacts."""
    answered_on = _first_contact(
        Contact.contact_date <= SupervisionAction.deadline,
        entry_times.entry_day() <= entry_times.plus_days(SupervisionAction.deadline, policy.late_entry_grace_days),
    )
    return (
        select(SupervisionAction.id, SupervisionAction.pairing_id, SupervisionAction.cadre_id, Cadre.unit_id,
               Household.village_code, SupervisionAction.kind, SupervisionAction.issued_date,
               SupervisionAction.deadline, answered_on, _first_contact())
        .join(Cadre, Cadre.id == SupervisionAction.cadre_id)
        .join(Pairing, Pairing.id == SupervisionAction.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
    )


RESPONSE_COLUMNS = ["action_id", "pairing_id", "cadre_id", "unit_id", "village_code", "kind", "issued_date",
                    "deadline", "answered_on", "first_response"]


def stored_outcome(rows, as_of: dt.date):
    """SQL: the outcome on D of an action_responses row (`rows`: the table or a subquery of it) —
    outcome_condition's reading, from the two dates."""
    return case(
        (rows.c.answered_on <= as_of, ANSWERED),
        (rows.c.deadline >= as_of, PENDING),
        (rows.c.first_response <= as_of, LATE),
        else_=UNANSWERED,
    )


def responses_valid(session: Session, policy: Policy) -> bool:
    """Whether action_responses holds the dates of every action under the data as it is now (built or
    kept at the current status_version, with the grace setting of `policy`) and `policy` reads by
    contact date (按录入时间 needs the entry times as of D: the live queries)."""
    if policy.as_known:
        return False
    state = session.get(ActionStoreState, 1)
    return (state is not None and state.grace_days == policy.late_entry_grace_days
            and state.status_version == status_version(session))


def store_responses(session: Session, policy: Policy) -> bool:
    """For the write path (after an import, nightly, a change of settings), in a session that has
    not written: build action_responses afresh unless valid; commits. Returns whether it built."""
    if responses_valid(session, policy) or policy.as_known:
        return False
    session.execute(delete(ActionResponse))
    session.execute(insert(ActionResponse).from_select(RESPONSE_COLUMNS, response_dates(policy)))
    _mark_valid(session, status_version(session), policy)
    analyze(session, "action_responses")  # PostgreSQL: rebuilt whole, its statistics too
    session.commit()
    return True


def _mark_valid(session: Session, version: int, policy: Policy) -> None:
    state = session.get(ActionStoreState, 1)
    if state is None:
        session.add(ActionStoreState(id=1, status_version=version, grace_days=policy.late_entry_grace_days))
    else:
        state.status_version, state.grace_days = version, policy.late_entry_grace_days
    session.flush()


def refresh_responses(session: Session, policy: Policy, *, pairing_ids=(), action_ids=(),
                      moved_units: dict[int, int] | None = None, version_before: int | None = None) -> None:
    """In a write's own transaction, after it wrote: the dates of the actions about `pairing_ids`
    (whose contacts, household or pairing it changed) and of `action_ids` (issued, escalated or
    withdrawn) worked out again, and the unit of the cadres in `moved_units` (cadre → old unit)
    updated — when action_responses was valid before the write (`version_before`: the
    status_version then, for a write that bumped it; by default the current one). Left invalid
    otherwise (the next store_responses builds it)."""
    state = session.get(ActionStoreState, 1)
    version = status_version(session)
    if policy.as_known or state is None or state.grace_days != policy.late_entry_grace_days:
        return
    if state.status_version != (version if version_before is None else version_before):
        return
    for chunk in _chunks(sorted(set(pairing_ids))):
        session.execute(delete(ActionResponse).where(ActionResponse.pairing_id.in_(chunk)))
        session.execute(insert(ActionResponse).from_select(
            RESPONSE_COLUMNS, response_dates(policy).where(SupervisionAction.pairing_id.in_(chunk))))
    for chunk in _chunks(sorted(set(action_ids))):
        session.execute(delete(ActionResponse).where(ActionResponse.action_id.in_(chunk)))
        session.execute(insert(ActionResponse).from_select(
            RESPONSE_COLUMNS, response_dates(policy).where(SupervisionAction.id.in_(chunk))))
    for chunk in _chunks(sorted(moved_units or ())):
        session.execute(update(ActionResponse).where(ActionResponse.cadre_id.in_(chunk)).values(
            unit_id=select(Cadre.unit_id).where(Cadre.id == ActionResponse.cadre_id).scalar_subquery()))
    _mark_valid(session, version, policy)


def _chunks(ids: list[int], size: int = 2000):
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def stored_counts(session: Session, scope: Scope, as_of: dt.date, by, *conditions) -> list[tuple]:
    """From action_responses (valid: see responses_valid): the actions issued by D about pairings in
    `scope` matching `conditions`, counted per `by(rows)` columns and outcome on D."""
    scope = effective_scope(session, scope)  # a province database from its province: no range on the index
    rows = ActionResponse.__table__
    keys = by(rows)
    outcome = stored_outcome(rows, as_of)
    statement = (
        select(*keys, outcome, func.count())
        .where(rows.c.issued_date <= as_of, scope.within(rows.c.village_code), *conditions)
        .group_by(*keys, outcome)
    )
    return [tuple(r) for r in session.execute(statement)]


def issued_by(username: str):
    """SQL: the action belongs to a batch the account issued — it escalated the action into its
    current batch, or issued the action itself and nobody escalated it into a later batch (the same
    reading of "who issued a batch" as 撤回)."""
    user = select(User.id).where(User.username == username).scalar_subquery()

    def escalated_into_batch(*by):
        return (select(SupervisionEscalation.id)
                .where(SupervisionEscalation.action_id == SupervisionAction.id,
                       SupervisionEscalation.batch_no == SupervisionAction.batch_no, *by)
                .exists())

    return or_(escalated_into_batch(SupervisionEscalation.escalated_by == user),
               and_(SupervisionAction.issued_by == user, ~escalated_into_batch()))


def actions_query(
    scope: Scope, as_of: dt.date, policy: Policy, outcome: str | None = None, known: bool = False, only=None
) -> Select:
    """One row per action issued on or before `as_of` about a pairing inside `scope`, with its outcome
    (only those with `outcome`, when given; only the action ids SELECTed by `only`, when given);
    `known` (or the view's `policy.as_known`): read as known on D (按录入时间).

    Columns: action_id, batch_no, kind, issued_date, deadline, reason, cadre_id, cadre_code,
    cadre_name, unit_id, unit_name, pairing_id, household_code, township, village, responded_on, outcome.
    """
    known = known or bool(policy.as_known)
    village = Region.__table__.alias("village")
    township = Region.__table__.alias("township")
    base = (
        select(
            SupervisionAction.id.label("action_id"),
            SupervisionAction.batch_no,
            SupervisionAction.kind,
            SupervisionAction.issued_date,
            SupervisionAction.deadline,
            SupervisionAction.reason,
            Cadre.id.label("cadre_id"),
            Cadre.code.label("cadre_code"),
            Cadre.name.label("cadre_name"),
            Unit.id.label("unit_id"),
            Unit.name.label("unit_name"),
            SupervisionAction.pairing_id,
            Household.code.label("household_code"),
            township.c.name.label("township"),
            village.c.name.label("village"),
            first_response(as_of, known).label("responded_on"),
            _outcome(as_of, policy, known).label("outcome"),
        )
        .join(Cadre, Cadre.id == SupervisionAction.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .join(Pairing, Pairing.id == SupervisionAction.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        # Outer joins on the regions' primary key: a query that does not show place names (the
        # counts per outcome, the share per unit) has them removed by the planner.
        .outerjoin(village, village.c.code == Household.village_code)
        .outerjoin(township, township.c.code == village.c.parent_code)
        .where(
            SupervisionAction.issued_date <= as_of,
            scope.within(Household.village_code),
            *([outcome_condition(outcome, as_of, policy, known)] if outcome else []),
            *([SupervisionAction.id.in_(only)] if only is not None else []),
        )
        .subquery("actions")
    )
    return select(*base.c)


UNANSWERED_COLUMNS = [
    "批次号", "类型", "干部编号", "干部姓名", "工作单位", "户编号", "乡镇", "村", "发出日期", "回应期限", "逾期天数",
]


def unanswered_actions(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, limit: int | None = None, known: bool = False,
    order: str = "",
) -> pd.DataFrame:
    """Actions unanswered on `as_of` (RULES.md): deadline passed, no contact since issued.
    Longest overdue first (or by place or unit: sorting.list_order); columns UNANSWERED_COLUMNS.
    The first `limit` longest overdue are drawn from the actions the kept dates say are unanswered
    (action_responses, when valid) up to the `limit`-th one's deadline, ties included."""
    only = None
    if limit is not None and sorting.worst_first(order) and not known and responses_valid(session, policy):
        stored = ActionResponse.__table__
        where = (stored.c.issued_date <= as_of, scope.within(stored.c.village_code),
                 stored_outcome(stored, as_of) == UNANSWERED)
        cutoff = session.scalar(select(stored.c.deadline).where(*where).order_by(stored.c.deadline)
                                .offset(max(limit, 1) - 1).limit(1))
        only = select(stored.c.action_id).where(*where, *([stored.c.deadline <= cutoff] if cutoff else []))
    rows = actions_query(scope, as_of, policy, UNANSWERED, known, only).subquery("with_outcome")
    statement = (
        select(
            rows.c.batch_no, rows.c.kind, rows.c.cadre_code, rows.c.cadre_name, rows.c.unit_name,
            rows.c.household_code, rows.c.township, rows.c.village, rows.c.issued_date, rows.c.deadline,
        )
        .order_by(*sorting.list_order(rows, order, (rows.c.deadline, rows.c.cadre_code, rows.c.action_id)))
        .limit(limit)
    )
    frame = pd.DataFrame([tuple(r) for r in session.execute(statement)], columns=UNANSWERED_COLUMNS[:-1])
    frame["逾期天数"] = [(as_of - deadline).days for deadline in frame["回应期限"]] if len(frame) else []
    return frame


def unanswered_before(session: Session, scope: Scope, as_of: dt.date, policy: Policy, since: dt.date,
                      kind: str | None = None, known: bool = False) -> int:
    """Actions (of `kind`, when given) issued before `since` and unanswered on D: what 逾期事项
    counts (every unanswered action, whenever issued) beyond 提醒督办's 逾期未回应 from `since`."""
    if not known and responses_valid(session, policy):  # kept by the write path: one scan, no probes
        stored = ActionResponse.__table__
        found = stored_counts(session, scope, as_of, lambda rows: [], stored.c.issued_date < since,
                              *([stored.c.kind == kind] if kind else []))
        return int(sum(n for outcome, n in found if outcome == UNANSWERED))
    rows = actions_query(scope, as_of, policy, UNANSWERED, known).subquery("unanswered_before")
    return int(session.scalar(
        select(func.count()).select_from(rows).where(rows.c.issued_date < since, *([rows.c.kind == kind] if kind else []))
    ) or 0)


# --- issuing ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssueResult:
    batch_no: str
    actions: int  # rows in the batch: new actions plus escalated ones
    cadres: int
    deadline: dt.date
    escalated: int = 0  # pending actions escalated (提醒 → 督办, deadline renewed) instead of a second one


def _missing(row, as_of: dt.date) -> str:
    """What the pairing lacks on `as_of`, in the words of a notice."""
    parts = []
    if row["done_contacts"] < row["owed_contacts"]:
        parts.append(f"联系 {row['done_contacts']}/{row['owed_contacts']} 次")
    if row["done_visits"] < row["owed_visits"]:
        parts.append(f"实地走访 {row['done_visits']}/{row['owed_visits']} 次")
    if row["is_silent"]:
        since = row["last_contact"]
        parts.append(
            f"已 {(as_of - since).days} 天未联系" if since else f"结对以来 {(as_of - row['start_date']).days} 天未联系"
        )
    if row["first_visit_overdue"]:
        parts.append("未认门")
    return "；".join(parts) or "按期联系"


def required_method(row) -> str | None:
    """The kind of contact that answers an action about this pairing (RULES.md): a visit when visits
    were short — fewer done than owed, or the first home visit (认门) overdue — any contact otherwise."""
    if row["done_visits"] < row["owed_visits"] or row["first_visit_overdue"]:
        return METHOD_VISIT
    return None


def _next_batch_no(session: Session, kind: str, issued: dt.date) -> str:
    """The next batch number of the kind and day, unique under any concurrency: a counter row per
    prefix incremented atomically (row-locked until the batch commits); a prefix seen for the first
    time starts after the batches already stored with it."""
    prefix = f"{_BATCH_PREFIX.get(kind, 'TX')}{issued:%Y%m%d}-"
    taken = session.scalar(
        select(func.count(func.distinct(SupervisionAction.batch_no))).where(SupervisionAction.batch_no.like(f"{prefix}%"))
    )
    table = BatchCounter.__table__
    insert_ = pg_insert if is_postgres(session) else sqlite_insert
    number = session.execute(
        insert_(table).values(prefix=prefix, last=taken + 1)
        .on_conflict_do_update(index_elements=[table.c.prefix], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    ).scalar_one()
    return f"{prefix}{number:03d}"


def pending_on(session: Session, pairing_ids: list[int], day: dt.date, policy: Policy) -> dict[int, SupervisionAction]:
    """The latest action pending on `day` about each of `pairing_ids` (RULES.md: while one is pending,
    a new one on the same pairing escalates it instead of adding a second)."""
    found: dict[int, SupervisionAction] = {}
    statement = (
        select(SupervisionAction)
        .where(
            SupervisionAction.pairing_id.in_(pairing_ids),
            SupervisionAction.issued_date <= day,
            outcome_condition(PENDING, day, policy),
        )
        .order_by(SupervisionAction.issued_date, SupervisionAction.id)
    )
    for action in session.scalars(statement):
        found[action.pairing_id] = action
    return found


def _refresh_signals(session: Session, pairing_ids, policy: Policy | None = None) -> None:
    """The stored authenticity signals of the pairings' cadres (signals.refresh_stored)."""
    from data_access import signals

    ids = sorted(set(pairing_ids))
    cadres = set()
    for start in range(0, len(ids), 500):
        cadres.update(session.scalars(select(Pairing.cadre_id).where(Pairing.id.in_(ids[start:start + 500]))))
    signals.refresh_stored(session, cadres, policy=policy)


def issue(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    kind: str,
    pairing_ids: list[int],
    issued_date: dt.date | None = None,
    deadline: dt.date | None = None,
    note: str = "",
    *,
    actor: permissions.Actor,
) -> IssueResult:
    """Issue a reminder or supervision order about each of `pairing_ids` (to each one's cadre), as one
    batch. The reason stored is what the pairing lacks on `as_of` (the day the inspector looked at),
    and the kind of contact that answers it (a visit when visits were short).

    A pairing that already has an action pending on the issued day gets no second one: that action
    is escalated (RULES.md) — it becomes a 督办 of this batch, its deadline renewed to the later of
    the two, its reason updated — and what it was is kept (supervision_escalations) for 撤回.
    The pairings must be active on `as_of` inside `scope` and the actor's region; otherwise nothing
    is written."""
    permissions.check(actor, "issue_reminders", scope)
    claim_signal_writes(session)  # it refreshes the stored signals (_refresh_signals)
    if kind not in ACTION_KINDS:
        raise ValueError(f"未知的督办类型：{kind}")
    ids = sorted(set(pairing_ids))
    if not ids:
        raise ValueError("请先选择要提醒或督办的干部")
    issued_date = issued_date or current_date()
    deadline = deadline or issued_date + dt.timedelta(days=policy.response_days)
    if deadline < issued_date:
        raise ValueError("回应期限不能早于发出日期")
    status = compliance.pairing_status(scope, as_of, policy).subquery("pairing_status")
    rows = session.execute(select(status).where(status.c.pairing_id.in_(ids))).mappings().all()
    if len(rows) != len(ids):
        raise ScopeError("所选结对不在当前地区范围内或已解除，请刷新后重试")
    pending = pending_on(session, ids, issued_date, policy)
    # a 督办 counts in the quarter of its deadline: only a back-dated one, or one escalated from an
    # action due inside an ended quarter (its deadline before it is renewed), changes an ended
    # quarter's 季考核 inputs
    earliest = min([deadline, *(action.deadline for action in pending.values())])
    batch_no = _next_batch_no(session, kind, issued_date)
    user_id = session.scalar(select(User.id).where(User.username == actor.username))
    suffix = f"。{note.strip()}" if note.strip() else ""
    new_rows = []
    for r in rows:
        reason = f"截至{as_of:%Y-%m-%d}：{_missing(r, as_of)}{suffix}"
        method = required_method(r)
        earlier = pending.get(r["pairing_id"])
        if earlier is None:
            new_rows.append({
                "cadre_id": r["cadre_id"], "pairing_id": r["pairing_id"], "kind": kind,
                "issued_date": issued_date, "deadline": deadline, "reason": reason, "batch_no": batch_no,
                "issued_by": user_id, "required_method": method,
            })
            continue
        session.add(SupervisionEscalation(
            action_id=earlier.id, batch_no=batch_no, escalated_date=issued_date, from_kind=earlier.kind,
            from_deadline=earlier.deadline, from_batch_no=earlier.batch_no, from_reason=earlier.reason,
            from_required_method=earlier.required_method, escalated_by=user_id,
        ))
        earlier.reason = (f"{reason}（{earlier.issued_date:%Y-%m-%d}发出的{earlier.kind}"
                          f"{earlier.batch_no or ''}逾期未落实，升级为督办）")
        earlier.kind = ACTION_SUPERVISE
        earlier.deadline = max(earlier.deadline, deadline)
        earlier.batch_no = batch_no
        earlier.required_method = METHOD_VISIT if METHOD_VISIT in (method, earlier.required_method) else None
    if new_rows:
        session.execute(insert(SupervisionAction), new_rows)
    session.flush()
    refresh_responses(session, policy, pairing_ids=ids)  # the new and escalated actions' dates
    cadres = len({r["cadre_id"] for r in rows})
    audit.record(
        session, actor.username, "reminder", scope.prefix or None, batch_no,
        {"kind": kind, "actions": len(rows), "escalated": len(pending), "cadres": cadres, "issued": issued_date,
         "deadline": deadline, "as_of": as_of},
    )
    assessment_store.keep(session, {r["village_code"] for r in rows}, earliest)
    bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False)
    _refresh_signals(session, ids, policy)  # 临检突击 reads the deadlines on the cadres' pairings
    return IssueResult(batch_no, len(rows), cadres, deadline, len(pending))


@dataclass(frozen=True)
class Withdrawal:
    batch_no: str
    kind: str
    actions: int
    cadres: int


def _issuer(session: Session, batch_no: str) -> str | None:
    """Who issued the batch: the account that escalated actions into it, else its actions'
    `issued_by` account, else the audit entry of its issue."""
    name = session.scalar(
        select(User.username).join(SupervisionEscalation, SupervisionEscalation.escalated_by == User.id)
        .where(SupervisionEscalation.batch_no == batch_no).limit(1)
    ) or session.scalar(
        select(User.username).join(SupervisionAction, SupervisionAction.issued_by == User.id)
        .where(SupervisionAction.batch_no == batch_no).limit(1)
    )
    if name is None:
        name = session.scalar(
            select(AuditEntry.username)
            .where(AuditEntry.action == "reminder", AuditEntry.target == batch_no)
            .order_by(AuditEntry.id).limit(1)
        )
    return name


def withdraw(session: Session, batch_no: str, *, actor: permissions.Actor, today: dt.date | None = None) -> Withdrawal:
    """Withdraw (撤回) a batch issued by mistake: only by the inspector who issued it, on the day it was
    issued, and only when every action of it is about a pairing inside the actor's region. The batch's
    new actions are removed (no cadre has acted on a notice of today yet); actions it escalated go
    back to what they were before; the audit log keeps what it was."""
    permissions.check(actor, "issue_reminders")
    claim_signal_writes(session)  # it refreshes the stored signals (_refresh_signals)
    today = today or current_date()
    escalated = {
        e.action_id: e
        for e in session.scalars(select(SupervisionEscalation).where(SupervisionEscalation.batch_no == batch_no))
    }
    rows = session.execute(
        select(SupervisionAction.id, SupervisionAction.kind, SupervisionAction.issued_date,
               SupervisionAction.cadre_id, SupervisionAction.pairing_id, Household.village_code, Household.code,
               SupervisionAction.deadline)
        .join(Pairing, Pairing.id == SupervisionAction.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(SupervisionAction.batch_no == batch_no)
    ).all()
    if not rows or not all(actor.scope.contains(r.village_code) for r in rows):
        raise ScopeError(f"批次 {batch_no} 不存在或不在您的管辖范围内")
    if _issuer(session, batch_no) != actor.username:
        raise ValueError(f"批次 {batch_no} 不是您发出的，只能由发出人撤回")
    if any((escalated[r.id].escalated_date if r.id in escalated else r.issued_date) != today for r in rows):
        raise ValueError(f"批次 {batch_no} 不是今天发出的，已不能撤回；如有误，请在下一批中说明")
    for action_id, before in escalated.items():
        session.execute(
            update(SupervisionAction).where(SupervisionAction.id == action_id).values(
                kind=before.from_kind, deadline=before.from_deadline, batch_no=before.from_batch_no,
                reason=before.from_reason, required_method=before.from_required_method,
            )
        )
        session.delete(before)
    created = [r.id for r in rows if r.id not in escalated]
    session.execute(delete(SupervisionAction).where(SupervisionAction.id.in_(created)))
    session.flush()
    refresh_responses(session, load_policy(session), pairing_ids=[r.pairing_id for r in rows])
    kind, cadres = rows[0].kind, len({r.cadre_id for r in rows})
    audit.record(
        session, actor.username, "reminder_withdrawn", actor.scope.prefix or None, batch_no,
        {"kind": kind, "actions": len(rows), "restored": len(escalated), "cadres": cadres,
         "households": sorted(r.code for r in rows)},
    )
    assessment_store.keep(session, {r.village_code for r in rows},
                          min([*(r.deadline for r in rows), *(e.from_deadline for e in escalated.values())]))
    bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False)
    _refresh_signals(session, [r.pairing_id for r in rows])
    return Withdrawal(batch_no, kind, len(rows), cadres)


# --- reading past actions -------------------------------------------------------------------------------

ACTION_COLUMNS = [
    "批次号", "类型", "发出日期", "回应期限", "干部姓名", "干部编号", "工作单位", "户编号", "乡镇", "村",
    "督办事由", "回应情况", "首次联系日期",
]


def _action_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (r["batch_no"] or "", r["kind"], r["issued_date"], r["deadline"], r["cadre_name"], r["cadre_code"],
             r["unit_name"], r["household_code"], r["township"] or "", r["village"], r["reason"] or "",
             r["outcome"], r["responded_on"])
            for r in rows
        ],
        columns=ACTION_COLUMNS,
    )


@dataclass(frozen=True)
class ActionPage:
    total: int
    counts: dict[str, int]  # outcome → actions, over all matching actions
    rows: pd.DataFrame  # ACTION_COLUMNS
    unanswered_before: int = 0  # unanswered_before(since, kind): those issued before `since`, unanswered on D

    @property
    def issued(self) -> int:
        return sum(self.counts.values())

    @property
    def response_rate(self) -> float | None:
        """已回应 ÷ (all − 待回应): of the actions whose deadline has come (or that were answered),
        the share answered within it — the same reading as unit_effect's 回应率. None when none."""
        decided = self.issued - self.counts.get(PENDING, 0)
        return self.counts.get(ANSWERED, 0) / decided if decided else None


def action_page(
    session: Session,
    scope: Scope,
    as_of: dt.date,
    policy: Policy,
    outcome: str | None = None,
    kind: str | None = None,
    since: dt.date | None = None,
    page: int = 1,
    page_size: int = 50,
    known: bool = False,
) -> ActionPage:
    """Past actions (issued on or after `since`, up to D), newest first, with their outcome on D, and
    how many issued before `since` are unanswered on D (unanswered_before)."""
    scope = effective_scope(session, scope)  # the same rows; a province database from its province: no region range

    def narrowed(rows):
        return [
            *([rows.c.kind == kind] if kind else []),
            *([rows.c.issued_date >= since] if since else []),
        ]

    every = actions_query(scope, as_of, policy, known=known).subquery("with_outcome")
    per_day: dict[dt.date, int] | None = None  # actions per issue day, when the kept dates give them
    if not known and responses_valid(session, policy):  # kept by the write path: one scan, no probes
        stored = ActionResponse.__table__
        counts, per_day, before = {}, {}, 0
        # every issue day (not only since `since`): the same scan counts unanswered_before's actions
        for day, found_outcome, n in stored_counts(session, scope, as_of, lambda rows: [rows.c.issued_date],
                                                   *([stored.c.kind == kind] if kind else [])):
            if since and day < since:
                before += n if found_outcome == UNANSWERED else 0
                continue
            counts[found_outcome] = counts.get(found_outcome, 0) + n
            per_day[day] = per_day.get(day, 0) + n
    else:
        counts = dict(session.execute(
            select(every.c.outcome, func.count()).where(*narrowed(every)).group_by(every.c.outcome)).all())
        before = unanswered_before(session, scope, as_of, policy, since, kind, known) if since else 0
    rows = actions_query(scope, as_of, policy, outcome, known).subquery("listed") if outcome else every

    def newest_first(rows):
        return rows.c.issued_date.desc(), rows.c.batch_no.desc(), rows.c.cadre_code, rows.c.action_id

    # The page's ids first (no response looked up), then the response of those rows only: sorted
    # with their responses, every action in scope had its contacts probed (0.6 s at province).
    # Without an outcome, only the actions issued on or after the page's last row's issue day can
    # be on it: wider than a county, that day is found from the actions per issue day (a few dozen
    # days), so not every action in scope is sorted with its cadre's code (a county's few thousand
    # are found through its households).
    earliest = []
    if not outcome and len(scope.prefix) < 6:
        if per_day is None:
            per_day = _actions_per_day(session, scope, as_of, kind, since)
        earliest = _earliest(per_day, page * page_size)
    page_ids = (
        select(rows.c.action_id)
        .where(*narrowed(rows), *(rows.c.issued_date >= day for day in earliest))
        .order_by(*newest_first(rows))
        .limit(page_size)
        .offset((max(page, 1) - 1) * page_size)
    )
    shown = actions_query(scope, as_of, policy, known=known).subquery("shown")
    statement = select(shown).where(shown.c.action_id.in_(page_ids)).order_by(*newest_first(shown))
    found = session.execute(statement).mappings().all()
    total = counts.get(outcome, 0) if outcome else sum(counts.values())
    return ActionPage(int(total), {k: int(v) for k, v in counts.items()}, _action_frame(found), int(before))


def _earliest(per_day: dict[dt.date, int], rows_up_to: int) -> list[dt.date]:
    """[the issue day of the `rows_up_to`-th action newest first], or [] when there are fewer."""
    found = 0
    for day in sorted(per_day, reverse=True):
        found += per_day[day]
        if found >= rows_up_to:
            return [day]
    return []


def _actions_per_day(session: Session, scope: Scope, as_of: dt.date, kind: str | None, since: dt.date | None
                     ) -> dict[dt.date, int]:
    """issue day -> actions among actions_query's (issued by D about a pairing in scope, of `kind`,
    since `since`)."""
    action = SupervisionAction
    statement = select(action.issued_date).where(
        action.pairing_id.is_not(None), action.issued_date <= as_of,
        *([action.kind == kind] if kind else []), *([action.issued_date >= since] if since else []))
    scope = effective_scope(session, scope)
    if scope.prefix:
        statement = (statement.join(Pairing, Pairing.id == action.pairing_id)
                     .join(Household, Household.id == Pairing.household_id)
                     .where(scope.within(Household.village_code)))
    return {day: int(n) for day, n in session.execute(
        statement.add_columns(func.count()).group_by(action.issued_date))}


def cadre_actions(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, cadre_id: int, known: bool = False
) -> pd.DataFrame:
    """Every action the cadre received up to D (about pairings in scope) and what followed."""
    rows = actions_query(scope, as_of, policy, known=known).subquery("with_outcome")
    statement = select(rows).where(rows.c.cadre_id == cadre_id).order_by(rows.c.issued_date.desc(), rows.c.action_id)
    return _action_frame(session.execute(statement).mappings().all())


EFFECT_COLUMNS = ["工作单位", "提醒督办次数", "已回应", "逾期后回应", "逾期未回应", "待回应", "回应率"]


def unit_effect(
    session: Session, scope: Scope, as_of: dt.date, policy: Policy, since: dt.date | None = None, known: bool = False
) -> pd.DataFrame:
    """Per unit: how the actions to its cadres ended; 回应率 = answered ÷ (all but pending), lowest first."""
    if not known and responses_valid(session, policy):  # kept by the write path: one scan, no probes
        stored = ActionResponse.__table__
        per_unit: dict[int, dict[str, int]] = {}
        for unit_id, outcome, n in stored_counts(session, scope, as_of, lambda rows: [rows.c.unit_id],
                                                 *([stored.c.issued_date >= since] if since else [])):
            per_unit.setdefault(unit_id, {})[outcome] = int(n)
        # every unit's name (6 thousand at province) rather than an IN list of thousands of ids
        names = dict(session.execute(select(Unit.id, Unit.name) if len(per_unit) > 500
                                     else select(Unit.id, Unit.name).where(Unit.id.in_(list(per_unit)))).all())
        data = [(names[u], sum(c.values()), *(c.get(o, 0) for o in (ANSWERED, LATE, UNANSWERED, PENDING)))
                for u, c in per_unit.items()]
    else:
        rows = actions_query(scope, as_of, policy, known=known).subquery("with_outcome")

        def n(outcome: str):
            return func.sum(case((rows.c.outcome == outcome, 1), else_=0))

        statement = (
            select(rows.c.unit_name, func.count(), n(ANSWERED), n(LATE), n(UNANSWERED), n(PENDING))
            .where(*([rows.c.issued_date >= since] if since else []))
            .group_by(rows.c.unit_id, rows.c.unit_name)
        )
        data = [(r[0], *(int(v) for v in r[1:])) for r in session.execute(statement)]
    frame = pd.DataFrame(data, columns=EFFECT_COLUMNS[:-1])
    decided = frame["提醒督办次数"] - frame["待回应"]
    frame["回应率"] = [a / d if d else None for a, d in zip(frame["已回应"], decided, strict=True)]
    return frame.sort_values(["回应率", "提醒督办次数"], ascending=[True, False], na_position="last").reset_index(
        drop=True
    )


def batches(session: Session, scope: Scope, as_of: dt.date, limit: int = 100) -> list[tuple[str, str, dt.date, int]]:
    """Recent batches up to D: (batch_no, kind, issued_date, actions), newest first."""
    if not effective_scope(session, scope).prefix:
        # every household in scope: the actions about a pairing, not joined to their places (the
        # same rows as actions_query's, whose joins to cadre, unit, pairing and household never
        # drop an action about a pairing)
        action = SupervisionAction
        first = func.min(action.issued_date)
        statement = (
            select(action.batch_no, action.kind, first, func.count())
            .where(action.batch_no.is_not(None), action.pairing_id.is_not(None), action.issued_date <= as_of)
            .group_by(action.batch_no, action.kind)
            .order_by(first.desc(), action.batch_no.desc())
            .limit(limit)
        )
        return [tuple(r) for r in session.execute(statement)]
    rows = actions_query(scope, as_of, Policy()).subquery("with_outcome")  # outcomes not read
    statement = (
        select(rows.c.batch_no, rows.c.kind, func.min(rows.c.issued_date), func.count())
        .where(rows.c.batch_no.is_not(None))
        .group_by(rows.c.batch_no, rows.c.kind)
        .order_by(func.min(rows.c.issued_date).desc(), rows.c.batch_no.desc())
        .limit(limit)
    )
    return [tuple(r) for r in session.execute(statement)]


# --- the notice ---------------------------------------------------------------------------------------

NOTICE_COLUMNS = ["序号", "干部姓名", "干部编号", "工作单位", "户编号", "乡镇", "村", "存在问题", "回应期限"]


@dataclass(frozen=True)
class Notice:
    batch_no: str
    kind: str
    issued_date: dt.date
    deadline: dt.date
    rows: pd.DataFrame  # NOTICE_COLUMNS

    @property
    def title(self) -> str:
        return f"结对关爱工作{self.kind}通知（{self.batch_no}）"


def notice(session: Session, scope: Scope, batch_no: str) -> Notice | None:
    """The notice of one batch: each cadre, their unit and what was missing (rows in scope only)."""
    rows = actions_query(scope, dt.date.max, Policy()).subquery("with_outcome")  # outcomes not read
    found = session.execute(
        select(rows).where(rows.c.batch_no == batch_no).order_by(rows.c.unit_name, rows.c.cadre_code, rows.c.action_id)
    ).mappings().all()
    if not found:
        return None
    frame = pd.DataFrame(
        [
            (i, r["cadre_name"], r["cadre_code"], r["unit_name"], r["household_code"], r["township"] or "",
             r["village"], r["reason"] or "", r["deadline"])
            for i, r in enumerate(found, start=1)
        ],
        columns=NOTICE_COLUMNS,
    )
    first = found[0]
    return Notice(batch_no, first["kind"], first["issued_date"], first["deadline"], frame)


def notice_docx(item: Notice, issuer: str) -> bytes:
    """A printable notice (Word): heading, the request, the table of cadres and what is missing."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "宋体")
    heading = document.add_heading(item.title, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    verb = "督促" if item.kind == ACTION_REMIND else "督办"
    document.add_paragraph(
        f"经核查，下列结对干部截至 {item.issued_date:%Y年%m月%d日} 未按要求完成结对关爱联系走访任务。"
        f"现予以{item.kind}，请相关单位{verb}干部于 {item.deadline:%Y年%m月%d日} 前联系、走访结对户，"
        "并将落实情况报领导小组办公室。"
    )
    table = document.add_table(rows=1, cols=len(NOTICE_COLUMNS))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, NOTICE_COLUMNS, strict=True):
        cell.text = title
    for record in item.rows.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, record, strict=True):
            cell.text = value.strftime("%Y-%m-%d") if isinstance(value, dt.date) else str(value)
    document.add_paragraph("")
    document.add_paragraph(f"发出：{issuer}    日期：{item.issued_date:%Y年%m月%d日}    共 {len(item.rows)} 条")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def notice_file(
    session: Session, scope: Scope, region_name: str, batch_no: str, fmt: str, *, actor: permissions.Actor
) -> bytes:
    """The notice of a batch as a Word (docx) or Excel (xlsx) file; the download is audited."""
    permissions.check(actor, "export_lists", scope)
    username = actor.username
    item = notice(session, scope, batch_no)
    if item is None:
        raise ScopeError(f"批次 {batch_no} 不存在或不在当前地区范围内")
    if fmt == "docx":
        data = notice_docx(item, username)
    else:
        stamp = exporting.ExportStamp(username, item.title, region_name, dt.datetime.now())
        data = exporting.to_xlsx_bytes({f"{item.kind}通知": item.rows}, stamp)
    audit.record(session, username, "export", scope.prefix or None, item.title, {"format": fmt, "rows": len(item.rows)})
    return data
