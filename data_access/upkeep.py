"""What the write path does once a write has committed, so the first viewer after it reads stored
figures instead of computing them: today's evaluation of the rule (and of the authenticity
signals, signal_store) stored when the write found none
to refresh (status_store.refresh keeps the stored ones up to date inside the write), the
evaluations no page will ask for again deleted (status_store.prune), and the 季考核 inputs of the
quarters that page opens on stored when a write left them invalid (assessment_store.store_default:
after an import that moved a cadre to another unit, a change of the rule's settings, `db evaluate`).

The write functions own this, not their callers: a write to households, pairings or contacts (the
import, recording in the app) or to the rule's settings calls `after_commit(session)` inside its
transaction, and the upkeep runs in a session of its own as soon as that transaction commits
(nothing when it rolls back). The demo build, which commits its own connection, calls
`after_rule_change` itself (it rewrote the whole database), as does the nightly `db evaluate`.
Pages and CLI commands never call anything here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from data_access import assessment_store, compliance, gap_store, status_store, supervision, weekly
from data_access.cases import evidence_store
from data_access.config import current_date
from data_access.policy import Policy, load_policy

_PENDING = "upkeep_after_commit"


def after_commit(session: Session, *, rule_changed: bool = False, tell: Callable[[str], None] | None = None,
                 assessment: bool = False) -> None:
    """For a write function, inside its transaction: once `session` commits, store today's
    evaluation and last week's same day (or, when the rule's settings changed, every day of
    `evaluated_days`) and prune, in a session of its own. `assessment`: the write left the stored
    季考核 inputs invalid (it could not keep them): store those 季考核 opens on too. `tell(text)` is
    told when that starts (the import's progress)."""
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = {"rule_changed": False, "tell": None, "assessment": False}
        if not event.contains(session, "after_commit", _committed):
            event.listen(session, "after_commit", _committed)
            event.listen(session, "after_rollback", _rolled_back)
    pending["rule_changed"] |= rule_changed
    pending["assessment"] |= assessment
    pending["tell"] = tell or pending["tell"]


def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    if pending["tell"] is not None:
        pending["tell"]("正在更新今天的全库结对达标情况……")
    with Session(bind=session.get_bind()) as upkeep_session:
        policy = load_policy(upkeep_session)
        if pending["rule_changed"]:
            after_rule_change(upkeep_session, policy)
        else:
            after_write(upkeep_session, policy, assessment=pending["assessment"])
        upkeep_session.commit()


def after_write(session: Session, policy: Policy, today: dt.date | None = None, assessment: bool = False) -> int | None:
    """In a session that has not written: store today's evaluation and the same day last week's
    (达标督查's and 逾期事项's week-on-week changes), those not stored (an import refreshes the
    stored ones), and prune; with `assessment`, the 季考核 inputs 季考核 opens on when none are valid
    (the writes keep them valid otherwise). Returns the id of today's evaluation."""
    today = today or current_date()
    snapshot = compliance.store_status(session, today, policy)
    compliance.store_status(session, weekly.same_day_last_week(today), policy)
    compliance.prune_stored(session, policy)
    supervision.store_responses(session, policy)  # built afresh only when a write left it invalid
    evidence_store.store_default(session, today, policy)  # 案例挖掘's evidence, when the write left none valid
    if assessment:
        assessment_store.store_default(session, policy, today)
    store_signals(session, policy, today)
    store_gaps(session, policy, today)
    return snapshot


def signal_days(today: dt.date) -> list[dt.date]:
    """The days whose authenticity signals are stored ahead of their viewers: the end of last month
    (月通报) and today (真实性核查, 干部详情)."""
    return [today.replace(day=1) - dt.timedelta(days=1), today]


def store_signals(session: Session, policy: Policy, today: dt.date) -> None:
    """The signals of `signal_days` stored where no valid evaluation is (a write that refreshed
    them leaves nothing to do), and invalid ones pruned (signal_store)."""
    from data_access import signal_store, signals

    for day in signal_days(today):
        signals.ensure_stored(session, day, policy)
    signal_store.prune(session, policy)


def evaluated_days(today: dt.date) -> list[dt.date]:
    """The days whose evaluations the pages read by default, stored ahead of their viewers: the
    same day last week (达标督查's and 逾期事项's week-on-week changes), each month end of the year
    (工作总览, 趋势分析, 月通报) and today, last."""
    from data_access import trends

    return [weekly.same_day_last_week(today), *trends.month_ends(today)]


def after_rule_change(session: Session, policy: Policy, today: dt.date | None = None) -> list[int | None]:
    """After a change of the rule's settings, and nightly (`db evaluate`): every evaluation the
    pages read by default under the new reading — today and each month end of its year (工作总览,
    趋势分析, 月通报), the same day last week (达标督查, 逾期事项): `evaluated_days` — then prune.
    The ids, today's last."""
    ids = [compliance.store_status(session, day, policy) for day in evaluated_days(today or current_date())]
    compliance.prune_stored(session, policy)
    supervision.store_responses(session, policy)
    evidence_store.store_default(session, today or current_date(), policy)
    assessment_store.store_default(session, policy, today or current_date())
    store_signals(session, policy, today or current_date())
    store_gaps(session, policy, today or current_date())
    return ids


def store_gaps(session: Session, policy: Policy, today: dt.date) -> None:
    """gap_store's days (逾期事项 and 覆盖情况 read today and the same day last week), those not
    valid stored afresh, the others deleted; commits."""
    days = [weekly.same_day_last_week(today), today]
    for day in days:
        gap_store.store(session, day, policy)
    gap_store.prune(session, days)
    session.commit()


def reads_any(settings) -> bool:
    """Whether changing these settings changes what the write path keeps (after_rule_change)."""
    return status_store.reads_any(settings) or "late_entry_grace_days" in set(settings)
