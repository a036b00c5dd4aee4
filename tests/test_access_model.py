"""One access model: every write and export in data_access takes `*, actor` and checks its own action
against the one permission table (permissions.ROLE_ACTIONS), before touching anything; a write or
export aimed outside the actor's region is refused; the navigation derives from the same table.

WRITES lists every such function with the action(s) it needs and how to call it; the list is checked
complete against data_access itself (every public function taking `actor`, and every public function
that writes, audits or builds a file without one must be named in NOT_ACTIONS with the reason)."""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import inspect
import pkgutil
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

import data_access
from dashboard import navigation
from data_access import (
    accountability,
    accounts,
    assessment,
    assessment_report,
    bulletin,
    case_brief,
    cases,
    compliance,
    imports,
    needs,
    overdue,
    permissions,
    policy,
    policy_delivery,
    privacy,
    recording,
    return_visits,
    signals,
    supervision,
    turnover,
    verification,
)
from data_access import models as m
from data_access.compliance import LaggardFilter
from data_access.db import session_scope
from data_access.permissions import ROLE_ACTIONS, Actor, PermissionDenied
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope, ScopeError
from tests import builders as b
from tests import import_workbooks as wb
from tests.fixed_date import TODAY

AS_OF = TODAY - dt.timedelta(days=1)
ROLES = tuple(ROLE_ACTIONS)
QUARTER = assessment.Quarter.last_ended(TODAY)
OTHER_REGION = Scope.for_region(b.TOWNSHIP_B)  # every record of the fixture lies in township A


@dataclass(frozen=True)
class Write:
    actions: tuple[str, ...]  # the role needs any one of these
    call: Callable  # (session, ids, actor) -> result
    region: bool = True  # aimed at township A's records: refused to an actor of township B


WRITES: dict[str, Write] = {
    # exports (rows: the scope given, which must lie inside the actor's region)
    "data_access.compliance.export.export_laggards": Write(("export_lists",), lambda s, d, a: compliance.export_laggards(
        s, EVERYWHERE, AS_OF, Policy(), LaggardFilter(), "西和县", actor=a)),
    "data_access.compliance.export.export_laggards_by_unit": Write(("export_lists",), lambda s, d, a: (
        compliance.export_laggards_by_unit(s, EVERYWHERE, AS_OF, Policy(), LaggardFilter(), "西和县", actor=a))),
    "data_access.overdue.export_workbook": Write(("export_lists",), lambda s, d, a: overdue.export_workbook(
        s, EVERYWHERE, AS_OF, Policy(), None, "西和县", actor=a)),
    "data_access.verification.export": Write(("export_lists",), lambda s, d, a: verification.export(
        s, "duplicates", EVERYWHERE, AS_OF, Policy(), "西和县", actor=a)),
    "data_access.policy_delivery.export_missing": Write(("export_lists",), lambda s, d, a: policy_delivery.export_missing(
        s, EVERYWHERE, AS_OF, None, actor=a)),
    "data_access.supervision.notice_file": Write(("export_lists",), lambda s, d, a: supervision.notice_file(
        s, EVERYWHERE, "西和县", "DB-1", "xlsx", actor=a)),
    "data_access.bulletin.export": Write(("bulletin",), lambda s, d, a: bulletin.export(
        s, EVERYWHERE, None, AS_OF.year, AS_OF.month, Policy(), "xlsx", actor=a)),
    "data_access.case_brief.case_brief": Write(("view_cases",), lambda s, d, a: case_brief.case_brief(
        s, EVERYWHERE, AS_OF, Policy(), d["case_id"], "测试", "西和县", actor=a)),
    "data_access.case_brief.shortlist_briefs": Write(("view_cases",), lambda s, d, a: case_brief.shortlist_briefs(
        s, EVERYWHERE, AS_OF, Policy(), "测试", "西和县", actor=a)),
    # reveal (one record, audited)
    "data_access.privacy.reveal_person": Write(("reveal",), lambda s, d, a: privacy.reveal_person(
        s, d["person_id"], "核实身份", actor=a)),
    "data_access.privacy.reveal_cadre": Write(("reveal",), lambda s, d, a: privacy.reveal_cadre(
        s, d["cadre_id"], "电话回访", actor=a)),
    # reminders
    "data_access.supervision.issue": Write(("issue_reminders",), lambda s, d, a: supervision.issue(
        s, EVERYWHERE, AS_OF, Policy(), "提醒", [d["pairing_id"]], actor=a)),
    "data_access.supervision.withdraw": Write(("issue_reminders",), lambda s, d, a: supervision.withdraw(
        s, "DB-1", actor=a)),
    # authenticity checks and return visits
    "data_access.signals.export_signals": Write(("export_lists",), lambda s, d, a: signals.export_signals(
        s, EVERYWHERE, AS_OF, Policy(), "西和县", "csv", actor=a)),
    "data_access.signals.issue_supervision": Write(("issue_reminders",), lambda s, d, a: signals.issue_supervision(
        s, EVERYWHERE, AS_OF, Policy(), d["cadre_id"], actor=a)),
    "data_access.return_visits.draw_sample": Write(("manage_return_visits",), lambda s, d, a: return_visits.draw_sample(
        s, EVERYWHERE, AS_OF, Policy(), 1, True, [], actor=a)),
    "data_access.return_visits.schedule_for_cadre": Write(
        ("manage_return_visits",), lambda s, d, a: return_visits.schedule_for_cadre(
            s, EVERYWHERE, AS_OF, Policy(), d["cadre_id"], [], actor=a)),
    "data_access.return_visits.record_result": Write(("manage_return_visits",), lambda s, d, a: return_visits.record_result(
        s, d["task_id"], AS_OF, "电话", "满意", "是", actor=a)),
    # needs
    "data_access.recording.add_contact": Write(("record_contacts",), lambda s, d, a: recording.add_contact(
        s, d["pairing_id"], AS_OF, "电话", "测试联系", actor=a)),
    "data_access.recording.add_return_visit": Write(("record_contacts",), lambda s, d, a: recording.add_return_visit(
        s, d["pairing_id"], AS_OF, "电话", "满意", actor=a)),
    "data_access.needs.escalate": Write(("edit_needs",), lambda s, d, a: needs.escalate(
        s, "N-1", "单位", AS_OF, actor=a)),
    "data_access.needs.add_note": Write(("edit_needs",), lambda s, d, a: needs.add_note(
        s, "N-1", "已电话联系", AS_OF, actor=a)),
    "data_access.needs.close": Write(("edit_needs",), lambda s, d, a: needs.close(
        s, "N-1", "已解决", AS_OF, actor=a)),
    # typical cases
    "data_access.cases.workflow.create_case": Write(("manage_cases",), lambda s, d, a: cases.create_case(
        s, EVERYWHERE, AS_OF, Policy(), d["pairing_id"], actor=a)),
    "data_access.cases.workflow.shortlist": Write(("manage_cases",), lambda s, d, a: cases.shortlist(
        s, EVERYWHERE, d["case_id"], actor=a)),
    "data_access.cases.workflow.record_consent": Write(("manage_cases",), lambda s, d, a: cases.record_consent(
        s, EVERYWHERE, TODAY, Policy(), d["case_id"], "甲乡对象", "本人", AS_OF, "宣传展板", actor=a)),
    "data_access.cases.workflow.approve": Write(("approve_cases",), lambda s, d, a: cases.approve(
        s, EVERYWHERE, TODAY, Policy(), d["case_id"], actor=a)),
    "data_access.cases.workflow.publish": Write(("approve_cases",), lambda s, d, a: cases.publish(
        s, EVERYWHERE, TODAY, Policy(), d["case_id"], actor=a)),
    "data_access.cases.workflow.reject": Write(("manage_cases", "approve_cases"), lambda s, d, a: cases.reject(
        s, EVERYWHERE, d["case_id"], "材料不足", actor=a)),
    "data_access.cases.workflow.reopen": Write(("manage_cases",), lambda s, d, a: cases.reopen(
        s, EVERYWHERE, d["case_id"], actor=a)),
    "data_access.cases.workflow.edit_case": Write(("manage_cases",), lambda s, d, a: cases.edit_case(
        s, EVERYWHERE, TODAY, Policy(), d["case_id"], "新标题", "", "", "", actor=a)),
    "data_access.cases.publications.record_publication": Write(
        ("manage_cases", "approve_cases"), lambda s, d, a: cases.record_publication(
            s, EVERYWHERE, TODAY, d["case_id"], "微信公众号", AS_OF, "https://mp.weixin.qq.com/s/x", actor=a)),
    # import (an upload is checked before anything is read; rows outside the region are refused as a
    # result, tested in test_import_rules)
    "data_access.imports.run_import": Write(("import",), lambda s, d, a: imports.run_import(
        s, imports.read_bytes(d["workbook"], "a.xlsx", 5), actor=a, policy=Policy(), dry_run=True), region=False),
    "data_access.imports.import_upload": Write(("import",), lambda s, d, a: imports.import_upload(
        s, d["workbook"], "a.xlsx", limit_mb=5, actor=a, policy=Policy(), dry_run=True), region=False),
    # rule settings (the whole database: a regional administrator may not change them)
    "data_access.policy.change_setting": Write(("edit_policy",), lambda s, d, a: policy.change_setting(
        s, "silent_days", 100, actor=a)),
    "data_access.policy.change_settings": Write(("edit_policy",), lambda s, d, a: policy.change_settings(
        s, {"silent_days": 100}, actor=a)),
    # quarterly assessment and accountability
    "data_access.assessment_report.current": Write(("view_assessment",), lambda s, d, a: assessment_report.current(
        s, b.TOWNSHIP_A, QUARTER, Policy(), actor=a)),
    "data_access.assessment_report.export": Write(("view_assessment",), lambda s, d, a: assessment_report.export(
        s, b.TOWNSHIP_A, QUARTER, Policy(), "csv", actor=a)),
    "data_access.assessment.freeze": Write(("freeze_assessment",), lambda s, d, a: assessment.freeze(
        s, b.TOWNSHIP_A, QUARTER, Policy(), actor=a)),
    "data_access.accountability.record_step": Write(("record_accountability",), lambda s, d, a: accountability.record_step(
        s, d["cadre_id"], "约谈", AS_OF, "约谈记录", None, actor=a)),
    "data_access.turnover.set_status": Write(("edit_cadres",), lambda s, d, a: turnover.set_status(
        s, d["cadre_id"], "调离", AS_OF, actor=a)),
    # accounts
    "data_access.accounts.create_user": Write(("manage_users",), lambda s, d, a: accounts.create_user(
        s, "new_user", "inspector", b.TOWNSHIP_A, "password-123", actor=a)),
    "data_access.accounts.set_password": Write(("manage_users",), lambda s, d, a: accounts.set_password(
        s, "zhang", "password-456", actor=a)),
    "data_access.accounts.set_active": Write(("manage_users",), lambda s, d, a: accounts.set_active(
        s, "zhang", False, actor=a)),
    "data_access.accounts.unlock": Write(("manage_users",), lambda s, d, a: accounts.unlock(s, "zhang", actor=a)),
    "data_access.accounts.update_user": Write(("manage_users",), lambda s, d, a: accounts.update_user(
        s, "zhang", "leader", b.TOWNSHIP_A, "张乡长", actor=a)),
}

# Public functions that write, audit or build a file but are no user's action, with the reason.
NOT_ACTIONS = {
    "data_access.imports.serial.take_import_lock": "a lock held by the checked import, not a write of its own",
    "data_access.audit.record": "the audit log itself, written by the checked writes",
    "data_access.db.bump_version": "part of every checked write",
    "data_access.db.upgrade": "schema migration (make run, deployment)",
    "data_access.accounts.start_session": "logging in: before there is an actor",
    "data_access.accounts.resume_session": "logging in",
    "data_access.accounts.touch_session": "marking one's own login session seen",
    "data_access.accounts.end_session": "logging out one's own session",
    "data_access.accounts.issue_ticket": "logging in: the one-time ticket for the HttpOnly cookie of one's own session",
    "data_access.accounts.redeem_ticket": "logging in: the server route exchanges the ticket, before there is an actor",
    "data_access.accounts.authenticate": "logging in (failures audited)",
    "data_access.accounts.identity_login": "logging in through the identity provider",
    "data_access.accounts.password_login": "logging in with a password",
    "data_access.accounts.create_demo_accounts": "the demo command only (make run's demo database)",
    "data_access.status_store.store": "derived data, refreshed by the checked write paths",
    "data_access.status_store.clear": "derived data, refreshed by the checked write paths",
    "data_access.status_store.prune": "derived data, deleted by the checked write paths",
    "data_access.status_store.refresh": "derived data, refreshed inside the checked import",
    "data_access.status_store.stored": "derived data listing",
    "data_access.daily_counts.refresh": "derived data, kept inside the checked import and recording",
    "data_access.daily_counts.keep": "derived data, kept inside the checked import and recording",
    "data_access.cases.evidence_store.store": "derived data (案例挖掘's evidence), stored by the upkeep after checked writes",
    "data_access.cases.evidence_store.keep": "derived data, kept inside the checked import and recording",
    "data_access.daily_counts.rebuild": "derived data, rebuilt by the demo build, db evaluate and its migration",
    "data_access.daily_counts.refresh_festivals": "derived data, kept inside the checked import and recording, and by its migration",
    "data_access.gap_store.keep": "derived data, kept inside the checked import, need changes, cadre status and recording",
    "data_access.gap_store.store": "derived data, stored by the upkeep after a checked write and db evaluate",
    "data_access.gap_store.prune": "derived data, pruned by the upkeep after a checked write and db evaluate",
    "data_access.status_store.find": "derived data lookup",
    "data_access.signal_store.store": "derived data (真实性核查's signals), stored by the upkeep after checked writes",
    "data_access.signal_store.prune": "derived data, deleted by the upkeep after checked writes",
    "data_access.signal_store.refresh": "derived data, kept inside the checked import, recording, 回访, issue, withdraw",
    "data_access.supervision.store_responses": "derived data, built by the checked write paths' upkeep",
    "data_access.supervision.refresh_responses": "derived data, refreshed inside the checked import, issue, withdraw",
    "data_access.compliance.evaluation.store_status": "derived data, refreshed by the checked write paths",
    "data_access.assessment_store.store": "derived data (季考核 inputs), stored by the write path like status_store",
    "data_access.assessment_store.store_default": "derived data (季考核 inputs), stored by upkeep after a write",
    "data_access.assessment_store.keep": "derived data (季考核 inputs), kept inside the checked write paths",
    "data_access.assessment_store.inputs": "derived data lookup (stores a quarter no write has stored yet)",
    "data_access.holidays.ensure_holidays": "the festival calendar (reference data), filled by the demo build",
    "data_access.assessment_report.workbook": "renders a sheet already read; assessment_report.export checks",
    "data_access.freshness.mark": "part of the checked import (when each township's data came in)",
    "data_access.official_regions.load": "the official region list, loaded by a migration",
    "data_access.imports.loader.load": "called only by imports.run_import, which checks",
    "data_access.exporting.to_csv_bytes": "formats a frame already read by a checked export",
    "data_access.exporting.to_xlsx_bytes": "formats frames already read by a checked export",
    "data_access.exporting.write_file": "the command line's file writer (commands act as COMMAND_LINE)",
    "data_access.bulletin.to_docx": "renders a bulletin already read; bulletin.export checks",
    "data_access.bulletin.to_xlsx": "renders a bulletin already read; bulletin.export checks",
    "data_access.bulletin.render": "renders a bulletin already read; bulletin.export checks",
    "data_access.supervision.notice_docx": "renders a notice already read; notice_file checks",
    "data_access.imports.report.rejects_workbook": "the rejected rows of an upload back to its uploader",
    "data_access.imports.template.template_bytes": "the blank import template",
}


def _public_functions():
    for info in pkgutil.walk_packages(data_access.__path__, "data_access."):
        if ".migrations" in info.name or ".demo" in info.name or info.name == "data_access.permissions":
            continue  # permissions: the checks themselves
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                yield f"{info.name}.{name}", module, fn


WRITE_MARKS = re.compile(r"audit\.record\(|session\.(add|add_all|merge|delete)\(|(?<![.\w])(insert|update|delete)\(|"
                         r"bump_version\(|to_xlsx_bytes\(|to_csv_bytes\(|document\.save\(|writestr\(")


def _writes(module, fn, seen=None) -> bool:
    """The function (or a private helper of its module it calls) writes, audits or builds a file."""
    seen = seen if seen is not None else set()
    source = textwrap.dedent(inspect.getsource(fn))
    if WRITE_MARKS.search(source):
        return True
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("_") \
                and node.func.id not in seen:
            seen.add(node.func.id)
            helper = getattr(module, node.func.id, None)
            if inspect.isfunction(helper) and helper.__module__ == module.__name__ and _writes(module, helper, seen):
                return True
    return False


def test_the_list_of_writes_and_exports_is_complete():
    taking_actor, writing_without = set(), set()
    for name, module, fn in _public_functions():
        parameter = inspect.signature(fn).parameters.get("actor")
        if parameter is not None:
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, f"{name}: actor must be keyword-only"
            taking_actor.add(name)
        elif _writes(module, fn):
            writing_without.add(name)
    assert taking_actor == set(WRITES), (
        f"take an actor but are not walked here: {sorted(taking_actor - set(WRITES))}; "
        f"walked here but take no actor: {sorted(set(WRITES) - taking_actor)}")
    assert writing_without <= set(NOT_ACTIONS), (
        f"write, audit or build a file without `*, actor`: {sorted(writing_without - set(NOT_ACTIONS))}")


def test_every_write_checks_its_own_action_in_its_source():
    for name, _module, fn in _public_functions():
        if name in WRITES:
            source = inspect.getsource(fn)
            assert "check(" in source or "check_any(" in source or "_manager(actor)" in source, name


@pytest.fixture
def records(sqlite_url, tmp_path):
    """Township A: a cadre, a household with a person, a pairing (visited), a need, a candidate case,
    a reminder batch DB-1, an account 'zhang'; and a workbook to upload."""
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s, "汉源镇政府", b.TOWNSHIP_A), name="甲乡干部")
        house = b.household(s, b.VILLAGE_A1)
        person = b.person(s, house, b.VILLAGE_A1, name="甲乡对象", id_number="621225198001011234", phone="13800001234")
        pairing = b.pairing(s, house, cadre, dt.date(TODAY.year - 1, 1, 1))
        b.contact(s, pairing, AS_OF - dt.timedelta(days=30), "实地走访", content="走访记录")
        s.add(m.Need(code="N-1", household_id=house, pairing_id=pairing, raised_date=AS_OF - dt.timedelta(days=60),
                     category="就医", content="看病报销", due_date=AS_OF - dt.timedelta(days=30)))
        s.add(m.SupervisionAction(cadre_id=cadre, pairing_id=pairing, kind="提醒", issued_date=AS_OF,
                                  deadline=AS_OF + dt.timedelta(days=10), reason="测试", batch_no="DB-1"))
        case = m.TypicalCase(pairing_id=pairing, status="候选", headline="送医送药", narrative="正文")
        s.add(case)
        task = m.ReturnVisitTask(list_no="HF-1", inspector="inspector1", household_id=house, pairing_id=pairing,
                                 cadre_id=cadre, reason="随机抽查", assigned_date=AS_OF - dt.timedelta(days=5),
                                 due_date=AS_OF + dt.timedelta(days=9), status="待回访", created_by="setup")
        s.add(task)
        s.flush()
        accounts.create_user(s, "zhang", "leader", b.TOWNSHIP_A, "password-123", actor=Actor("setup", "admin"))
        ids = {"cadre_id": cadre, "person_id": person, "pairing_id": pairing, "case_id": case.id, "task_id": task.id}
    ids["workbook"] = wb.write_xlsx(tmp_path / "a.xlsx", wb.base_sheets()).read_bytes()
    return sqlite_url, ids


def _attempt(url: str, ids: dict, write: Write, actor: Actor):
    """Call the write as `actor` in a transaction that is rolled back; the exception raised (or None),
    and whether a refused call had left anything in the session."""
    with session_scope(url) as s:
        audit_before = s.scalar(select(func.count()).select_from(m.AuditEntry))
        try:
            write.call(s, ids, actor)
        except Exception as exc:  # noqa: BLE001 - the outcome is the exception
            touched = bool(s.new or s.dirty or s.deleted) or \
                s.scalar(select(func.count()).select_from(m.AuditEntry)) != audit_before
            return exc, touched
        finally:
            s.rollback()
    return None, False


@pytest.mark.parametrize("role", ROLES)
def test_every_write_and_export_refuses_exactly_the_roles_the_table_refuses(records, role):
    url, ids = records
    wrong = []
    for name, write in WRITES.items():
        may = any(action in ROLE_ACTIONS[role] for action in write.actions)
        raised, touched = _attempt(url, ids, write, Actor(f"{role}1", role))
        refused = isinstance(raised, PermissionDenied)
        if refused != (not may):
            wrong.append(f"{name}: {'refused' if refused else 'allowed'} ({raised!r}), table says {may}")
        elif refused and touched:
            wrong.append(f"{name}: refused only after writing")
        elif may and raised is not None and not isinstance(raised, (ValueError, LookupError, accounts.AccountError,
                                                                     cases.CaseError, needs.NeedError)):
            wrong.append(f"{name}: allowed but crashed: {raised!r}")
    assert not wrong, "\n".join(wrong)


def test_the_allowed_calls_do_their_work(records):
    """The walk above is not passing on errors: for an administrator of the whole database nearly
    every call succeeds on the fixture (the few domain refusals are listed)."""
    url, ids = records
    outcomes = {name: _attempt(url, ids, write, Actor("admin1", "admin"))[0] for name, write in WRITES.items()}
    failed = {name: repr(exc) for name, exc in outcomes.items() if exc is not None}
    assert set(failed) <= {
        "data_access.supervision.withdraw",  # not issued by admin1 (only the issuer withdraws)
        "data_access.cases.workflow.create_case",  # the pairing already has its case
        "data_access.cases.workflow.approve", "data_access.cases.workflow.publish",  # needs consent first
        "data_access.cases.workflow.record_consent",  # a candidate must be shortlisted first
        "data_access.cases.workflow.reopen",  # only a rejected case reopens
        "data_access.cases.publications.record_publication",  # only a published case appears
        "data_access.case_brief.shortlist_briefs",  # nothing shortlisted yet
        "data_access.return_visits.draw_sample",  # the only pairing already has an open 回访 task
        "data_access.return_visits.schedule_for_cadre",  # the same
    }, failed


def test_a_write_aimed_outside_the_actors_region_is_refused(records):
    url, ids = records
    wrong = []
    for name, write in WRITES.items():
        if not write.region:
            continue
        raised, touched = _attempt(url, ids, write, Actor("b_admin", "admin", OTHER_REGION))
        out_of_region = isinstance(raised, ScopeError) or (
            raised is not None and ("范围" in str(raised) or "不存在" in str(raised)))
        if not out_of_region:
            wrong.append(f"{name}: {raised!r}")
        elif touched:
            wrong.append(f"{name}: refused only after writing")
    assert not wrong, "\n".join(wrong)


def test_navigation_is_derived_from_the_permission_table():
    for spec in navigation.PAGES:
        assert spec.action in permissions.ACTIONS, spec.title
        for role in ROLES:
            assert navigation.can_open(role, spec.script) == (spec.action in ROLE_ACTIONS[role]), (spec.title, role)
    assert [p.title for p in navigation.pages_for("publicity")] == ["工作总览", "我的待办", "案例挖掘", "案例详情", "案例展示"]


def test_pages_hold_no_role_gates():
    """Who may open a page is the navigation's (from the table); a page only asks `ctx.actor.may` to
    decide whether to offer a button."""
    for spec in navigation.PAGES:
        source = (navigation.ROOT / spec.script).read_text(encoding="utf-8")
        assert "permissions.allowed(" not in source and "allowed(ctx.user.role" not in source, spec.script
        assert "当前角色无权" not in source, spec.script
