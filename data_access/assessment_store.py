"""Stored 季考核 inputs: one quarter's ten inputs of the whole database per unit, township and cadre
and per county, and summed per city, per province and in all (derived data, like status_store's
evaluations).

A set is valid while the data version (bumped by every write) and the settings it was counted with
are those of now; a view of a city or province reads its own rows (summed when stored) instead of
counting 390k pairings, their needs, 回访 and 督办 (`assessment._count`, the same SQL, grouped by
county as well). A county or township view counts live (fast). When no valid set exists, the first
city or province reader stores one in its own transaction (`can_store_from`: not from a session that
has written, such as a freeze, which counts live); so after any write the first such viewer of a
quarter waits for the count (minutes at province scale on a loaded machine). Older sets of the same
quarter and settings are deleted when a new one is stored.
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from data_access import status_store
from data_access.models import AssessmentInput, AssessmentInputSet, DataVersion
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope

LEVELS = ("unit", "township", "cadre")
PREFIX_LENGTHS = (0, 2, 4, 6)  # rows are kept per county and summed per city, province and in all


def set_key(policy: Policy) -> str:
    """The settings the inputs depend on: the compliance rule's and the late-entry grace of 督办."""
    return f"{status_store.policy_key(policy)};late_entry_grace_days={policy.late_entry_grace_days}"


def _version(session: Session) -> int:
    return session.execute(select(DataVersion.version).where(DataVersion.id == 1)).scalar_one()


def _valid(session: Session, quarter, policy: Policy) -> int | None:
    return session.scalar(
        select(AssessmentInputSet.id).where(
            AssessmentInputSet.year == quarter.year, AssessmentInputSet.quarter == quarter.number,
            AssessmentInputSet.policy_key == set_key(policy),
            AssessmentInputSet.data_version == _version(session))
        .order_by(AssessmentInputSet.id.desc()).limit(1))


def store(session: Session, quarter, policy: Policy) -> int | None:
    """Count and store the quarter's inputs of the whole database (in a transaction of its own);
    the set's id, or None when `session` has written (its changes would be missing)."""
    if not status_store.can_store_from(session):
        return None
    from data_access.assessment import _count

    engine = session.get_bind()
    with Session(engine) as builder:
        version = _version(builder)
        started = time.perf_counter()
        rows = []
        for level in LEVELS:
            summed: dict[tuple[str, str], dict[str, int]] = {}
            for (key, county), values in _count(builder, EVERYWHERE, quarter, policy, level, by_county=True).items():
                for length in PREFIX_LENGTHS:  # the county, its city, its province, the whole database
                    total = summed.setdefault((key, county[:length]), dict.fromkeys(values, 0))
                    for name, value in values.items():
                        total[name] += value
            rows += [{"level": level, "key": key, "county": prefix, **values}
                     for (key, prefix), values in summed.items()]
        builder.rollback()  # the counting may have stored an evaluation; start the write afresh
        found = AssessmentInputSet(year=quarter.year, quarter=quarter.number, policy_key=set_key(policy),
                                   data_version=version, built_at=dt.datetime.now().replace(microsecond=0),
                                   build_ms=int((time.perf_counter() - started) * 1000))
        builder.add(found)
        builder.flush()
        for start in range(0, len(rows), 5000):
            builder.execute(insert(AssessmentInput), [{"set_id": found.id, **row} for row in rows[start:start + 5000]])
        older = select(AssessmentInputSet.id).where(
            AssessmentInputSet.year == quarter.year, AssessmentInputSet.quarter == quarter.number,
            AssessmentInputSet.policy_key == found.policy_key, AssessmentInputSet.id != found.id)
        stale = list(builder.scalars(older))
        if stale:
            builder.execute(delete(AssessmentInput).where(AssessmentInput.set_id.in_(stale)))
            builder.execute(delete(AssessmentInputSet).where(AssessmentInputSet.id.in_(stale)))
        builder.commit()
        return found.id


def inputs(session: Session, scope: Scope, quarter, policy: Policy, level: str) -> dict[str, dict[str, int]] | None:
    """key -> the ten inputs of `level` inside `scope` (summed over its counties) from the quarter's
    valid stored set, storing one first when there is none; None when none can be stored now."""
    from data_access.assessment import INPUTS

    set_id = _valid(session, quarter, policy)
    if set_id is None:
        set_id = store(session, quarter, policy)
    if set_id is None:
        return None
    if len(scope.prefix) in PREFIX_LENGTHS:  # summed when stored
        rows = session.execute(
            select(AssessmentInput.key, *(getattr(AssessmentInput, name) for name in INPUTS))
            .where(AssessmentInput.set_id == set_id, AssessmentInput.level == level,
                   AssessmentInput.county == scope.prefix))
    else:
        rows = session.execute(
            select(AssessmentInput.key, *(func.sum(getattr(AssessmentInput, name)) for name in INPUTS))
            .where(AssessmentInput.set_id == set_id, AssessmentInput.level == level,
                   func.length(AssessmentInput.county) == 6,
                   AssessmentInput.county.startswith(scope.prefix, autoescape=True))
            .group_by(AssessmentInput.key))
    return {str(key): {name: int(value or 0) for name, value in zip(INPUTS, values, strict=True)}
            for key, *values in rows}
