"""Stored evaluations of the compliance rule (status_store, compliance.status_rows), on SQLite and
PostgreSQL: the stored rows are the rule's rows; an import refreshes them for the pairings it
touched (the write path pays, the figures follow, also read from another process); a reminder does
not touch them; the write path prunes other settings and old days, a viewer does not; two first
viewers at once share one; a session that has written, or a county's scope, runs the rule itself."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from data_access import compliance, db, imports, policy, recording, status_store, supervision, trends, upkeep
from data_access.demo.build import build_demo
from data_access.demo.plan import DemoConfig
from data_access.demo.regions import XIHE_CODE
from data_access.models import Cadre, Contact, Household, Pairing, Person, StatusRow, Unit
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests import import_workbooks as wb
from tests.fixed_date import TODAY
from tests.test_demo import cli

AS_OF = dt.date(2026, 6, 30)
POLICY = Policy()


def _rows(session, statement) -> list[tuple]:
    """Every row, every column, in pairing order; numbers as ints (PostgreSQL sums are numeric)."""
    found = session.execute(statement).mappings().all()
    return sorted(
        tuple((k, int(v) if k.startswith(("owed", "done", "is_", "first")) else v) for k, v in r.items())
        for r in found
    )


def _is_stored_read(statement) -> bool:
    return "status_rows" in str(statement)


@pytest.fixture
def demo(db_url):
    """The county demo with nothing stored: the build stores today's evaluation (the write path
    pays, checked in test_db_evaluate_and_demo_replace); these tests start from an empty store."""
    build_demo(DemoConfig("county", 11, AS_OF, households=500), db_url)
    status_store.clear(db.get_engine(db_url))
    return db_url


def test_stored_rows_are_the_rules_rows(demo):
    township = Scope.for_region(sorted(_townships(demo))[0])
    with db.session_scope(demo) as s:
        for day in (AS_OF, dt.date(2025, 12, 31), dt.date(2026, 3, 31), dt.date(2026, 2, 14)):
            stored = compliance.status_rows(s, EVERYWHERE, day, POLICY)
            assert _is_stored_read(stored)
            live = _rows(s, compliance.pairing_status(EVERYWHERE, day, POLICY))
            assert len(live) > 300
            assert _rows(s, stored) == live
            in_township = compliance.status_rows(s, township, day, POLICY)
            assert _is_stored_read(in_township)
            assert _rows(s, in_township) == _rows(s, compliance.pairing_status(township, day, POLICY))
        listed = status_store.stored(s)
    assert sorted(e["as_of"] for e in listed) == [dt.date(2025, 12, 31), dt.date(2026, 2, 14), dt.date(2026, 3, 31), AS_OF]
    assert all(e["pairings"] > 300 for e in listed)


def _townships(url) -> set[str]:
    with db.session_scope(url) as s:
        return {row.village_code[:9] for row in s.execute(compliance.pairing_status(EVERYWHERE, AS_OF, POLICY))}


def _import(url: str, tmp_path, sheets, name: str) -> None:
    with db.session_scope(url) as s:
        result = imports.run_import(s, imports.read_path(wb.write_xlsx(tmp_path / name, sheets)), actor=Actor("测试", "admin"),
                                    policy=POLICY, today=dt.date(2024, 1, 15))
    assert result.outcome == imports.OUTCOME_STORED, result.problems


def test_an_import_of_contacts_refreshes_the_stored_evaluation(db_url, tmp_path):
    day = dt.date(2023, 12, 31)
    sheets = wb.base_sheets()
    _import(db_url, tmp_path, sheets, "first.xlsx")
    with db.session_scope(db_url) as s:
        before = compliance.summary(s, EVERYWHERE, day, POLICY)
        first = status_store.find(s, day, POLICY)
    assert first is not None
    assert (before.done_contacts, before.done_visits, before.pairings_behind) == (2, 1, 2)

    for n, (date, method) in enumerate([("2023-07-02", "实地走访"), ("2023-08-09", "电话"), ("2023-11-20", "电话")]):
        sheets["联系记录"].append(["H002", "GB02", date, method, "走访看望", None, f"N{n}"])
    _import(db_url, tmp_path, sheets, "second.xlsx")
    with db.session_scope(db_url) as s:
        # the same evaluation, brought up to date by the import: the viewer evaluates nothing
        assert status_store.find(s, day, POLICY) == first
        assert _is_stored_read(compliance.status_rows(s, EVERYWHERE, day, POLICY, store=False))
        after = compliance.summary(s, EVERYWHERE, day, POLICY)
        live = _rows(s, compliance.pairing_status(EVERYWHERE, day, POLICY))
        assert _rows(s, compliance.status_rows(s, EVERYWHERE, day, POLICY)) == live
        # and today's and last week's same day, stored by the import's upkeep once it committed
        assert {e["as_of"]: e["id"] for e in status_store.stored(s)} == {
            d: status_store.find(s, d, POLICY) for d in (day, TODAY, TODAY - dt.timedelta(days=7))}
        assert status_store.find(s, day, POLICY) == first
        assert [e["pairings"] for e in status_store.stored(s) if e["id"] == first] == [len(live)] == [2]
    assert (after.done_contacts, after.done_visits) == (5, 2)


def _live_summary(session, scope: Scope, day: dt.date) -> compliance.ComplianceSummary:
    """The summary figures summed over the rule run afresh (nothing stored)."""
    rule = compliance.pairing_status(scope, day, POLICY).subquery("pairing_status")
    return compliance.ComplianceSummary(*(int(v) for v in session.execute(compliance.summary_figures(rule)).one()))


def _live_units(session, scope: Scope, day: dt.date) -> list[tuple]:
    """The roll-up per unit worked out here from the rule's rows (nothing stored): each cadre's
    worst status over its pairings in scope, counted under its unit; (unit, cadres, on track,
    behind, silent, pairings), by unit name."""
    worst: dict[int, list[int]] = {}
    for row in session.execute(compliance.pairing_status(scope, day, POLICY)).mappings():
        seen = worst.setdefault(row["cadre_id"], [0, 0, 0])
        seen[0] += 1
        seen[1] = max(seen[1], int(row["is_behind"]))
        seen[2] = max(seen[2], int(row["is_silent"]))
    units = dict(session.execute(select(Cadre.id, Unit.name).join(Unit, Unit.id == Cadre.unit_id)).all())
    found: dict[str, list[int]] = {}
    for cadre_id, (pairings, behind, silent) in worst.items():
        figures = found.setdefault(units[cadre_id], [0] * 5)
        for i, value in enumerate((1, int(not (behind or silent)), behind, silent, pairings)):
            figures[i] += value
    return sorted((name, *figures) for name, figures in found.items())


def _stored_units(session, scope: Scope, day: dt.date) -> list[tuple]:
    frame = compliance.unit_rollup(session, scope, day, POLICY)
    return sorted((r.工作单位, r.干部数, r.达标干部, r.滞后干部, r.失联干部, r.结对户数) for r in frame.itertuples())


def _refreshed_equals_rule(url: str, days) -> None:
    """Every stored evaluation of `days` holds the rule's rows, and the summary figures kept with
    it (whole database, province, city, county) are those of the rule; a township sums rows."""
    with db.session_scope(url) as s:
        townships = sorted({code[:9] for code in s.scalars(select(Household.village_code))})
        for day in days:
            stored = compliance.status_rows(s, EVERYWHERE, day, POLICY, store=False)
            assert _is_stored_read(stored), day
            assert _rows(s, stored) == _rows(s, compliance.pairing_status(EVERYWHERE, day, POLICY)), day
            snapshot = status_store.find(s, day, POLICY)
            for prefix in ("", "62", "6212", XIHE_CODE, "6201"):
                assert status_store.rollup(s, snapshot, prefix) is not None, prefix  # kept, read
                assert compliance.summary(s, Scope(prefix), day, POLICY) == _live_summary(s, Scope(prefix), day), (
                    day, prefix)
                assert s.scalar(status_store.units_kept(snapshot)), prefix
                assert _stored_units(s, Scope(prefix), day) == _live_units(s, Scope(prefix), day), (day, prefix)
            for prefix, length in (("", 2), ("", 4), ("62", 6), ("6212", 6)):
                rollup = compliance.region_rollup(s, Scope(prefix), day, POLICY, code_length=length)
                live = {code: (int(n), int(n) - int(lagging)) for code, n, lagging
                        in zip(rollup["code"], rollup["干部数"], rollup["有滞后失联的干部"], strict=True)}
                assert compliance.region_cadre_counts(s, Scope(prefix), day, POLICY, length) == live, (day, length)
            for township in townships[:3]:
                assert compliance.summary(s, Scope(township), day, POLICY) == _live_summary(s, Scope(township), day)


def test_a_refresh_gives_the_rules_rows_whatever_the_import_changed(demo, tmp_path):
    """An import into the county demo that moves a household to another village, ends a pairing,
    starts one, adds contacts, moves a contact (by its record number) to another pairing and a
    cadre to another unit: every
    stored evaluation, refreshed for the touched pairings only, equals the rule run afresh."""
    days = [AS_OF, dt.date(2026, 3, 31), dt.date(2025, 12, 31), dt.date(2026, 6, 1)]
    with db.session_scope(demo) as s:
        ids = [compliance.store_status(s, day, POLICY) for day in days]
        picked = s.execute(
            select(Pairing.id, Household.code, Household.village_code, Cadre.code, Pairing.start_date)
            .join(Household, Household.id == Pairing.household_id).join(Cadre, Cadre.id == Pairing.cadre_id)
            .where(Pairing.end_date.is_(None), Pairing.start_date < dt.date(2025, 6, 1))
            .order_by(Pairing.id).limit(3)
        ).all()
        persons = {h: s.execute(select(Person).join(Household).where(Household.code == h)).scalars().first()
                   for h in (picked[0].code,)}
        other_village = s.scalar(select(Household.village_code).where(Household.village_code != picked[0].village_code))
        # a cadre the import moves to another unit, none of whose pairings it touches
        mover = s.scalars(select(Cadre).join(Pairing, Pairing.cadre_id == Cadre.id)
                          .where(Pairing.end_date.is_(None), Cadre.code.not_in([p.code_1 for p in picked]))
                          .order_by(Cadre.id.desc()).limit(1)).one()
        mover_row = [mover.code, mover.name, s.scalar(select(Unit.name).where(Unit.id != mover.unit_id).limit(1)),
                     mover.rank, "是" if mover.is_leader else "否"]
    moved = persons[picked[0].code]
    header = ["户编号", "干部编号", "日期", "方式", "内容", "慰问金额", "记录编号"]
    first = {"联系记录": [header, [picked[2].code, picked[2].code_1, "2026-05-10", "实地走访", "入户看望", None, "T-9"]]}
    with db.session_scope(demo) as s:
        result = imports.run_import(s, imports.read_path(wb.write_xlsx(tmp_path / "first.xlsx", first)),
                                    actor=Actor("测试", "admin"), policy=POLICY, today=AS_OF)
    assert result.outcome == imports.OUTCOME_STORED, [p.line() for p in result.problems]
    _refreshed_equals_rule(demo, days)
    sheets = {
        "干部": [["干部编号", "姓名", "工作单位", "职级", "领导干部"], mover_row],
        "对象": [["身份证号", "姓名", "性别", "出生日期", "类别", "户编号", "区划代码"],
                 [moved.id_number, moved.name, moved.sex, moved.birth_date.isoformat(), moved.group, picked[0].code,
                  other_village]],
        "结对": [["户编号", "干部编号", "结对日期", "解除日期", "解除原因"],
                 [picked[1].code, picked[1].code_1, picked[1].start_date.isoformat(), "2026-02-10", "干部调动"],
                 [picked[1].code, picked[0].code_1, "2026-02-10", None, None]],
        "联系记录": [header,
                     [picked[0].code, picked[0].code_1, "2026-06-20", "实地走访", "入户看望", None, "T-1"],
                     [picked[1].code, picked[0].code_1, "2026-03-02", "电话", "电话问候", None, "T-2"],
                     # the third pairing's contact, by its record number, now under the first pairing
                     [picked[0].code, picked[0].code_1, "2026-05-10", "实地走访", "入户看望", None, "T-9"]],
    }
    with db.session_scope(demo) as s:
        result = imports.run_import(s, imports.read_path(wb.write_xlsx(tmp_path / "change.xlsx", sheets)),
                                    actor=Actor("测试", "admin"), policy=POLICY, today=AS_OF)
    assert result.outcome == imports.OUTCOME_STORED, [p.line() for p in result.problems]
    with db.session_scope(demo) as s:
        assert [status_store.find(s, day, POLICY) for day in days] == ids
        assert s.scalar(select(func.count()).select_from(Contact).where(Contact.record_no == "T-9",
                                                                         Contact.pairing_id == picked[0].id)) == 1
    _refreshed_equals_rule(demo, days)


def test_a_write_in_one_process_is_read_in_another(demo, tmp_path):
    """The reader (this process) has the evaluation stored and its figures computed; another
    process imports contacts; the reader's next read shows them, from the refreshed evaluation."""
    with db.session_scope(demo) as s:
        before = compliance.summary(s, EVERYWHERE, AS_OF, POLICY)
        snapshot = status_store.find(s, AS_OF, POLICY)
        row = s.execute(
            select(Household.code, Cadre.code).join(Pairing, Pairing.household_id == Household.id)
            .join(Cadre, Cadre.id == Pairing.cadre_id)
            .where(Pairing.end_date.is_(None), Pairing.start_date < dt.date(2026, 1, 1)).limit(1)
        ).one()
    version = db.data_version(demo)
    sheets = {"联系记录": [["户编号", "干部编号", "日期", "方式", "内容", "慰问金额", "记录编号"],
                       *[[row[0], row[1], f"2026-06-{d:02d}", "电话", "电话问候", None, f"P-{d}"] for d in (1, 2, 3)]]}
    done = cli(demo, "import", str(wb.write_xlsx(tmp_path / "more.xlsx", sheets)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert db.data_version(demo) > version  # the pages' caches are keyed on it
    with db.session_scope(demo) as s:
        assert status_store.find(s, AS_OF, POLICY) == snapshot
        after = compliance.summary(s, EVERYWHERE, AS_OF, POLICY)
    assert after.done_contacts == before.done_contacts + 3
    _refreshed_equals_rule(demo, [AS_OF])


def test_a_reminder_does_not_expire_it(demo):
    with db.session_scope(demo) as s:
        page = compliance.laggard_page(s, EVERYWHERE, AS_OF, POLICY)
        stored = status_store.find(s, AS_OF, POLICY)
    version = db.data_version(demo)
    with db.session_scope(demo) as s:
        supervision.issue(s, EVERYWHERE, AS_OF, POLICY, "提醒", [int(page.rows["pairing_id"].iloc[0])],
                          issued_date=AS_OF, actor=Actor("inspector", "inspector"))
    assert db.data_version(demo) == version + 1  # cached page figures are recomputed ...
    with db.session_scope(demo) as s:
        assert status_store.find(s, AS_OF, POLICY) == stored  # ... from the same stored evaluation
        assert compliance.laggard_page(s, EVERYWHERE, AS_OF, POLICY).total == page.total


def test_other_settings_store_anew_and_the_write_path_prunes(demo):
    strict = Policy(silent_days=30)
    engine = db.get_engine(demo)
    with db.session_scope(demo) as s:
        usual = compliance.summary(s, EVERYWHERE, AS_OF, POLICY)
        tighter = compliance.summary(s, EVERYWHERE, AS_OF, strict)
        assert len(status_store.stored(s)) == 2  # a viewer stores, and deletes nothing
    assert tighter.pairings_silent > usual.pairings_silent
    assert status_store.prune(engine, strict) == 1
    with db.session_scope(demo) as s:
        assert {e["policy_key"] for e in status_store.stored(s)} == {status_store.policy_key(strict)}
        for offset in range(status_store.KEEP + 3):
            compliance.summary(s, EVERYWHERE, AS_OF - dt.timedelta(days=offset), strict)
        assert len(status_store.stored(s)) == status_store.KEEP + 3
    assert status_store.prune(engine, strict) == 3
    with db.session_scope(demo) as s:
        listed = status_store.stored(s)
        kept_rows = s.scalar(select(func.count()).select_from(StatusRow))
    assert len(listed) == status_store.KEEP
    assert min(e["as_of"] for e in listed) == AS_OF - dt.timedelta(days=status_store.KEEP + 2)
    assert kept_rows == sum(e["pairings"] for e in listed)


def test_todays_evaluation_outlives_the_other_days(demo):
    today = TODAY
    with db.session_scope(demo) as s:
        compliance.summary(s, EVERYWHERE, today, POLICY)
        for offset in range(1, status_store.KEEP + 3):
            compliance.summary(s, EVERYWHERE, AS_OF - dt.timedelta(days=offset), POLICY)
    status_store.prune(db.get_engine(demo), POLICY)
    with db.session_scope(demo) as s:
        days = sorted(e["as_of"] for e in status_store.stored(s))
    assert len(days) == status_store.KEEP + 1 and days[-1] == today


def test_two_first_viewers_at_once_share_one_evaluation(demo):
    results, errors = [], []

    def view():
        try:
            with db.session_scope(demo) as s:
                results.append(compliance.summary(s, EVERYWHERE, AS_OF, POLICY))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=view) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 3 and results[0] == results[1] == results[2]
    with db.session_scope(demo) as s:
        assert len(status_store.stored(s)) == 1


def test_a_session_that_has_written_runs_the_rule_itself(db_url):
    with db.session_scope(db_url) as s:
        b.region_tree(s)
        pairing = b.pairing(s, b.cadre(s, b.unit(s)), b.household(s), dt.date(2026, 1, 5))
    with db.session_scope(db_url) as s:
        assert compliance.summary(s, EVERYWHERE, AS_OF, POLICY).done_contacts == 0
    with db.session_scope(db_url) as s:
        b.contact(s, pairing, dt.date(2026, 5, 6))
        db.bump_version(s)
        statement = compliance.status_rows(s, EVERYWHERE, AS_OF, POLICY)
        assert not _is_stored_read(statement)
        assert compliance.summary(s, EVERYWHERE, AS_OF, POLICY).done_contacts == 1
    with db.session_scope(db_url) as s:
        assert compliance.summary(s, EVERYWHERE, AS_OF, POLICY).done_contacts == 1
        assert s.scalar(select(func.count()).select_from(Contact)) == 1


def test_a_county_scope_runs_the_rule_without_storing(demo):
    county = Scope.for_region(XIHE_CODE)
    with db.session_scope(demo) as s:
        statement = compliance.status_rows(s, county, AS_OF, POLICY)
        assert not _is_stored_read(statement)
        assert compliance.summary(s, county, AS_OF, POLICY).active_pairings > 300
        assert status_store.stored(s) == []
        compliance.summary(s, EVERYWHERE, AS_OF, POLICY)
        assert _is_stored_read(compliance.status_rows(s, county, AS_OF, POLICY))  # once stored, used


def test_db_evaluate_and_demo_replace(demo):
    done = cli(demo, "db", "evaluate", "--as-of", AS_OF.isoformat())
    assert done.returncode == 0, done.stderr
    with db.session_scope(demo) as s:
        active = s.scalar(select(func.count()).select_from(compliance.pairing_status(EVERYWHERE, AS_OF, POLICY)
                                                           .subquery()))
        stored = status_store.stored(s)
        # Jan .. Jun month ends and the same day last week (the week-on-week changes)
        assert sorted(e["as_of"] for e in stored) == sorted([*trends.month_ends(AS_OF), AS_OF - dt.timedelta(days=7)])
        assert [e["pairings"] for e in stored if e["as_of"] == AS_OF] == [active]
        assert s.scalar(select(func.count()).select_from(Pairing)) >= active
    assert f"在结对 {active:,} 户" in done.stdout and "共 7 个日期" in done.stdout
    build_demo(DemoConfig("county", 12, AS_OF, households=300), demo, replace=True)
    with db.session_scope(demo) as s:
        # the old data's evaluations are gone; the build stored what `db evaluate` stores, for the
        # new data (the write path pays: the first viewer after `demo` finds each of them)
        stored = {e["as_of"]: e for e in status_store.stored(s)}
        assert sorted(stored) == sorted({*trends.month_ends(TODAY), TODAY - dt.timedelta(days=7), TODAY})
        assert status_store.find(s, TODAY, POLICY) == stored[TODAY]["id"]
        assert stored[TODAY]["pairings"] == s.scalar(select(func.count()).select_from(
            compliance.pairing_status(EVERYWHERE, TODAY, POLICY).subquery())) > 100
        assert s.scalar(select(func.count()).select_from(StatusRow)) == sum(e["pairings"] for e in stored.values())


def test_an_import_stores_todays_evaluation(sqlite_url, tmp_path):
    path = wb.write_xlsx(tmp_path / "book.xlsx", wb.base_sheets())
    done = cli(sqlite_url, "import", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    with db.session_scope(sqlite_url) as s:
        stored = status_store.stored(s)
        # today's (newest first) and the same day last week's, for the week-on-week changes
        assert [e["as_of"] for e in stored] == [TODAY - dt.timedelta(days=7), TODAY]
        assert status_store.find(s, TODAY, Policy()) == stored[1]["id"]  # valid after the import
        assert stored[1]["pairings"] == 2


def test_only_the_rules_settings_expire_evaluations():
    assert status_store.reads_any(["silent_days", "response_days"])
    assert not status_store.reads_any(["response_days", "need_due_days", "case_weight_satisfied"])
    assert status_store.policy_key(Policy(response_days=3)) == status_store.policy_key(Policy())
    assert status_store.policy_key(Policy(grace_days=10)) != status_store.policy_key(Policy())


def test_figures_are_added_to_an_evaluation_stored_without_them(demo):
    """An evaluation stored before its summary figures were kept: pages sum its rows until the write
    path (db evaluate, an import's upkeep) stores it again, which adds the figures."""
    with db.session_scope(demo) as s:
        snapshot = status_store.store(db.get_engine(demo), AS_OF, POLICY,
                                      compliance.pairing_status(EVERYWHERE, AS_OF, POLICY))
        live = _live_summary(s, EVERYWHERE, AS_OF)
        assert status_store.rollup(s, snapshot, "") is None
        assert compliance.summary(s, EVERYWHERE, AS_OF, POLICY) == live
    with db.session_scope(demo) as s:
        assert compliance.store_status(s, AS_OF, POLICY) == snapshot
    with db.session_scope(demo) as s:
        assert status_store.rollup(s, snapshot, "") == tuple(dataclasses.astuple(live))
        assert compliance.summary(s, Scope(XIHE_CODE), AS_OF, POLICY) == _live_summary(s, Scope(XIHE_CODE), AS_OF)


def _one_pairing(url: str) -> int:
    with db.session_scope(url) as s:
        b.region_tree(s)
        return b.pairing(s, b.cadre(s, b.unit(s)), b.household(s), dt.date(2026, 1, 5))


def test_a_change_of_the_rules_settings_stores_todays_evaluation(sqlite_url):
    """The settings write owns the refresh: once policy.change_settings commits, today's and the
    month ends' evaluations under the new reading are stored, so the first viewer evaluates
    nothing; a change that rolls back, or of a setting the rule does not read, stores nothing."""
    _one_pairing(sqlite_url)
    admin = Actor("admin", "admin")
    with pytest.raises(ValueError), db.session_scope(sqlite_url) as s:
        policy.change_settings(s, {"silent_days": 60, "adult_age": 0}, actor=admin)  # the second is refused
    with db.session_scope(sqlite_url) as s:
        policy.change_settings(s, {"response_days": 5}, actor=admin)
    with db.session_scope(sqlite_url) as s:
        assert status_store.stored(s) == []
        policy.change_settings(s, {"silent_days": 60}, actor=admin)
    with db.session_scope(sqlite_url) as s:
        new = policy.load_policy(s)
        assert new.silent_days == 60
        assert status_store.find(s, TODAY, new) is not None
        assert sorted(e["as_of"] for e in status_store.stored(s)) == sorted(upkeep.evaluated_days(TODAY))
        assert {e["policy_key"] for e in status_store.stored(s)} == {status_store.policy_key(new)}


def test_recording_a_contact_stores_todays_evaluation(sqlite_url):
    pairing = _one_pairing(sqlite_url)
    with db.session_scope(sqlite_url) as s:
        recording.add_contact(s, pairing, TODAY - dt.timedelta(days=2), "电话", "问候",
                              actor=Actor("clerk", "clerk", Scope.for_region(b.TOWNSHIP_A)))
    with db.session_scope(sqlite_url) as s:
        snapshot = status_store.find(s, TODAY, POLICY)
        assert snapshot is not None
        assert compliance.summary(s, EVERYWHERE, TODAY, POLICY).done_contacts == 1


def test_two_days_stored_at_once_on_sqlite_take_turns_instead_of_failing(sqlite_url):
    """SQLite has one writer: a second evaluation stored while the first still writes waited for
    its write lock past the busy timeout ("database is locked", 20 app sessions at once). In one
    process they now take turns; here the busy timeout is 0.2 s and the first store takes 0.6 s."""
    import time

    from sqlalchemy import create_engine, event

    from data_access.compliance.rule import pairing_status

    with db.session_scope(sqlite_url) as s:
        b.region_tree(s)
        b.pairing(s, b.cadre(s, b.unit(s)), b.household(s), dt.date(2026, 1, 5))
    engine = create_engine(sqlite_url, connect_args={"timeout": 0.2, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _slow_function(connection, _record):
        connection.create_function("pause", 0, lambda: time.sleep(0.6) or 0)

    def slow_rule(day):
        rows = pairing_status(EVERYWHERE, day, POLICY).subquery()
        return select(*(rows.c[name] for name in status_store.COLUMNS)).where(func.pause() == 0)

    stored, errors = [], []

    def store(day, delay):
        time.sleep(delay)
        try:
            stored.append(status_store.store(engine, day, POLICY, slow_rule(day)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=store, args=(AS_OF, 0)),
               threading.Thread(target=store, args=(AS_OF - dt.timedelta(days=1), 0.1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert errors == []
    assert len(set(stored)) == 2
    with db.session_scope(sqlite_url) as s:
        assert sorted(e["as_of"] for e in status_store.stored(s)) == [AS_OF - dt.timedelta(days=1), AS_OF]


def _estimated_rows(session, table: str, column: str, value) -> float:
    """PostgreSQL's estimate of the rows of `table` whose `column` equals `value`."""
    from sqlalchemy import text

    plan = session.scalar(text(f"EXPLAIN (FORMAT JSON) SELECT * FROM {table} WHERE {column} = :v"), {"v": value})
    return plan[0]["Plan"]["Plan Rows"]


@pytest.mark.postgres
def test_postgresql_knows_each_stored_evaluation(postgres_url):
    """The planner took a stored evaluation it had no statistics of for about one row (they counted
    the earlier ones only, or none: autovacuum off, or not come round): an import's lookups of a
    county's pairings in each of 13 stored dates scanned whole evaluations (bench.postgres: 320 s
    instead of 45), 季考核's count over one ran for minutes. Each store analyses what it filled
    (db.analyze), so every stored day is estimated at its size, the last as the first."""
    build_demo(DemoConfig("county", 11, AS_OF, households=60), postgres_url)
    status_store.clear(db.get_engine(postgres_url))
    days = [AS_OF - dt.timedelta(days=7), AS_OF - dt.timedelta(days=1), AS_OF]
    with db.session_scope(postgres_url) as s:
        for day in days:
            compliance.summary(s, EVERYWHERE, day, POLICY)
        stored = status_store.stored(s)
        assert sorted(e["as_of"] for e in stored) == days
        for evaluation in stored:
            assert evaluation["pairings"] > 10
            assert _estimated_rows(s, "status_rows", "snapshot_id", evaluation["id"]) >= evaluation["pairings"] / 2


@pytest.mark.postgres
def test_postgresql_knows_what_the_write_path_stored(postgres_url):
    """The same for every set the write path keeps under a new key (the demo build stores them as a
    change of the rule's settings does): the planner estimates the newest set at its size."""
    from sqlalchemy import text

    build_demo(DemoConfig("county", 11, AS_OF, households=60), postgres_url)
    keyed = [("status_rows", "snapshot_id"), ("case_evidence_rows", "set_id"), ("assessment_inputs", "set_id"),
             ("signal_counts", "evaluation_id"), ("action_responses", "kind"), ("contact_days", "county_code")]
    with db.session_scope(postgres_url) as s:
        for table, column in keyed:
            value, rows = s.execute(text(
                f"SELECT {column}, count(*) FROM {table} GROUP BY {column} ORDER BY {column} DESC LIMIT 1")).one()
            assert rows > 5, table
            assert _estimated_rows(s, table, column, value) >= rows / 2, table
