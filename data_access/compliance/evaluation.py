"""The rule's rows, read from the stored evaluation (status_store) or run live: decided here and
nowhere else. The write path's side is here too: storing an evaluation, refreshing the stored ones
for the pairings a write touched, pruning (called by data_access.upkeep and the writes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from data_access import status_store
from data_access.compliance.rule import first_visits_overdue, pairing_status
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


def first_visit_rows(session: Session, scope: Scope, as_of: dt.date, policy: Policy) -> Select:
    """The pairings whose 认门 is overdue (pairing_id, cadre_id, household_id, village_code,
    start_date): from a stored evaluation when one is valid for the day and policy (its
    first_visit_overdue column, read by region index), else `first_visits_overdue` run live (the
    same pairings; no evaluation is stored for this one figure)."""
    if status_store.find(session, as_of, policy) is None:
        return first_visits_overdue(scope, as_of, policy)
    stored = status_rows(session, scope, as_of, policy, store=False).subquery("stored_status")
    return select(
        stored.c.pairing_id, stored.c.cadre_id, stored.c.household_id, stored.c.village_code, stored.c.start_date
    ).where(stored.c.first_visit_overdue == 1)


def refresh_stored(session: Session, pairing_ids: Iterable[int], policy: Policy,
                   progress: Callable[[int, int], None] | None = None,
                   moved_units: dict[int, int] | None = None, *, assessment_kept: bool = False) -> list[int]:
    """For a write to households, pairings or contacts, in its own transaction: every stored
    evaluation of `policy` brought up to date for the pairings it touched (status_store.refresh);
    `moved_units`: cadres whose work unit the write changed (cadre id -> old unit id);
    `assessment_kept`: the write keeps the stored 季考核 inputs itself (assessment_store.keep)."""
    from data_access.compliance.rollups import cadre_figures, summary_figures

    return status_store.refresh(session, pairing_ids, policy, lambda day: pairing_status(EVERYWHERE, day, policy),
                                progress, summary_figures, cadre_figures, moved_units, assessment_kept=assessment_kept)


def prune_stored(session: Session, policy: Policy) -> int:
    """Delete the evaluations no page will ask for again (status_store.prune), for the write path."""
    return status_store.prune(session.get_bind(), policy)
