"""The rule's rows, read from the stored evaluation (status_store) or run live: decided here."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select
from sqlalchemy.orm import Session

from data_access import status_store
from data_access.compliance.rule import pairing_status
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope

# Scopes wider than a county (the whole database, a province, a city) read a stored evaluation,
# storing it first when there is none; a county or smaller runs the rule itself (0.1 s).
STORE_BELOW_PREFIX = 6


def status_rows(session: Session, scope: Scope, as_of: dt.date, policy: Policy, store: bool = True) -> Select:
    """`pairing_status(scope, as_of, policy)`: the same rows and columns, read from the stored
    evaluation of the rule (status_store) when one is valid for this day and policy. For a scope
    wider than a county with none stored, the whole database is evaluated and stored first (unless
    `store` is False, or `session` has written and so must see its own changes): once per day,
    policy and change to households, pairings or contacts, however many figures and viewers."""
    snapshot = status_store.find(session, as_of, policy)
    if snapshot is None and store and len(scope.prefix) < STORE_BELOW_PREFIX:
        snapshot = store_status(session, as_of, policy)
    if snapshot is None:
        return pairing_status(scope, as_of, policy)
    return status_store.rows(snapshot, scope)


def store_status(session: Session, as_of: dt.date, policy: Policy) -> int | None:
    """Evaluate the rule over the whole database on `as_of` and store it (or find it stored); the
    stored evaluation's id, or None when `session` has written (see status_store.can_store_from)."""
    if not status_store.can_store_from(session):
        return None
    from data_access.compliance.rollups import cadre_figures, summary_figures

    return status_store.store(session.get_bind(), as_of, policy, pairing_status(EVERYWHERE, as_of, policy),
                              summary_figures, cadre_figures)
