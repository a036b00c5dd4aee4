"""What the write path does once a write has committed, so the first viewer after it reads stored
figures instead of computing them: today's evaluation of the rule stored when the write found none
to refresh (status_store.refresh keeps the stored ones up to date inside the write), and the
evaluations no page will ask for again deleted (status_store.prune). Called by the import (page
and command), a change of the rule's settings and the nightly `db evaluate`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from data_access import compliance, status_store, supervision, weekly
from data_access.config import current_date
from data_access.policy import Policy


def after_write(session: Session, policy: Policy, today: dt.date | None = None) -> int | None:
    """In a session that has not written: store today's evaluation and the same day last week's
    (达标督查's and 逾期事项's week-on-week changes), those not stored (an import refreshes the
    stored ones), and prune. Returns the id of today's evaluation."""
    today = today or current_date()
    snapshot = compliance.store_status(session, today, policy)
    compliance.store_status(session, weekly.same_day_last_week(today), policy)
    status_store.prune(session.get_bind(), policy)
    supervision.store_responses(session, policy)  # built afresh only when a write left it invalid
    return snapshot


def evaluated_days(today: dt.date) -> list[dt.date]:
    """The days whose evaluations the pages read by default, stored ahead of their viewers: the
    same day last week (达标督查's and 逾期事项's week-on-week changes), each month end of the year
    (工作总览, 趋势分析, 月通报) and today, last."""
    from data_access import trends

    return [weekly.same_day_last_week(today), *trends.month_ends(today)]


def after_rule_change(session: Session, policy: Policy, today: dt.date | None = None) -> None:
    """After a change of the rule's settings, and nightly (`db evaluate`): every evaluation the
    pages read by default under the new reading — today and each month end of its year (工作总览,
    趋势分析, 月通报), the same day last week (达标督查, 逾期事项): `evaluated_days` — then prune."""
    for day in evaluated_days(today or current_date()):
        compliance.store_status(session, day, policy)
    status_store.prune(session.get_bind(), policy)
    supervision.store_responses(session, policy)


def reads_any(settings) -> bool:
    """Whether changing these settings changes what the write path keeps (after_rule_change)."""
    return status_store.reads_any(settings) or "late_entry_grace_days" in set(settings)
