"""案例挖掘's evidence kept by the write path, so the ranking is a sort of stored rows instead of a
pass over the period's records (3.4M contacts at province scale: 6 s CPU, 24 s on a loaded machine,
for the first viewer after every change).

A set is the output of `candidates.evidence_rows` over the whole database for one as-of day, one
period start and one reading of the settings (the rule's and the case score's), valid for the
`evidence_version` it was made at (db.bump_version bumps it on every write that can change a
pairing's evidence: contacts, needs, surveys, policy deliveries, persons, households, pairings).
Nothing here computes evidence: the rows are exactly what evidence_rows returned (the tests compare).

Kept by:
- the import, in its own transaction (`keep`): the rows of every pairing it touched re-evaluated in
  every set valid before it, which then carry over to the new evidence_version — one commit, so a
  reader sees the old records with the old rows or the new with the new. An import that changed
  persons, needs, surveys or policy deliveries already stored (a record could have moved to another
  household) keeps nothing: its sets go invalid and the upkeep after it stores today's afresh;
- the upkeep after a write and the nightly `db evaluate` (`store_default`): today's set for the
  year to date (the page's default period), when none is valid;
- a viewer of a scope wider than a county who asks for a day or period with no valid set stores
  it first (as the rule's evaluation, compliance.status_rows). A county reads a valid set or the
  records; a township the records.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable

from sqlalchemy import Select, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data_access import db, status_store
from data_access.models import CaseEvidenceRow, CaseEvidenceSet, DataVersion
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope

# Sets kept per evidence_version and settings (today's, and a few other days or periods looked at).
KEEP = 4
# Scopes wider than a county read a set, storing it first when none is valid; a county reads one
# when valid (its rows by the region index; 0.3 s CPU live), else the records, as does a township.
STORE_BELOW_PREFIX = 6
READ_UP_TO_PREFIX = 6
# Pairing ids per refresh statement (a literal IN list, pushed into each aggregate).
CHUNK = 2000


def policy_key(policy: Policy) -> str:
    """The settings evidence_rows reads — the rule's (done and owed), the case evidence's — and the
    score's weights (the stored score)."""
    from data_access.cases.scoring import SCORE_TERMS

    weights = ",".join(str(getattr(policy, term.weight)) for term in SCORE_TERMS)
    return (f"{status_store.policy_key(policy)};fast={policy.case_fast_days};note={policy.case_note_chars};"
            f"w={weights}")


def reads_any(settings) -> bool:
    """Whether changing these settings changes the stored evidence (its policy_key)."""
    from data_access.cases.scoring import SCORE_TERMS

    read = {"case_fast_days", "case_note_chars", *(term.weight for term in SCORE_TERMS)}
    return bool(set(settings) & read) or status_store.reads_any(settings)


def _lookup(as_of: dt.date, start: dt.date, key: str, version) -> Select:
    return select(CaseEvidenceSet.id).where(
        CaseEvidenceSet.as_of == as_of, CaseEvidenceSet.period_start == start, CaseEvidenceSet.policy_key == key,
        CaseEvidenceSet.evidence_version == version)


def find(session: Session, as_of: dt.date, start: dt.date, policy: Policy) -> int | None:
    """The id of the set valid now for this day, period start and settings, if there is one."""
    return session.scalar(_lookup(as_of, start, policy_key(policy), db.evidence_version(session)))


def _columns():
    from data_access.cases.candidates import EVIDENCE_COLUMNS

    return EVIDENCE_COLUMNS


def _scored(set_id: int, evaluated, policy: Policy) -> Select:
    """SELECT set_id, the evidence columns and THE score (candidates.scored) of `evaluated`."""
    from data_access.cases.candidates import scored

    return select(literal(set_id), *(evaluated.c[name] for name in _columns()), scored(evaluated.c, policy)[2])


def rows_for(session: Session, scope: Scope, as_of: dt.date, start: dt.date, policy: Policy,
             with_score: bool = False) -> Select | None:
    """The stored evidence rows inside `scope` (evidence_rows' columns, and the stored score with
    `with_score`), or None when the scope reads the records: a township or smaller, a county with
    no valid set, or a wider scope with none when `session` may not store one."""
    if len(scope.prefix) > READ_UP_TO_PREFIX:
        return None
    set_id = find(session, as_of, start, policy)
    if set_id is None and len(scope.prefix) < STORE_BELOW_PREFIX:
        set_id = store(session, as_of, start, policy)
    if set_id is None:
        return None
    names = [*_columns(), "score"] if with_score else _columns()
    return select(*(getattr(CaseEvidenceRow, name) for name in names)).where(
        CaseEvidenceRow.set_id == set_id, scope.within(CaseEvidenceRow.village_code))


def store(session: Session, as_of: dt.date, start: dt.date, policy: Policy) -> int | None:
    """Evaluate evidence_rows over the whole database and store it in a transaction of its own (or
    find it stored); its id, or None when `session` has written (its own changes would be missing)."""
    if not status_store.can_store_from(session):
        return None
    from data_access.cases.candidates import evidence_rows

    key, started = policy_key(policy), time.perf_counter()
    evaluated = evidence_rows(session, EVERYWHERE, as_of, policy, start).subquery("evidence")
    columns = _columns()
    try:
        with session.get_bind().begin() as connection:
            version = connection.scalar(select(DataVersion.evidence_version).where(DataVersion.id == 1))
            existing = connection.scalar(_lookup(as_of, start, key, version))
            if existing is not None:
                return existing
            set_id = connection.scalar(
                insert(CaseEvidenceSet)
                .values(as_of=as_of, period_start=start, policy_key=key, evidence_version=version,
                        built_at=dt.datetime.now(), build_ms=0)
                .returning(CaseEvidenceSet.id))
            connection.execute(insert(CaseEvidenceRow).from_select(
                ["set_id", *columns, "score"], _scored(set_id, evaluated, policy)))
            connection.execute(update(CaseEvidenceSet).where(CaseEvidenceSet.id == set_id)
                               .values(build_ms=int((time.perf_counter() - started) * 1000)))
            _prune(connection, version, key)
            db.analyze(connection, "case_evidence_rows")  # PostgreSQL: the new set id known to the planner
            return set_id
    except IntegrityError:  # another process stored the same set meanwhile
        found = find(session, as_of, start, policy)
        if found is None:
            raise
        return found


def store_default(session: Session, today: dt.date, policy: Policy) -> int | None:
    """For the write path's upkeep and the nightly job: today's set for the year to date (the
    page's default period), when none is valid; stale sets deleted."""
    return store(session, today, dt.date(today.year, 1, 1), policy)


def _prune(connection, version: int, key: str) -> None:
    """Delete sets of other versions or settings and all but the KEEP newest of this one."""
    current = select(CaseEvidenceSet.id).where(CaseEvidenceSet.evidence_version == version,
                                               CaseEvidenceSet.policy_key == key)
    keep = set(connection.scalars(current.order_by(CaseEvidenceSet.id.desc()).limit(KEEP)))
    stale = [i for i in connection.scalars(select(CaseEvidenceSet.id)) if i not in keep]
    if stale:
        connection.execute(delete(CaseEvidenceRow).where(CaseEvidenceRow.set_id.in_(stale)))
        connection.execute(delete(CaseEvidenceSet).where(CaseEvidenceSet.id.in_(stale)))


def keep(session: Session, pairing_ids: Iterable[int], policy: Policy, version_before: int) -> list[int]:
    """In a write's transaction, after it wrote and after compliance.refresh_stored: the sets of
    `policy` valid at `version_before` (the evidence_version before the write) brought up to date
    for `pairing_ids` — every pairing whose evidence the write can have changed — and carried over
    to the evidence_version now. The ids kept; the others are deleted."""
    from data_access.cases.candidates import evidence_rows

    key, version = policy_key(policy), db.evidence_version(session)
    kept = list(session.execute(select(CaseEvidenceSet.id, CaseEvidenceSet.as_of, CaseEvidenceSet.period_start).where(
        CaseEvidenceSet.evidence_version == version_before, CaseEvidenceSet.policy_key == key)))
    ids = sorted(set(pairing_ids))
    connection = session.connection()
    columns = _columns()
    for set_id, as_of, start in kept:
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            connection.execute(delete(CaseEvidenceRow).where(CaseEvidenceRow.set_id == set_id,
                                                             CaseEvidenceRow.pairing_id.in_(chunk)))
            evaluated = evidence_rows(session, EVERYWHERE, as_of, policy, start, chunk).subquery("evidence")
            connection.execute(insert(CaseEvidenceRow).from_select(
                ["set_id", *columns, "score"], _scored(set_id, evaluated, policy)))
    if kept:
        connection.execute(update(CaseEvidenceSet).where(CaseEvidenceSet.id.in_([i for i, _, _ in kept]))
                           .values(evidence_version=version))
    _prune(connection, version, key)
    return [i for i, _, _ in kept]


def keep_household(session: Session, household_id: int, version_before: int) -> list[int]:
    """`keep` for a write about one household (a contact, a need, a survey): every pairing of it."""
    from data_access.models import Pairing
    from data_access.policy import load_policy

    pairings = session.scalars(select(Pairing.id).where(Pairing.household_id == household_id))
    return keep(session, pairings, load_policy(session), version_before)


def stored_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CaseEvidenceSet))
