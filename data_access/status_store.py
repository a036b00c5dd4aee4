"""Stored evaluations of the compliance rule, so a province-wide page does not re-run it per figure.

Evaluating `compliance.pairing_status` reads every active pairing's contacts of the year: 2-6 s
for the 390k pairings of the province demo (SQLite, PostgreSQL), for each figure a page shows. A stored
evaluation is that rule's output written once into `status_rows` for the whole database, one
as-of day and one reading of the rule's settings; the roll-ups and lists then sum those rows
(indexed by region) instead of the contacts. Nothing here computes a status: the rows are exactly
what `pairing_status` returned (the tests compare the two).

An evaluation is valid for the `status_version` it was made at. The write path pays for keeping
them valid: an import calls `refresh` in its own transaction, which re-evaluates the rule for the
pairings the import touched only, in every stored evaluation of the current settings, and carries
them over to the new status_version together with the write (one commit: a reader sees the old
data with the old rows or the new data with the new rows, never a mix). Any other write to
households, pairings or contacts bumps status_version alone (db.bump_version), which makes every
evaluation invalid. Pruning (evaluations of older versions or other settings, days beyond KEEP)
is done by the write path too (`refresh`, `prune`: the import, a change of the rule's settings,
`db evaluate`), in bulk by snapshot key, never in a viewer's request unless more than CAP pile up.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable

from sqlalchemy import (
    Engine,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data_access import db
from data_access.config import current_date
from data_access.flights import single_flight
from data_access.models import (
    Cadre,
    DataVersion,
    Pairing,
    StatusRollup,
    StatusRow,
    StatusSnapshot,
    StatusUnitRollup,
)
from data_access.policy import Policy
from data_access.scope import Scope

# The settings pairing_status reads; an evaluation is keyed on their values.
RULE_SETTINGS = (
    "contacts_per_period", "visits_per_period", "grace_days", "silent_days", "first_visit_days", "as_known",
)
# The keys of evaluations by contact date stay as they were; the 按录入时间 reading adds ";known".
_KEYED = RULE_SETTINGS[:-1]
# Evaluations kept per status_version: the 趋势分析 page stores one per month end of the year (up
# to 12), with today, last year's end (January's deltas) and a spare or two — fewer would make that
# page and the home page evict each other's. About 42 MB each at province scale on SQLite (390k
# rows with their two indexes), so up to about 670 MB; older ones are deleted by the write path.
KEEP = 16
# Beyond this many evaluations a viewer's store prunes too (only when no write has pruned for long:
# many days looked at, no import, no nightly `db evaluate`).
CAP = 2 * KEEP

# The summary figures (compliance.summary) are kept with each evaluation for these region prefix
# lengths: the whole database, a province, a city, a county (status_rollups).
ROLLUP_LENGTHS = (0, 2, 4, 6)
FIGURES = (
    "active_pairings", "pairings_on_track", "pairings_behind", "pairings_silent", "cadres", "cadres_on_track",
    "owed_contacts", "done_contacts", "owed_visits", "done_visits", "first_visits_overdue",
)
# figures(rows subquery, prefix length) -> SELECT region_prefix, *FIGURES (compliance.summary_figures)
Figures = Callable[..., Select]
# The roll-up per work unit kept with each evaluation for the same prefixes (status_unit_rollups),
# summed from cadre_figures(rows subquery, prefix length) -> SELECT region_prefix, cadre_id,
# pairings, is_behind, is_silent, on_track (compliance.cadre_figures): one row per cadre and prefix.
UNIT_FIGURES = ("cadres", "cadres_on_track", "cadres_behind", "cadres_silent", "pairings")
CadreFigures = Callable[..., Select]

COLUMNS = (
    "pairing_id", "cadre_id", "household_id", "village_code", "start_date", "owed_contacts", "owed_visits",
    "done_contacts", "done_visits", "last_contact", "is_behind", "is_silent", "first_visit_overdue",
)


def reads_any(settings) -> bool:
    """Whether changing these policy settings changes the rule's output (and so its evaluations)."""
    return bool(set(settings) & set(RULE_SETTINGS))


def policy_key(policy: Policy) -> str:
    return ";".join(f"{name}={getattr(policy, name)}" for name in _KEYED) + (";known" if policy.as_known else "")


def _lookup(as_of: dt.date, key: str, version) -> Select:
    return select(StatusSnapshot.id).where(
        StatusSnapshot.as_of == as_of, StatusSnapshot.policy_key == key, StatusSnapshot.status_version == version
    )


def find(session: Session, as_of: dt.date, policy: Policy) -> int | None:
    """The id of the stored evaluation valid now for `as_of` and `policy`, if there is one."""
    return session.scalar(_lookup(as_of, policy_key(policy), db.status_version(session)))


def rows(snapshot_id: int, scope: Scope) -> Select:
    """The evaluation's rows inside `scope`, with pairing_status's columns in its order."""
    return select(*(getattr(StatusRow, name) for name in COLUMNS)).where(
        StatusRow.snapshot_id == snapshot_id, scope.within(StatusRow.village_code)
    )


def rollup(session: Session, snapshot_id: int, prefix: str) -> tuple[int, ...] | None:
    """The summary figures kept with the evaluation for region `prefix` (FIGURES order), or None
    when none are kept for it (then sum its rows)."""
    found = session.execute(
        select(*(getattr(StatusRollup, name) for name in FIGURES))
        .where(StatusRollup.snapshot_id == snapshot_id, StatusRollup.region_prefix == prefix)
    ).one_or_none()
    if found is None:
        # no row for a region: zeros if the evaluation keeps figures at all, else unknown
        kept = session.scalar(select(StatusRollup.active_pairings).where(
            StatusRollup.snapshot_id == snapshot_id, StatusRollup.region_prefix == ""))
        return None if kept is None else (0,) * len(FIGURES)
    return tuple(int(v) for v in found)


def rollups_within(snapshot_id: int, prefix: str, length: int) -> Select:
    """The summary figures kept with the evaluation for each region of `length` digits inside
    `prefix` (one of ROLLUP_LENGTHS): region_prefix and FIGURES; valid when `rollup` is not None."""
    return select(StatusRollup.region_prefix, *(getattr(StatusRollup, name) for name in FIGURES)).where(
        StatusRollup.snapshot_id == snapshot_id, func.length(StatusRollup.region_prefix) == length,
        StatusRollup.region_prefix.startswith(prefix, autoescape=True))


def unit_rollup(snapshot_id: int, prefix: str) -> Select:
    """The figures per work unit kept with the evaluation for region `prefix`: unit_id and
    UNIT_FIGURES (valid only when `units_kept(snapshot_id)` is true)."""
    return select(StatusUnitRollup.unit_id, *(getattr(StatusUnitRollup, name) for name in UNIT_FIGURES)).where(
        StatusUnitRollup.snapshot_id == snapshot_id, StatusUnitRollup.region_prefix == prefix)


def units_kept(snapshot_id: int) -> Select:
    """SQL scalar: whether the evaluation keeps its figures per work unit."""
    return select(StatusSnapshot.units_kept).where(StatusSnapshot.id == snapshot_id)


def _store_units(connection, snapshot_id: int, cadre_figures: CadreFigures) -> None:
    """The figures per unit and region prefix of the whole evaluation, summed in the database."""
    rows = select(*(getattr(StatusRow, name) for name in COLUMNS)).where(
        StatusRow.snapshot_id == snapshot_id).subquery("pairing_status")
    for length in ROLLUP_LENGTHS:
        per_cadre = cadre_figures(rows, length).subquery("cadre_figures")
        c = per_cadre.c
        per_unit = (
            select(literal(snapshot_id), c.region_prefix, Cadre.unit_id, func.count(), func.sum(c.on_track),
                   func.sum(c.is_behind), func.sum(c.is_silent), func.sum(c.pairings))
            .join(Cadre, Cadre.id == c.cadre_id)
            .group_by(c.region_prefix, Cadre.unit_id)
        )
        connection.execute(insert(StatusUnitRollup).from_select(
            ["snapshot_id", "region_prefix", "unit_id", *UNIT_FIGURES], per_unit))
    connection.execute(update(StatusSnapshot).where(StatusSnapshot.id == snapshot_id).values(units_kept=True))


def _store_figures(connection, snapshot_id: int, figures: Figures) -> None:
    connection.execute(insert(StatusRollup), [
        {"snapshot_id": snapshot_id, "region_prefix": prefix, **dict(zip(FIGURES, values, strict=True))}
        for prefix, values in _figures(connection, snapshot_id, figures).items()
    ])


def _figures(connection, snapshot_id: int, figures: Figures, where=None) -> dict[str, list[int]]:
    """The summary figures of the evaluation's rows (those matching `where`) per region prefix of
    every ROLLUP_LENGTHS length."""
    conditions = [StatusRow.snapshot_id == snapshot_id] + ([] if where is None else [where])
    rows = select(*(getattr(StatusRow, name) for name in COLUMNS)).where(*conditions).subquery("pairing_status")
    found: dict[str, list[int]] = {}
    for length in ROLLUP_LENGTHS:
        for prefix, *values in connection.execute(figures(rows, length)):
            found[prefix] = [int(v) for v in values]
    return found


def can_store_from(session: Session) -> bool:
    """Whether an evaluation may be stored while `session` is open: not when the session has
    written (its own changes would be missing from the evaluation, and on SQLite the other
    connection would wait for its write lock)."""
    if db.is_postgres(session):
        return session.scalar(text("SELECT txid_current_if_assigned()")) is None
    return not session.connection().connection.driver_connection.in_transaction


def store(engine: Engine, as_of: dt.date, policy: Policy, rule: Select, figures: Figures | None = None,
          cadre_figures: CadreFigures | None = None) -> int:
    """Evaluate `rule` (pairing_status over the whole database on `as_of` under `policy`) in its
    own transaction, store it and return its id; with `figures`, its summary figures per region
    too (status_rollups), with `cadre_figures` its figures per unit and region (status_unit_rollups).
    In one process, one thread at a time stores a given day and policy (flights.single_flight): the
    others wait and then find it stored; on SQLite one evaluation of any day at a time (it has one
    writer: a second store waited for the first's write lock, past the busy timeout under load).
    When another process stores the same evaluation at the same time, the unique key lets one win
    and the other returns the winner's id."""
    key = policy_key(policy)
    which = (as_of, key) if engine.dialect.name == "postgresql" else ()
    with single_flight(("status_store.store", engine.url.render_as_string(), *which)):
        return _store(engine, as_of, key, rule, figures, cadre_figures)


def _store(engine: Engine, as_of: dt.date, key: str, rule: Select, figures: Figures | None,
           cadre_figures: CadreFigures | None) -> int:
    started = time.perf_counter()
    try:
        with engine.begin() as connection:
            version = connection.scalar(select(DataVersion.status_version).where(DataVersion.id == 1))
            existing = connection.scalar(_lookup(as_of, key, version))
            if existing is not None:
                if figures is not None and connection.scalar(select(StatusRollup.snapshot_id).where(
                        StatusRollup.snapshot_id == existing, StatusRollup.region_prefix == "")) is None:
                    _store_figures(connection, existing, figures)  # stored before figures were kept
                if cadre_figures is not None and not connection.scalar(units_kept(existing)):
                    _store_units(connection, existing, cadre_figures)  # stored before units were kept
                return existing
            snapshot_id = connection.scalar(
                insert(StatusSnapshot)
                .values(as_of=as_of, policy_key=key, status_version=version, built_at=dt.datetime.now(),
                        pairings=0, build_ms=0)
                .returning(StatusSnapshot.id)
            )
            evaluated = rule.subquery("pairing_status")
            connection.execute(
                insert(StatusRow).from_select(
                    ["snapshot_id", *COLUMNS],
                    select(literal(snapshot_id), *(evaluated.c[name] for name in COLUMNS)),
                )
            )
            # PostgreSQL: the planner's statistics know the new snapshot id before it is read, by
            # the figures below as by every reader after (db.analyze: else its rows are taken for
            # about one, and 季考核's count over them ran for over 17 minutes)
            db.analyze(connection, "status_rows")
            if figures is not None:
                _store_figures(connection, snapshot_id, figures)
            if cadre_figures is not None:
                _store_units(connection, snapshot_id, cadre_figures)
            pairings = connection.scalar(select(func.count()).where(StatusRow.snapshot_id == snapshot_id))
            connection.execute(
                update(StatusSnapshot)
                .where(StatusSnapshot.id == snapshot_id)
                .values(pairings=pairings, build_ms=int((time.perf_counter() - started) * 1000))
            )
            if connection.scalar(select(func.count()).select_from(StatusSnapshot)) > CAP:
                _prune(connection, version, key)
            db.analyze(connection, "status_rollups", "status_unit_rollups")  # likewise
            return snapshot_id
    except IntegrityError:
        with engine.connect() as connection:
            version = connection.scalar(select(DataVersion.status_version).where(DataVersion.id == 1))
            found = connection.scalar(_lookup(as_of, key, version))
        if found is None:
            raise
        return found


def prune(engine: Engine, policy: Policy) -> int:
    """For the write path (after an import, a change of the rule's settings, `db evaluate`): delete
    evaluations of older versions or other settings and all but the KEEP newest of the current
    ones, in their own transaction. Returns how many were deleted."""
    with engine.begin() as connection:
        version = connection.scalar(select(DataVersion.status_version).where(DataVersion.id == 1))
        return _prune(connection, version, policy_key(policy))


def _prune(connection, version: int, key: str) -> int:
    """Delete evaluations of other versions or settings, and all but the KEEP newest of this one;
    today's is kept however many other days were looked at since (most viewers look at today).
    One bulk DELETE per table by snapshot id (the leading column of both tables' keys)."""
    current = select(StatusSnapshot.id).where(
        StatusSnapshot.status_version == version, StatusSnapshot.policy_key == key
    )
    keep = set(connection.scalars(current.order_by(StatusSnapshot.id.desc()).limit(KEEP)))
    keep |= set(connection.scalars(current.where(StatusSnapshot.as_of == current_date())))
    stale = [i for i in connection.scalars(select(StatusSnapshot.id)) if i not in keep]
    if stale:
        connection.execute(delete(StatusRow).where(StatusRow.snapshot_id.in_(stale)))
        connection.execute(delete(StatusRollup).where(StatusRollup.snapshot_id.in_(stale)))
        connection.execute(delete(StatusUnitRollup).where(StatusUnitRollup.snapshot_id.in_(stale)))
        connection.execute(delete(StatusSnapshot).where(StatusSnapshot.id.in_(stale)))
    return len(stale)


# Pairing ids per statement in `refresh`: a literal IN list is pushed into the rule's grouped
# query by both backends (an IN over a temporary table is not: the whole province was evaluated).
CHUNK = 2000


def refresh(
    session: Session, pairing_ids: Iterable[int], policy: Policy, rule: Callable[[dt.date], Select],
    progress: Callable[[int, int], None] | None = None, figures: Figures | None = None,
    cadre_figures: CadreFigures | None = None, moved_units: dict[int, int] | None = None,
    assessment_kept: bool = False,
) -> list[int]:
    """In a write's own transaction, after it has written households, pairings or contacts: bump
    status_version (db.bump_version) and keep every stored evaluation of `policy` valid across it
    by re-evaluating `rule(as_of)` (pairing_status over the whole database) for `pairing_ids` only —
    every pairing whose row, household or contacts the write touched; the others' rows cannot have
    changed. Evaluations of other settings or older versions are deleted. Returns the ids kept.

    The bump comes first: on PostgreSQL its row lock makes a second writer wait until this one has
    committed, so its re-evaluation reads this one's rows; on SQLite writers are serial anyway.
    `progress(done, total)` is called after each evaluation refreshed.

    The kept summary figures (status_rollups) are corrected by difference: every figure is a sum
    over cadres (a cadre's pairings inside the region), and only the touched pairings' cadres can
    have changed, so figures(their rows after) - figures(their rows before) is added to each
    region's figures — the cadres' rows read through the (snapshot_id, cadre_id) index. The figures
    per work unit (status_unit_rollups) likewise, over the same cadres and those the write moved
    to another unit (`moved_units`: cadre id -> the unit it was in): their figures before are taken
    off the unit they were counted under, their figures after added to the unit they are in now.
    `assessment_kept`: the caller keeps the stored 季考核 inputs in this transaction (assessment_store.keep),
    so the bump carries them over; else it leaves them invalid."""
    key = policy_key(policy)
    db.bump_version(session, assessment_inputs=not assessment_kept)
    new = db.status_version(session)
    kept = list(session.execute(
        select(StatusSnapshot.id, StatusSnapshot.as_of).where(
            StatusSnapshot.status_version == new - 1, StatusSnapshot.policy_key == key)
    ))
    connection = session.connection()
    ids = sorted(set(pairing_ids))
    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    cadres: list[int] = []
    for chunk in chunks:
        cadres.extend(session.scalars(select(Pairing.cadre_id).where(Pairing.id.in_(chunk)).distinct()))
    cadre_chunks = [sorted(set(cadres))[i:i + CHUNK] for i in range(0, len(set(cadres)), CHUNK)]
    moved_units = moved_units or {}
    unit_cadres = sorted(set(cadres) | set(moved_units))
    unit_chunks = [unit_cadres[i:i + CHUNK] for i in range(0, len(unit_cadres), CHUNK)]
    unit_now: dict[int, int] = {}
    for chunk in unit_chunks:
        unit_now.update(session.execute(select(Cadre.id, Cadre.unit_id).where(Cadre.id.in_(chunk))).all())
    unit_before = {**unit_now, **moved_units}
    for done, (snapshot_id, as_of) in enumerate(kept if ids or moved_units else [], start=1):
        keeps_figures = figures is not None and connection.scalar(select(StatusRollup.snapshot_id).where(
            StatusRollup.snapshot_id == snapshot_id, StatusRollup.region_prefix == "")) is not None
        keeps_units = cadre_figures is not None and bool(connection.scalar(units_kept(snapshot_id)))
        if keeps_figures:
            before = _cadres_figures(connection, snapshot_id, figures, cadre_chunks)
        if keeps_units:
            units_before = _units_figures(connection, snapshot_id, cadre_figures, unit_chunks, unit_before)
        evaluated = rule(as_of).subquery("pairing_status")
        change = 0
        for chunk in chunks:
            # counted, not a driver's rowcount (psycopg gives -1 for INSERT .. SELECT)
            mine = and_(StatusRow.snapshot_id == snapshot_id, StatusRow.pairing_id.in_(chunk))
            change -= connection.scalar(select(func.count()).where(mine))
            connection.execute(delete(StatusRow).where(mine))
            connection.execute(
                insert(StatusRow).from_select(
                    ["snapshot_id", *COLUMNS],
                    select(literal(snapshot_id), *(evaluated.c[name] for name in COLUMNS))
                    .where(evaluated.c.pairing_id.in_(chunk)),
                )
            )
            change += connection.scalar(select(func.count()).where(mine))
        connection.execute(
            update(StatusSnapshot).where(StatusSnapshot.id == snapshot_id)
            .values(pairings=StatusSnapshot.pairings + change)
        )
        if keeps_figures:
            _add_figures(connection, snapshot_id, before, _cadres_figures(connection, snapshot_id, figures, cadre_chunks))
        elif figures is not None:  # figures never kept for it: drop any, pages sum its rows
            connection.execute(delete(StatusRollup).where(StatusRollup.snapshot_id == snapshot_id))
        if keeps_units:
            _add_units(connection, snapshot_id, units_before,
                       _units_figures(connection, snapshot_id, cadre_figures, unit_chunks, unit_now))
        elif cadre_figures is not None:  # never kept for it: drop any, pages sum its rows
            connection.execute(delete(StatusUnitRollup).where(StatusUnitRollup.snapshot_id == snapshot_id))
        if progress:
            progress(done, len(kept))
    if kept:
        connection.execute(
            update(StatusSnapshot).where(StatusSnapshot.id.in_([i for i, _ in kept])).values(status_version=new)
        )
    _prune(connection, new, key)
    return [i for i, _ in kept]


def _cadres_figures(connection, snapshot_id: int, figures: Figures, cadre_chunks) -> dict[str, list[int]]:
    """The summary figures, per region, of the evaluation's rows of these cadres only."""
    total: dict[str, list[int]] = {}
    for chunk in cadre_chunks:
        for prefix, values in _figures(connection, snapshot_id, figures, StatusRow.cadre_id.in_(chunk)).items():
            if prefix in total:
                total[prefix] = [a + b for a, b in zip(total[prefix], values, strict=True)]
            else:
                total[prefix] = values
    return total


def _add_figures(connection, snapshot_id: int, before: dict[str, list[int]], after: dict[str, list[int]]) -> None:
    zero = [0] * len(FIGURES)
    for prefix in sorted(set(before) | set(after)):
        difference = [a - b for a, b in zip(after.get(prefix, zero), before.get(prefix, zero), strict=True)]
        if not any(difference):
            continue
        key = and_(StatusRollup.snapshot_id == snapshot_id, StatusRollup.region_prefix == prefix)
        if connection.scalar(select(StatusRollup.snapshot_id).where(key)) is None:
            connection.execute(insert(StatusRollup).values(
                snapshot_id=snapshot_id, region_prefix=prefix, **dict(zip(FIGURES, difference, strict=True))))
        else:
            connection.execute(update(StatusRollup).where(key).values(
                **{name: getattr(StatusRollup, name) + d for name, d in zip(FIGURES, difference, strict=True)}))


def _units_figures(connection, snapshot_id: int, cadre_figures: CadreFigures, cadre_chunks,
                   unit_of: dict[int, int]) -> dict[tuple[str, int], list[int]]:
    """UNIT_FIGURES per (region prefix, unit) of these cadres' rows in the evaluation, each cadre
    counted under `unit_of[cadre]`. Read per cadre and county, then merged up to the city, province
    and whole database in Python (a cadre's worst status over a wider region is the worst of its
    counties': the maxima of is_behind and is_silent, the minimum of on_track)."""
    per_cadre: dict[tuple[str, int], list[int]] = {}
    county = max(ROLLUP_LENGTHS)
    for chunk in cadre_chunks:
        rows = select(*(getattr(StatusRow, name) for name in COLUMNS)).where(
            StatusRow.snapshot_id == snapshot_id, StatusRow.cadre_id.in_(chunk)).subquery("pairing_status")
        for prefix, cadre_id, pairings, behind, silent, on_track in connection.execute(cadre_figures(rows, county)):
            for length in ROLLUP_LENGTHS:
                key = (prefix[:length], cadre_id)
                values = [int(pairings), int(behind), int(silent), int(on_track)]
                if key in per_cadre:
                    old = per_cadre[key]
                    per_cadre[key] = [old[0] + values[0], max(old[1], values[1]), max(old[2], values[2]),
                                      min(old[3], values[3])]
                else:
                    per_cadre[key] = values
    found: dict[tuple[str, int], list[int]] = {}
    for (prefix, cadre_id), (pairings, behind, silent, on_track) in per_cadre.items():
        figures = found.setdefault((prefix, unit_of[cadre_id]), [0] * len(UNIT_FIGURES))
        for i, value in enumerate((1, on_track, behind, silent, pairings)):
            figures[i] += value
    return found


def _add_units(connection, snapshot_id: int, before: dict[tuple[str, int], list[int]],
               after: dict[tuple[str, int], list[int]]) -> None:
    """Add after − before to the kept figures per (region prefix, unit): one UPDATE executed for
    every row that exists and one INSERT for the others (hundreds per evaluation for a county's
    import), then rows left with no cadre deleted."""
    zero = [0] * len(UNIT_FIGURES)
    changes = {}
    for key in set(before) | set(after):
        difference = [a - b for a, b in zip(after.get(key, zero), before.get(key, zero), strict=True)]
        if any(difference):
            changes[key] = difference
    if not changes:
        return
    existing = set()
    units = sorted({unit_id for _, unit_id in changes})
    for i in range(0, len(units), CHUNK):
        existing.update(connection.execute(select(StatusUnitRollup.region_prefix, StatusUnitRollup.unit_id).where(
            StatusUnitRollup.snapshot_id == snapshot_id, StatusUnitRollup.unit_id.in_(units[i:i + CHUNK]))).all())
    updates = [{"p": prefix, "u": unit_id, **{f"d_{name}": d for name, d in zip(UNIT_FIGURES, difference, strict=True)}}
               for (prefix, unit_id), difference in sorted(changes.items()) if (prefix, unit_id) in existing]
    inserts = [{"snapshot_id": snapshot_id, "region_prefix": prefix, "unit_id": unit_id,
                **dict(zip(UNIT_FIGURES, difference, strict=True))}
               for (prefix, unit_id), difference in sorted(changes.items()) if (prefix, unit_id) not in existing]
    if updates:
        connection.execute(
            update(StatusUnitRollup)
            .where(StatusUnitRollup.snapshot_id == snapshot_id, StatusUnitRollup.region_prefix == bindparam("p"),
                   StatusUnitRollup.unit_id == bindparam("u"))
            .values(**{name: getattr(StatusUnitRollup, name) + bindparam(f"d_{name}") for name in UNIT_FIGURES}),
            updates,
        )
    if inserts:
        connection.execute(insert(StatusUnitRollup), inserts)
    if any(difference[0] < 0 for difference in changes.values()):
        # a unit left with no cadre in a region is not listed there (as the live roll-up)
        connection.execute(delete(StatusUnitRollup).where(
            StatusUnitRollup.snapshot_id == snapshot_id, StatusUnitRollup.cadres <= 0))


def clear(engine: Engine) -> None:
    """Delete every stored evaluation (the next wide read evaluates again)."""
    with engine.begin() as connection:
        connection.execute(delete(StatusRow))
        connection.execute(delete(StatusRollup))
        connection.execute(delete(StatusUnitRollup))
        connection.execute(delete(StatusSnapshot))


def stored(session: Session) -> list[dict]:
    """The stored evaluations, newest first (for the `db status` command and tests)."""
    statement = select(
        StatusSnapshot.id, StatusSnapshot.as_of, StatusSnapshot.policy_key, StatusSnapshot.status_version,
        StatusSnapshot.built_at, StatusSnapshot.pairings, StatusSnapshot.build_ms,
    ).order_by(StatusSnapshot.id.desc())
    return [dict(r._mapping) for r in session.execute(statement)]
