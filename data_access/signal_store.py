"""Stored evaluations of the authenticity signals (真实性核查), so a province-wide page does not
re-read the year's contacts (millions of records) for every figure.

A stored evaluation is exactly `signals.located_counts` over the whole database — (cadre, township,
signal, records behind it) — for one as-of day and one reading of the settings, written into
`signal_counts`. Nothing here computes a signal: `live(cadres)` is the signals module's own
reading (every cadre, or the cadres given), and the tests compare stored and live rows.

An evaluation is valid for the `signal_version` it was made at (db.bump_version bumps it with every
write that can change a signal: contacts, pairings, households, 回访, 提醒督办 — every write but
needs, cases and accounts). A write keeps the evaluations valid by calling `refresh` in its own
transaction with the cadres it touched: their rows are read again and the evaluation carried over
to the new signal_version with the write (one commit: a reader sees the old data with the old rows
or the new data with the new rows, never a mix). A write that does not call it leaves them invalid,
and pages read the signals live until the write path stores a new one (upkeep.after_write, the
nightly `db evaluate`) — never a stale figure.

Which cadres a write touches: a signal's rows are a cadre's own (their contacts, pairings, 回访,
the 督办 on their pairings), except 雷同记录, where a note on records of two or more cadres flags
each of them: a write of a note also touches every cadre whose records carry the same text
(`note_keys`, old and new).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable

from sqlalchemy import Select, delete, insert, select, update
from sqlalchemy.orm import Session

from data_access import db, status_store
from data_access.models import Contact, Pairing, SignalCount, SignalEvaluation
from data_access.policy import Policy
from data_access.scope import Scope

# The settings the signals read (with the rule's, which 只联不访 reads through pairing_status).
SIGNAL_SETTINGS = (
    "late_entry_days", "burst_size", "burst_span_days", "deadline_window_days", "min_note_chars",
    "dup_note_count", "min_contacts_no_visit",
)
# Evaluations kept (the newest valid ones; today's and a month end or two are what pages ask for).
KEEP = 4
CHUNK = 500
# A write touching more cadres than this (a province-wide import) leaves the evaluations invalid:
# storing afresh once it commits (upkeep) is cheaper than re-reading them chunk by chunk.
MOST_CADRES = 20_000

# live(cadres or None) -> rows (cadre_id, township, signal, records): signals.live_located_counts
Live = Callable[[list[int] | None], list[tuple[int, str, str, int]]]


def reads_any(settings) -> bool:
    """Whether changing these settings changes the signals (and so which evaluation is valid)."""
    return bool(set(settings) & set(SIGNAL_SETTINGS)) or status_store.reads_any(settings)


def policy_key(policy: Policy) -> str:
    return ";".join(f"{name}={getattr(policy, name)}" for name in SIGNAL_SETTINGS) + "|" + status_store.policy_key(policy)


def find(session: Session, as_of: dt.date, policy: Policy) -> int | None:
    """The id of the stored evaluation valid now for `as_of` and `policy`, if there is one."""
    return session.scalar(
        select(SignalEvaluation.id).where(
            SignalEvaluation.as_of == as_of, SignalEvaluation.policy_key == policy_key(policy),
            SignalEvaluation.signal_version == db.signal_version(session),
        ).order_by(SignalEvaluation.id.desc()).limit(1)
    )


def rows(evaluation_id: int, scope: Scope, signals: tuple[str, ...], cadre_ids: list[int] | None = None) -> Select:
    """SQL: the evaluation's rows (cadre_id, township, signal, records) whose township lies in
    `scope` (a township or wider), of `cadre_ids` only when given — what signals.py aggregates."""
    statement = select(SignalCount.cadre_id, SignalCount.township, SignalCount.signal, SignalCount.records).where(
        SignalCount.evaluation_id == evaluation_id, scope.within(SignalCount.township),
        SignalCount.signal.in_(signals),
    )
    return statement if cadre_ids is None else statement.where(SignalCount.cadre_id.in_(cadre_ids))


def counts(session: Session, evaluation_id: int, scope: Scope, signals: tuple[str, ...],
           cadre_ids: list[int] | None = None) -> list[tuple[int, str, str, int]]:
    """The evaluation's rows whose township lies in `scope` (a township or wider), of `cadre_ids`
    only when given."""
    statement = rows(evaluation_id, scope, signals)
    if cadre_ids is None:
        return [(int(c), str(t), str(s), int(n)) for c, t, s, n in session.execute(statement)]
    found = []
    for start in range(0, len(cadre_ids), CHUNK):
        chunk = statement.where(SignalCount.cadre_id.in_(cadre_ids[start:start + CHUNK]))
        found.extend((int(c), str(t), str(s), int(n)) for c, t, s, n in session.execute(chunk))
    return found


def _write(session: Session, evaluation_id: int, rows: list[tuple[int, str, str, int]]) -> None:
    if rows:
        session.execute(insert(SignalCount), [
            {"evaluation_id": evaluation_id, "cadre_id": c, "township": t, "signal": s, "records": n}
            for c, t, s, n in rows
        ])


def store(session: Session, as_of: dt.date, policy: Policy, live: Live) -> int:
    """Evaluate the signals over the whole database for `as_of` and store them (valid at the current
    signal_version); older evaluations of the day and invalid ones are deleted. Returns its id."""
    started = time.perf_counter()
    version = db.signal_version(session)
    rows = live(None)
    evaluation = SignalEvaluation(as_of=as_of, policy_key=policy_key(policy), signal_version=version,
                                  built_at=dt.datetime.now().replace(microsecond=0), build_ms=0)
    session.add(evaluation)
    session.flush()
    _write(session, evaluation.id, rows)
    evaluation.build_ms = int((time.perf_counter() - started) * 1000)
    prune(session, policy, keep=evaluation.id)
    db.analyze(session, "signal_counts")  # PostgreSQL: the new evaluation id known to the planner
    return evaluation.id


def ensure(session: Session, as_of: dt.date, policy: Policy, live: Live) -> int:
    """The valid evaluation of `as_of`, stored first when there is none (the write path's upkeep)."""
    return find(session, as_of, policy) or store(session, as_of, policy, live)


def prune(session: Session, policy: Policy, keep: int | None = None) -> None:
    """Delete evaluations that are invalid (another signal_version or other settings) and all but
    the KEEP newest valid ones."""
    valid = list(session.scalars(
        select(SignalEvaluation.id).where(
            SignalEvaluation.signal_version == db.signal_version(session),
            SignalEvaluation.policy_key == policy_key(policy),
        ).order_by(SignalEvaluation.id.desc())
    ))
    kept = set(valid[:KEEP]) | ({keep} if keep else set())
    gone = list(session.scalars(select(SignalEvaluation.id).where(SignalEvaluation.id.not_in(kept))))
    for start in range(0, len(gone), CHUNK):
        chunk = gone[start:start + CHUNK]
        session.execute(delete(SignalCount).where(SignalCount.evaluation_id.in_(chunk)))
        session.execute(delete(SignalEvaluation).where(SignalEvaluation.id.in_(chunk)))


def sharing_cadres(session: Session, note_keys: Iterable[str | None]) -> set[int]:
    """Cadres with a record carrying one of these note texts (any date: a few too many is harmless)."""
    keys = sorted({k for k in note_keys if k})
    found: set[int] = set()
    for start in range(0, len(keys), CHUNK):
        found.update(session.scalars(
            select(Pairing.cadre_id).join(Contact, Contact.pairing_id == Pairing.id)
            .where(Contact.note_key.in_(keys[start:start + CHUNK])).distinct()
        ))
    return found


def refresh(session: Session, policy: Policy, cadre_ids: Iterable[int | None], live: Callable[[dt.date, list[int]], list],
            note_keys: Iterable[str | None] = ()) -> list[int]:
    """In a write's own transaction, after its last db.bump_version (the write called
    db.claim_signal_writes before writing): carry every evaluation valid before the write (the
    signal_version before its first bump) over to the new signal_version,
    reading again the rows of `cadre_ids` and of the cadres whose records share one of `note_keys`
    (`live(as_of, cadres)`). Returns the ids carried over (the others stay invalid)."""
    before = db.signal_version_before(session)
    if before is None:
        return []
    now = db.signal_version(session)
    db.signal_writes_carried(session)
    kept = list(session.execute(
        select(SignalEvaluation.id, SignalEvaluation.as_of).where(
            SignalEvaluation.signal_version == before, SignalEvaluation.policy_key == policy_key(policy))
    ))
    if not kept:
        return []
    session.flush()  # the write's own rows, read below
    cadres = sorted({c for c in cadre_ids if c is not None} | sharing_cadres(session, note_keys))
    if len(cadres) > MOST_CADRES:
        return []  # left invalid: stored afresh once the write commits (upkeep)
    for evaluation_id, as_of in kept:
        for start in range(0, len(cadres), CHUNK):
            chunk = cadres[start:start + CHUNK]
            session.execute(delete(SignalCount).where(SignalCount.evaluation_id == evaluation_id,
                                                      SignalCount.cadre_id.in_(chunk)))
            _write(session, evaluation_id, live(as_of, chunk))
    session.execute(update(SignalEvaluation).where(SignalEvaluation.id.in_([i for i, _ in kept]))
                    .values(signal_version=now))
    return [i for i, _ in kept]
