"""案例挖掘's evidence kept by the write path (data_access.cases.evidence_store) equals the evidence
read from the records (cases.evidence_rows, live), on SQLite and PostgreSQL: when stored, after a
contact and a survey recorded in the app and after imports adding contacts, needs and policy
deliveries (kept in the write's own transaction: the same set carried over); a write that does not
keep it makes it invalid (a new one is stored, never a stale one read); an import in one process is
read at once by another."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from sqlalchemy import select, update

from data_access import cases, imports, needs, recording, return_visits, turnover, verification
from data_access import models as m
from data_access.cases import evidence_store
from data_access.cases.candidates import EVIDENCE_COLUMNS, evidence_rows
from data_access.db import bump_version, session_scope
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests import case_scenario as sc
from tests.import_workbooks import ADULT_ID, base_sheets, write_xlsx

START = dt.date(sc.AS_OF.year, 1, 1)
ADMIN = Actor("省级管理员", "admin")


def live(url, as_of=sc.AS_OF, start=START, policy=Policy()) -> list[tuple]:  # noqa: B008 - frozen
    with session_scope(url) as s:
        rows = s.execute(evidence_rows(s, EVERYWHERE, as_of, policy, start).order_by("pairing_id")).all()
    return [tuple(r) for r in rows]


def kept(url, as_of=sc.AS_OF, start=START, policy=Policy()) -> tuple[int | None, list[tuple]]:  # noqa: B008
    with session_scope(url) as s:
        set_id = evidence_store.find(s, as_of, start, policy)
        if set_id is None:
            return None, []
        rows = s.execute(select(*(getattr(m.CaseEvidenceRow, c) for c in EVIDENCE_COLUMNS))
                         .where(m.CaseEvidenceRow.set_id == set_id).order_by(m.CaseEvidenceRow.pairing_id)).all()
    return set_id, [tuple(r) for r in rows]


def ranking(url, scope, live_from=None) -> list[tuple]:
    """The first page of candidates; with `live_from` (pytest's monkeypatch) read from the records."""
    if live_from is not None:
        live_from.setattr(evidence_store, "READ_UP_TO_PREFIX", -1)
    try:
        with session_scope(url) as s:
            page = cases.candidates(s, scope, sc.AS_OF, Policy())
    finally:
        if live_from is not None:
            live_from.undo()
    return list(zip(page.rows["pairing_id"], page.rows["得分"], page.rows["推荐理由"], strict=True))


def test_stored_evidence_equals_the_records_and_is_kept_by_recording(db_url, monkeypatch):
    with session_scope(db_url) as s:
        ids = sc.build(s)
    with session_scope(db_url) as s:
        first = evidence_store.store_default(s, sc.AS_OF, Policy())
    set_id, rows = kept(db_url)
    assert set_id == first and rows == live(db_url) and len(rows) == 3
    # the whole database and the county read the stored rows: the same ranking as the records'
    assert ranking(db_url, EVERYWHERE) == ranking(db_url, Scope(b.COUNTY)) == ranking(db_url, EVERYWHERE, monkeypatch) != []
    before = {r[0]: r for r in rows}[ids.p3]
    with session_scope(db_url) as s:  # a long note on H3, recorded in the app
        recording.add_contact(s, ids.p3, sc.AS_OF - dt.timedelta(days=3), "实地走访", "入户" + sc.LONG,
                              actor=ADMIN, now=dt.datetime(2025, 12, 31, 9))
    set_id, rows = kept(db_url)
    assert set_id == first, "the recording keeps the set (carried over), not made afresh"
    assert rows == live(db_url)
    after = {r[0]: r for r in rows}[ids.p3]
    assert after[EVIDENCE_COLUMNS.index("rich_notes")] == before[EVIDENCE_COLUMNS.index("rich_notes")] + 1
    assert ids.p3 in [p for p, _, _ in ranking(db_url, EVERYWHERE)]  # now a candidate
    assert ranking(db_url, EVERYWHERE) == ranking(db_url, EVERYWHERE, monkeypatch)


def test_a_write_that_does_not_keep_it_is_never_read_stale(db_url, monkeypatch):
    with session_scope(db_url) as s:
        ids = sc.build(s)
    with session_scope(db_url) as s:
        evidence_store.store_default(s, sc.AS_OF, Policy())
    with session_scope(db_url) as s:  # a survey now 不满意, written without keeping the evidence
        s.execute(update(m.Satisfaction).values(level="不满意"))
        bump_version(s, status_inputs=False)
    assert kept(db_url) == (None, [])
    assert ranking(db_url, Scope(b.COUNTY)) == ranking(db_url, EVERYWHERE, monkeypatch)  # the county: read live
    assert kept(db_url) == (None, [])  # a county does not store a set
    assert ranking(db_url, EVERYWHERE) == ranking(db_url, EVERYWHERE, monkeypatch)  # stored afresh for the viewer
    set_id, rows = kept(db_url)
    assert set_id is not None and rows == live(db_url)
    assert {r[0]: r for r in rows}[ids.p1][EVIDENCE_COLUMNS.index("dissatisfied")] >= 1
    # a reminder or an account cannot change evidence: the set stays valid
    with session_scope(db_url) as s:
        bump_version(s, status_inputs=False, evidence_inputs=False)
    assert kept(db_url)[0] == set_id


def test_a_need_solved_and_a_return_visit_keep_it_and_a_cadre_status_or_an_export_leaves_it(db_url):
    """The writes of 诉求台账, 回访核实, 干部状态 and 数据核查's export: none leaves the set invalid for
    the next viewer (who would store it afresh: 6 s CPU at province scale)."""
    with session_scope(db_url) as s:
        ids = sc.build(s)
        code = s.scalar(select(m.Need.code).where(m.Need.id == sc.need(
            s, ids.h1, ids.p1, dt.date(2025, 12, 1), "就医", "需要陪同复查")))
        task = m.ReturnVisitTask(list_no="HF-1", inspector="admin", household_id=ids.h2, pairing_id=ids.p2,
                                 cadre_id=ids.general, reason="随机抽查", assigned_date=dt.date(2025, 12, 10),
                                 due_date=dt.date(2025, 12, 30), status="待回访", created_by="admin")
        s.add(task)
        s.flush()
        task_id = task.id
    with session_scope(db_url) as s:
        first = evidence_store.store_default(s, sc.AS_OF, Policy())
    closed_before = {r[0]: r for r in kept(db_url)[1]}[ids.p1][EVIDENCE_COLUMNS.index("needs_solved")]
    with session_scope(db_url) as s:  # solved in 3 days, entered on 诉求台账
        needs.close(s, code, "已陪同到县医院复查", dt.date(2025, 12, 4), actor=ADMIN)
    set_id, rows = kept(db_url)
    assert set_id == first and rows == live(db_url)
    assert {r[0]: r for r in rows}[ids.p1][EVIDENCE_COLUMNS.index("needs_solved")] == closed_before + 1
    with session_scope(db_url) as s:  # the family of H2 is not satisfied
        return_visits.record_result(s, task_id, dt.date(2025, 12, 20), "电话", "不满意", "否",
                                    now=dt.datetime(2025, 12, 20, 10), actor=ADMIN)
    set_id, rows = kept(db_url)
    assert set_id == first and rows == live(db_url)
    assert {r[0]: r for r in rows}[ids.p2][EVIDENCE_COLUMNS.index("dissatisfied")] >= 1
    with session_scope(db_url) as s:
        turnover.set_status(s, ids.general, "调离", dt.date(2025, 12, 25), actor=ADMIN, today=sc.AS_OF)
        verification.export(s, verification.CHECKS[0].key, EVERYWHERE, sc.AS_OF, Policy(), "全省", actor=ADMIN)
    assert kept(db_url) == (first, live(db_url))


def test_a_setting_keeps_the_evidence_of_its_reading_and_a_case_setting_stores_the_new_one(db_url):
    """A setting changes no record: a setting the evidence does not read leaves the set valid; a
    setting of the case score stores today's set of the new reading as the change commits, so the
    first viewer of 案例挖掘 after it does not (6 s CPU at province scale; 25 s of an import's upkeep)."""
    from data_access.config import current_date
    from data_access.policy import change_setting, load_policy

    with session_scope(db_url) as s:
        sc.build(s)
    with session_scope(db_url) as s:
        first = evidence_store.store_default(s, sc.AS_OF, Policy())
    with session_scope(db_url) as s:
        change_setting(s, "freshness_warn_days", Policy().freshness_warn_days + 5, actor=ADMIN)
    assert kept(db_url) == (first, live(db_url))
    today = current_date()
    with session_scope(db_url) as s:
        assert evidence_store.find(s, today, dt.date(today.year, 1, 1), load_policy(s)) is None
        change_setting(s, "case_fast_days", Policy().case_fast_days + 3, actor=ADMIN)
    with session_scope(db_url) as s:
        policy = load_policy(s)
        assert policy.case_fast_days == Policy().case_fast_days + 3
    start = dt.date(today.year, 1, 1)
    set_id, rows = kept(db_url, today, start, policy)
    assert set_id is not None and rows == live(db_url, today, start, policy) != []


TODAY = dt.date(2023, 6, 30)


def run(url, sheets, path):
    with session_scope(url) as session:
        result = imports.run_import(session, imports.read_path(write_xlsx(path, sheets)), actor=ADMIN,
                                    policy=Policy(), today=TODAY)
    assert result.stored, result.problems


def more_evidence(sheets):
    """A month later: a festival visit with a long note, a need solved fast, a policy delivered."""
    sheets["联系记录"].append(["H002", "GB02", "2023-06-22", "实地走访", "端午节看望" + sc.LONG, None, "R7"])
    sheets["诉求台账"].append(["S2", "H002", "2023-06-01", "就医", "需要陪同就医", "已办结", "2023-06-05", "已陪同", None])
    sheets["政策落实"] = [["身份证号", "政策", "落实状态", "落实日期", "说明"], [ADULT_ID, "医疗救助", "已落实", "2023-06-10", None]]
    return sheets


def test_an_import_keeps_the_stored_evidence(db_url, tmp_path):
    run(db_url, base_sheets(), tmp_path / "first.xlsx")
    with session_scope(db_url) as s:
        s.add(m.HolidayDay(day=dt.date(2023, 6, 22), name="端午节"))
        bump_version(s)
    with session_scope(db_url) as s:
        first = evidence_store.store_default(s, TODAY, Policy())
    assert kept(db_url, TODAY, dt.date(2023, 1, 1))[1] == live(db_url, TODAY, dt.date(2023, 1, 1))
    run(db_url, more_evidence(base_sheets()), tmp_path / "second.xlsx")
    set_id, rows = kept(db_url, TODAY, dt.date(2023, 1, 1))
    assert set_id == first, "the import keeps the set in its transaction"
    assert rows == live(db_url, TODAY, dt.date(2023, 1, 1))
    h002 = rows[1]
    assert [h002[EVIDENCE_COLUMNS.index(c)] for c in ("needs_solved", "holidays", "policies", "rich_notes")] == [1, 1, 1, 1]


READER = """
import sys, datetime as dt
from data_access import cases, db
from data_access.policy import Policy
from data_access.scope import EVERYWHERE
with db.session_scope(sys.argv[1]) as s:
    rows = cases.candidates(s, EVERYWHERE, dt.date(2023, 6, 30), Policy()).rows
    print(sorted(int(x) for x in rows["得分"]))
"""


def test_an_import_in_one_process_is_read_at_once_in_another(sqlite_url, tmp_path, monkeypatch):
    def read() -> str:
        done = subprocess.run([sys.executable, "-c", READER, sqlite_url], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    run(sqlite_url, base_sheets(), tmp_path / "first.xlsx")
    with session_scope(sqlite_url) as s:
        evidence_store.store_default(s, TODAY, Policy())
    before = read()
    run(sqlite_url, more_evidence(base_sheets()), tmp_path / "second.xlsx")
    after = read()
    assert after != before
    with session_scope(sqlite_url) as s:
        assert evidence_store.find(s, TODAY, dt.date(2023, 1, 1), Policy()) is not None  # read from the kept set
    monkeypatch.setattr(evidence_store, "READ_UP_TO_PREFIX", -1)
    with session_scope(sqlite_url) as s:
        page = cases.candidates(s, Scope(b.COUNTY), TODAY, Policy())
    assert after == str(sorted(int(x) for x in page.rows["得分"]))  # what the records give
