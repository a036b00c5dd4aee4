"""What the write path does once a write has committed, so the first viewer after it reads stored
figures instead of computing them: today's evaluation of the rule stored when the write found none
to refresh (status_store.refresh keeps the stored ones up to date inside the write), and the
evaluations no page will ask for again deleted (status_store.prune). Called by the import (page
and command), a change of the rule's settings and the nightly `db evaluate`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from data_access import compliance, status_store
from data_access.config import current_date
from data_access.policy import Policy


def after_write(session: Session, policy: Policy, today: dt.date | None = None) -> int | None:
    """In a session that has not written: store today's evaluation (if not stored) and prune.
    Returns the id of today's evaluation."""
    snapshot = compliance.store_status(session, today or current_date(), policy)
    status_store.prune(session.get_bind(), policy)
    return snapshot


def after_rule_change(session: Session, policy: Policy, today: dt.date | None = None) -> None:
    """After a change of the rule's settings: every evaluation the pages read by default under the
    new reading — today and each month end of its year (工作总览, 趋势分析, 月通报) — then prune."""
    from data_access import trends

    for day in trends.month_ends(today or current_date()):
        compliance.store_status(session, day, policy)
    status_store.prune(session.get_bind(), policy)
