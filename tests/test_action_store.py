"""The dates each reminder/督办's outcome follows from (action_responses), kept by the write path,
on SQLite and PostgreSQL: the counts read from them (提醒督办's counts per outcome and per unit,
逾期事项's unanswered ones) equal the live queries' (supervision.outcome_condition) on several days,
after the nightly build, after an import that answers reminders and moves a cadre to another unit
(also read from another process), after an issue and after its withdrawal; a write that bumps the
status_version without keeping them makes the pages read live again."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select

from data_access import db, overdue, supervision, upkeep
from data_access.demo.build import build_demo
from data_access.demo.plan import DemoConfig
from data_access.models import ActionStoreState, Cadre, Household, Pairing, SupervisionAction, Unit
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import import_workbooks as wb
from tests.test_demo import cli

AS_OF = dt.date(2026, 6, 30)
POLICY = Policy()
INSPECTOR = Actor("inspector1", "inspector", EVERYWHERE)


@pytest.fixture
def demo(db_url):
    build_demo(DemoConfig("county", 11, AS_OF, households=500), db_url)
    with db.session_scope(db_url) as s:
        upkeep.after_write(s, POLICY, AS_OF)
    return db_url


def earlier_since(day: dt.date) -> dt.date:
    return day.replace(month=6, day=1)


def _figures(session, scope: Scope, day: dt.date) -> tuple:
    since = dt.date(day.year, 1, 1)
    every = supervision.action_page(session, scope, day, POLICY, page_size=5)
    this_year = supervision.action_page(session, scope, day, POLICY, kind="提醒", since=since, page_size=5)
    effect = supervision.unit_effect(session, scope, day, POLICY, since)
    effect = sorted(tuple(r) for r in effect.drop(columns="回应率").itertuples(index=False))
    counts = overdue.counts(session, scope, day, POLICY)
    unanswered = counts.by_unit[["工作单位", overdue.KIND_UNANSWERED]]
    earlier = supervision.action_page(session, scope, day, POLICY, since=earlier_since(day), page_size=5)
    assert earlier.unanswered_before == supervision.unanswered_before(session, scope, day, POLICY, earlier_since(day))
    return (every.counts, every.total, list(every.rows["批次号"]), this_year.counts, this_year.unanswered_before,
            earlier.counts, earlier.unanswered_before, effect,
            counts.totals[overdue.KIND_UNANSWERED], sorted(tuple(r) for r in unanswered.itertuples(index=False)),
            list(counts.by_region[overdue.KIND_UNANSWERED]))


def _stored_equals_live(url: str, days=(AS_OF, AS_OF - dt.timedelta(days=7), dt.date(2026, 3, 15))) -> None:
    with db.session_scope(url) as s:
        assert supervision.responses_valid(s, POLICY)
        township = s.scalar(select(Household.village_code).limit(1))[:9]
        stored = {(scope.prefix, day): _figures(s, scope, day)
                  for scope in (EVERYWHERE, Scope.for_region(township)) for day in days}
        s.execute(delete(ActionStoreState))  # the same figures from the live queries (rolled back)
        assert not supervision.responses_valid(s, POLICY)
        for (prefix, day), figures in stored.items():
            assert figures == _figures(s, Scope(prefix), day), (prefix, day)
        s.rollback()
    assert sum(stored[("", AS_OF)][0].values()) > 50  # the demo issued reminders


def test_kept_dates_give_the_live_outcomes_through_imports_and_issues(demo, tmp_path):
    _stored_equals_live(demo)
    with db.session_scope(demo) as s:
        # contacts answering reminders: on pairings with an action, from its issue day on
        answered = s.execute(
            select(Household.code, Cadre.code, SupervisionAction.issued_date)
            .join(Pairing, Pairing.id == SupervisionAction.pairing_id)
            .join(Household, Household.id == Pairing.household_id).join(Cadre, Cadre.id == Pairing.cadre_id)
            .where(Pairing.end_date.is_(None)).order_by(SupervisionAction.issued_date.desc()).limit(6)
        ).all()
        mover = s.execute(select(Cadre).join(SupervisionAction, SupervisionAction.cadre_id == Cadre.id)
                          .order_by(Cadre.id).limit(1)).scalars().one()
        other_unit = s.scalar(select(Unit.name).where(Unit.id != mover.unit_id).limit(1))
    header = ["户编号", "干部编号", "日期", "方式", "内容", "慰问金额", "记录编号"]
    sheets = {
        "干部": [["干部编号", "姓名", "工作单位", "职级", "领导干部"],
                 [mover.code, mover.name, other_unit, mover.rank, "是" if mover.is_leader else "否"]],
        "联系记录": [header, *[[h, c, min(issued + dt.timedelta(days=n), AS_OF).isoformat(), "实地走访", "入户看望",
                                None, f"A-{n}"] for n, (h, c, issued) in enumerate(answered)]],
    }
    done = cli(demo, "import", str(wb.write_xlsx(tmp_path / "answers.xlsx", sheets)))  # another process
    assert done.returncode == 0, done.stdout + done.stderr
    _stored_equals_live(demo)

    with db.session_scope(demo) as s:
        pairings = list(s.scalars(select(Pairing.id).where(Pairing.end_date.is_(None)).order_by(Pairing.id).limit(4)))
        issued = supervision.issue(s, EVERYWHERE, AS_OF, POLICY, "督办", pairings, issued_date=AS_OF,
                                   actor=INSPECTOR)
    _stored_equals_live(demo)
    with db.session_scope(demo) as s:
        # the batches over every household, read without the places' joins: those of actions_query
        rows = supervision.actions_query(EVERYWHERE, AS_OF, POLICY).subquery()
        every = s.execute(select(rows.c.batch_no, rows.c.kind, func.min(rows.c.issued_date), func.count())
                          .where(rows.c.batch_no.is_not(None)).group_by(rows.c.batch_no, rows.c.kind)).all()
        listed = supervision.batches(s, EVERYWHERE, AS_OF, limit=10_000)
        assert sorted(listed) == sorted(tuple(r) for r in every) and listed[0][0] == issued.batch_no
        supervision.withdraw(s, issued.batch_no, actor=INSPECTOR, today=AS_OF)
    _stored_equals_live(demo)


def test_a_write_that_does_not_keep_them_leaves_them_unread(demo):
    with db.session_scope(demo) as s:
        db.bump_version(s)  # as a write of contacts outside the import does
    with db.session_scope(demo) as s:
        assert not supervision.responses_valid(s, POLICY)
        assert not supervision.responses_valid(s, Policy(late_entry_grace_days=5))
        assert supervision.store_responses(s, POLICY)  # the write path's upkeep builds them afresh
    _stored_equals_live(demo)
    with db.session_scope(demo) as s:
        assert not supervision.responses_valid(s, Policy(late_entry_grace_days=5))  # another grace: live
        assert not supervision.responses_valid(s, Policy(as_known=True))  # 按录入时间: live
