"""Stored 季考核 inputs: one quarter's ten inputs of the whole database per unit, township and cadre
and per county, and summed per city, per province and in all (derived data, like status_store's
evaluations).

A set is valid while its data version is the database's and its settings are those of now; a view
of a city or province reads its own rows (summed when stored) instead of counting 390k pairings,
their needs, 回访 and 督办 (`assessment._count`, the same SQL, grouped by county as well). A county or
township view counts live (fast).

The write path keeps the sets valid (status_store's way): a write that cannot change an ended
quarter's inputs (a reminder, an account, a case, a freeze…) carries them over to the version it
bumps to (`db.bump_version(assessment_inputs=False)`); a write that can — contacts, pairings, needs,
回访 or 督办 — calls `keep` in its transaction with the counties it touched and the earliest date its
records bear there: only the sets of quarters ended on or after that date are recounted, and only for
those counties (each county's rows replaced, the city, province and whole-database sums of the keys
it holds summed again from the counties' rows). So a write dated after a quarter's end leaves that
quarter's set as it was, and a late record inside it is counted before the write commits: one
commit, no reader ever sees the new data with the old figures. A write that does neither leaves the
sets invalid; the write path then stores the quarters the page opens on once it commits
(`store_default`, upkeep), and only a quarter nobody has looked at since is counted for its first
city or province viewer (`inputs`; not from a session that has written, such as a freeze, which
counts live). Older sets of the same quarter and settings are deleted when a new one is stored.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from data_access import db, status_store
from data_access.models import AssessmentInput, AssessmentInputSet, DataVersion
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope

CHUNK = 2000  # keys per statement

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
        # (not one a write has kept valid meanwhile: its version is newer than this count's)
        older = select(AssessmentInputSet.id).where(
            AssessmentInputSet.year == quarter.year, AssessmentInputSet.quarter == quarter.number,
            AssessmentInputSet.policy_key == found.policy_key, AssessmentInputSet.id != found.id,
            AssessmentInputSet.data_version <= version)
        stale = list(builder.scalars(older))
        if stale:
            builder.execute(delete(AssessmentInput).where(AssessmentInput.set_id.in_(stale)))
            builder.execute(delete(AssessmentInputSet).where(AssessmentInputSet.id.in_(stale)))
        db.analyze(builder, "assessment_inputs")  # PostgreSQL: the new set id known to the planner
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


def _recount(session: Session, set_id: int, quarter, policy: Policy, county: str) -> None:
    """The set's rows of `county` counted again (in the caller's transaction), and the sums of its
    city, its province and the whole database summed again from the counties' rows for every key
    the county held before or holds now (a key no county holds any more is gone, as when stored)."""
    from data_access.assessment import INPUTS, _count

    for level in LEVELS:
        counted = _count(session, Scope(county), quarter, policy, level, by_county=True)
        mine = (AssessmentInput.set_id == set_id, AssessmentInput.level == level)
        keys = set(session.scalars(select(AssessmentInput.key).where(*mine, AssessmentInput.county == county)))
        session.execute(delete(AssessmentInput).where(*mine, AssessmentInput.county == county))
        rows = [{"set_id": set_id, "level": level, "key": key, "county": county, **values}
                for (key, _), values in counted.items()]
        for start in range(0, len(rows), 5000):
            session.execute(insert(AssessmentInput), rows[start:start + 5000])
        keys = sorted(keys | {key for key, _ in counted})
        for prefix in (county[:4], county[:2], ""):
            for start in range(0, len(keys), CHUNK):
                chunk = keys[start:start + CHUNK]
                session.execute(delete(AssessmentInput).where(
                    *mine, AssessmentInput.county == prefix, AssessmentInput.key.in_(chunk)))
                summed = (
                    select(literal(set_id), literal(level), AssessmentInput.key, literal(prefix),
                           *(func.sum(getattr(AssessmentInput, name)) for name in INPUTS))
                    .where(*mine, AssessmentInput.key.in_(chunk), func.length(AssessmentInput.county) == 6,
                           AssessmentInput.county.startswith(prefix, autoescape=True))
                    .group_by(AssessmentInput.key))
                session.execute(insert(AssessmentInput).from_select(
                    ["set_id", "level", "key", "county", *INPUTS], summed))


def keep(session: Session, counties: Iterable[str], since: dt.date | None, policy: Policy | None = None) -> int:
    """For a write that can change ended quarters' inputs, in its transaction, after its changes and
    with its data-version bump(s) made with `assessment_inputs=False` (before or after this call):
    recount `counties` (those of the households it touched, before and after) in every set valid now
    whose quarter ended on or after `since` (the earliest date the write's records bear, before and
    after; None: any quarter). Sets of other settings are left invalid. How many sets were recounted."""
    from data_access.assessment import Quarter
    from data_access.policy import load_policy

    policy = policy or load_policy(session)
    key = set_key(policy)
    counties = sorted({code[:6] for code in counties if code and len(code) >= 6})
    # the data-version row locked first (as every bump does): a second writer keeping the same sets
    # waits until this one has committed and then counts with its changes (PostgreSQL; SQLite's
    # writers are serial anyway)
    version = session.execute(select(DataVersion.version).where(DataVersion.id == 1).with_for_update()).scalar_one()
    found = session.execute(
        select(AssessmentInputSet.id, AssessmentInputSet.year, AssessmentInputSet.quarter,
               AssessmentInputSet.policy_key)
        .where(AssessmentInputSet.data_version == version)).all()
    recounted = 0
    for set_id, year, number, set_policy in found:
        quarter = Quarter(year, number)
        if set_policy != key:
            session.execute(update(AssessmentInputSet).where(AssessmentInputSet.id == set_id)
                            .values(data_version=-1))
            continue
        if not counties or (since is not None and since > quarter.end):
            continue
        for county in counties:
            _recount(session, set_id, quarter, policy, county)
        recounted += 1
    return recounted


def store_default(session: Session, policy: Policy, today: dt.date) -> list[int]:
    """For the write path once a write has committed (upkeep), in a session that has not written:
    the sets of the quarters 季考核 opens on — the last ended one and the one before (its change from
    last quarter) — stored when none is valid. Their ids (None for one that could not be stored)."""
    from data_access.assessment import Quarter

    last = Quarter.last_ended(today)
    return [_valid(session, quarter, policy) or store(session, quarter, policy) for quarter in (last, last.previous)]
