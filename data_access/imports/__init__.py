"""Import of the exchange workbook (IMPORT_FORMAT.md): reading (reading.py), values as people type
them (parsing.py), every rule of the format (validation.py), upserts in one transaction
(loader.py), problems and the rejects workbook (report.py), the template (template.py).

`run_import` is the one entry point for the CLI and the page: it validates, compares with the
stored rows, and — unless it is a dry run, or there is any problem and `keep_valid` is off —
stores the valid rows, records the run in ImportRun and the audit log, and bumps the data version,
all in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access import (
    assessment_store,
    audit,
    compliance,
    daily_counts,
    db,
    gap_store,
    signals,
    supervision,
    upkeep,
)
from data_access.cases import evidence_store
from data_access.config import current_date
from data_access.imports.loader import (
    HOUSEHOLDS,
    UNITS,
    SheetCounts,
    evidence_pairings,
    gaps_changed,
    load,
    register_changed,
    touched_cadres,
    touched_counties,
    touched_pairings,
)
from data_access.imports.reading import ImportFileError, RawBook, read_bytes, read_path
from data_access.imports.report import listed as listed_problems
from data_access.imports.report import problems_frame, rejects_workbook
from data_access.imports.schema import SHEETS
from data_access.imports.serial import ImportBusyError, take_import_lock
from data_access.imports.template import template_bytes
from data_access.imports.validation import Problem, validate
from data_access.models import ImportRun
from data_access.permissions import Actor, check
from data_access.policy import Policy
from data_access.scope import Scope

__all__ = [
    "ImportBusyError", "ImportFileError", "ImportResult", "Problem", "history", "import_upload", "listed_problems",
    "problems_frame", "read_bytes", "read_path", "run_import", "template_bytes",
]

OUTCOME_STORED = "成功"
OUTCOME_REFUSED = "拒绝"
OUTCOME_PARTIAL = "部分导入"
OUTCOME_PREVIEW = "预览"
COUNT_ORDER = [s.name for s in SHEETS] + [HOUSEHOLDS, UNITS]


@dataclass
class ImportResult:
    file_name: str
    sha256: str
    outcome: str
    counts: dict[str, SheetCounts]
    problems: list[Problem]
    ignored_sheets: tuple[str, ...] = ()
    rejects: bytes | None = None  # the rejects workbook, when rows were rejected
    run_id: int | None = None
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def stored(self) -> bool:
        return self.outcome in (OUTCOME_STORED, OUTCOME_PARTIAL)

    def counts_frame(self) -> pd.DataFrame:
        rows = [
            (name, c.new, c.updated, c.unchanged, c.rejected)
            for name in COUNT_ORDER if (c := self.counts.get(name)) and (c.new or c.updated or c.unchanged or c.rejected)
        ]
        return pd.DataFrame(rows, columns=["工作表", "新增", "更新", "未变", "有错误"])

    def summary(self) -> str:
        parts = []
        for name in COUNT_ORDER:
            c = self.counts.get(name)
            if c and (c.new or c.updated or c.unchanged or c.rejected):
                text = f"{name}：新增 {c.new}，更新 {c.updated}，未变 {c.unchanged}"
                parts.append(text + (f"，有错误 {c.rejected}" if c.rejected else ""))
        return "；".join(parts) or "没有数据行"


def run_import(
    session: Session,
    book: RawBook,
    *,
    actor: Actor,
    policy: Policy,
    today: dt.date | None = None,
    dry_run: bool = False,
    keep_valid: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Check a workbook and (unless `dry_run`) store it, all or nothing (or the valid rows with
    `keep_valid`). Only for an actor who may import; every row must lie in the actor's region.
    `progress(text)` is told each stage as it starts (for the import page's progress display)."""
    check(actor, "import")
    username, scope = actor.username, actor.scope
    started = dt.datetime.now()
    today = today or current_date()
    if not dry_run:
        take_import_lock(session)  # one writing import at a time: a concurrent repeat changes nothing
    evidence_before = db.evidence_version(session)
    tell = progress or (lambda _text: None)
    tell("正在逐行检查……")
    checked = validate(session, book, scope, today)
    refused = bool(checked.problems) and not keep_valid
    write = not dry_run and not refused
    if write:
        tell("正在写入数据……")
        db.claim_signal_writes(session)  # it refreshes the stored signals (signals.refresh_stored)
    loader = load(session, checked, policy, today, write=write, username=username, now=started)
    counts = dict(loader.counts)
    if dry_run:
        outcome = OUTCOME_PREVIEW
    elif refused:
        outcome = OUTCOME_REFUSED
    else:
        outcome = OUTCOME_PARTIAL if checked.problems else OUTCOME_STORED
    result = ImportResult(book.file_name, book.sha256, outcome, counts, checked.problems, book.ignored)
    if keep_valid and checked.problems:
        result.rejects = rejects_workbook(book, checked.rejected, checked.problems)
    if not dry_run:
        result.run_id = _record(session, result, username, scope, write)
    if write:
        # The write path pays: every stored evaluation of the rule is brought up to date for the
        # pairings this import touched, in this transaction (see status_store.refresh); once it
        # commits, today's is stored if there was none and old ones are pruned (upkeep).
        counties = touched_counties(session, checked, loader)
        touched = touched_pairings(session, checked, loader)
        tell(f"正在更新已存的结对达标情况（涉及 {len(touched):,} 个结对）……")
        # a cadre moved to another unit moves their households' figures between units in every
        # quarter: the stored 季考核 inputs are then left to be stored afresh once this commits (upkeep)
        keeps_assessment = not loader.moved_units
        compliance.refresh_stored(session, touched, policy,
                                  lambda done, total: tell(f"正在更新已存的结对达标情况：第 {done}/{total} 个日期"),
                                  loader.moved_units, assessment_kept=keeps_assessment)
        # and the dates the reminders' outcomes follow from, for the same pairings (supervision)
        supervision.refresh_responses(session, policy, pairing_ids=touched, moved_units=loader.moved_units,
                                      version_before=db.status_version(session) - 1)
        # and the per-county daily counts of every county it touched (daily_counts), likewise
        tell(f"正在更新各县每日统计（{len(counties)} 个县）……")
        daily_counts.keep(session, counties, None if loader.households_moved else loader.contact_days,
                          coverage=register_changed(loader))
        # and 案例挖掘's stored evidence of the pairings whose evidence it can have changed
        # (evidence_store.keep), unless it changed a record that could have moved to another household
        found = evidence_pairings(session, checked, loader)
        if found is not None:
            tell(f"正在更新案例挖掘的证据（{len(found):,} 个结对）……")
            evidence_store.keep(session, found, policy, evidence_before)
        # and the stored 季考核 inputs of the quarters its records fall in (none ended: nothing to do),
        # after the evaluations they read (assessment_store)
        if keeps_assessment:
            tell("正在更新已存的季考核计分数据……")
            assessment_store.keep(session, counties, loader.earliest_day, policy)
        # and the stored authenticity signals of the cadres it touched (signal_store.refresh)
        tell("正在更新已存的真实性核查信号……")
        signals.refresh_stored(session, touched_cadres(session, checked, loader, touched), loader.note_keys, policy)
        # and the overdue needs, pairings without successor, pairings awaiting one and unpaired
        # persons kept per day (gap_store), of the same counties and those of the cadres it changed
        gap_store.keep(session, (counties | gap_store.counties_of_cadres(session, loader.changed_cadres))
                       if gaps_changed(loader) else (), policy)
        upkeep.after_commit(session, tell=progress, assessment=not keeps_assessment)
    result.seconds = (dt.datetime.now() - started).total_seconds()
    return result


def _record(session: Session, result: ImportResult, username: str, scope: Scope, wrote: bool) -> int:
    """ImportRun row, audit entry and data version bump, in the import's own transaction."""
    counts = {name: c.as_dict() for name, c in result.counts.items()}
    counts["problems"] = len(result.problems)
    run = ImportRun(
        at=dt.datetime.now().replace(microsecond=0),
        username=username,
        file_name=result.file_name[:300],
        sha256=result.sha256,
        dry_run=False,
        outcome=result.outcome,
        counts=json.dumps(counts, ensure_ascii=False),
    )
    session.add(run)
    session.flush()
    audit.record(session, username, "import", scope.prefix or None, result.file_name,
                 {"outcome": result.outcome, "sha256": result.sha256, "counts": counts})
    # status_version: bumped by status_store.refresh; the 季考核 inputs: kept by run_import; a refused
    # import changes no signal
    db.bump_version(session, status_inputs=False, assessment_inputs=False, signal_inputs=wrote)
    return run.id


HISTORY_COLUMNS = ["时间", "操作人", "文件", "SHA-256", "结果", "新增", "更新", "未变", "有错误", "问题数"]


def history(session: Session, limit: int = 50) -> pd.DataFrame:
    """The latest import runs, newest first, with their counts summed over the sheets."""
    rows = session.execute(
        select(ImportRun.at, ImportRun.username, ImportRun.file_name, ImportRun.sha256, ImportRun.outcome, ImportRun.counts)
        .order_by(ImportRun.at.desc(), ImportRun.id.desc())
        .limit(limit)
    ).all()
    records = []
    for at, username, file_name, sha256, outcome, counts_json in rows:
        counts = json.loads(counts_json or "{}")
        sheets = [c for name, c in counts.items() if name in [s.name for s in SHEETS]]
        total = {k: sum(c.get(k, 0) for c in sheets) for k in ("new", "updated", "unchanged", "rejected")}
        records.append((at, username or "", file_name, sha256[:12], outcome, total["new"], total["updated"],
                        total["unchanged"], total["rejected"], counts.get("problems", 0)))
    return pd.DataFrame(records, columns=HISTORY_COLUMNS)


def count_runs(session: Session) -> int:
    return session.execute(select(func.count()).select_from(ImportRun)).scalar_one()


def import_upload(
    session: Session,
    data: bytes,
    file_name: str,
    *,
    limit_mb: int | None,
    actor: Actor,
    policy: Policy,
    dry_run: bool = True,
    keep_valid: bool = False,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """An uploaded file, previewed (dry run) or stored: the page's one call. Raises ImportFileError
    for a file that is too big or not a workbook."""
    check(actor, "import")
    if progress:
        progress("正在读取文件……")
    book = read_bytes(data, file_name, limit_mb)
    return run_import(session, book, actor=actor, policy=policy, today=today,
                      dry_run=dry_run, keep_valid=keep_valid, progress=progress)
