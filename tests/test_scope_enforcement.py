"""Region scope is enforced in the data layer, not by hiding widgets: a user of township A (汉源镇)
cannot obtain township B's (长道镇) rows through any page, query parameter, download, reveal or
direct data_access call.

Township B's records carry markers (names, ID number, phone, texts) that must never appear in
anything township A's users are given; a county user, as the control, does see them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
import inspect
import json
import pkgutil
import typing
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

import data_access
from dashboard.navigation import PAGES, pages_for, roles_for
from data_access import models as m
from data_access import privacy
from data_access.db import session_scope
from data_access.models import AuditEntry
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import Scope, ScopeError
from tests import builders as b
from tests.apptest import app, as_user, downloads, open_page, texts
from tests.fixed_date import TODAY

AS_OF = TODAY
LAST_YEAR = dt.date(TODAY.year - 1, 1, 1)
B_ID = "621225199001019876"
B_PHONE = "13912349876"
B_MARKERS = ("乙乡对象", "乙乡干部", "长道村", B_ID, B_PHONE, "9876", "乙乡诉求", "乙乡督办", "乙乡评价", "乙乡案例")
TOWNSHIP_LEADER = as_user("tl", "leader", b.TOWNSHIP_A, "汉源镇领导")
TOWNSHIP_INSPECTOR = as_user("ti", "inspector", b.TOWNSHIP_A, "汉源镇督查员")
COUNTY_LEADER = as_user("cl", "leader", b.COUNTY, "县领导")


def _township(s, tag: str, village: str, unit_region: str, id_number: str, phone: str) -> dict:
    unit = b.unit(s, f"{tag}乡政府", unit_region)
    cadre = b.cadre(s, unit, name=f"{tag}乡干部")
    s.get(m.Cadre, cadre).phone = phone
    house = b.household(s, village)
    person = b.person(s, house, village, name=f"{tag}乡对象", id_number=id_number, phone=phone,
                      guardian=f"{tag}乡监护人")
    child = b.person(s, house, village, group="孤儿", birth_date=dt.date(TODAY.year - 10, 5, 1), name=f"{tag}乡孩子")
    pairing = b.pairing(s, house, cadre, LAST_YEAR)
    b.contact(s, pairing, TODAY - dt.timedelta(days=200), "实地走访", content=f"{tag}乡走访记录",
              gift_yuan=Decimal("300"))
    raised = TODAY - dt.timedelta(days=120)
    s.add(m.Need(code=f"N-{tag}", household_id=house, pairing_id=pairing, raised_date=raised, category="就医",
                 content=f"{tag}乡诉求：看病报销", due_date=raised + dt.timedelta(days=30)))
    s.add(m.SupervisionAction(cadre_id=cadre, pairing_id=pairing, kind="督办", issued_date=TODAY - dt.timedelta(days=40),
                              deadline=TODAY - dt.timedelta(days=10), reason=f"{tag}乡督办：半年未走访",
                              batch_no=f"DB-{tag}"))
    s.add(m.Satisfaction(household_id=house, pairing_id=pairing, survey_date=TODAY - dt.timedelta(days=30),
                         level="满意", note=f"{tag}乡评价：干部常来"))
    s.add(m.TypicalCase(pairing_id=pairing, status="候选", headline=f"{tag}乡案例：送医送药", narrative=f"{tag}乡案例正文"))
    s.add(m.PolicyDelivery(person_id=person, policy="基本生活保障", delivered=False))
    s.flush()
    return {"cadre_id": cadre, "person_id": person, "child_id": child, "pairing_id": pairing, "household_id": house}


@pytest.fixture
def two_townships(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    with session_scope(db_url) as s:
        b.region_tree(s)
        a = _township(s, "甲", b.VILLAGE_A1, b.TOWNSHIP_A, "621225198001011234", "13800001234")
        other = _township(s, "乙", b.VILLAGE_B1, b.TOWNSHIP_B, B_ID, B_PHONE)
        need_b = s.scalar(select(m.Need.code).where(m.Need.household_id == other["household_id"]))
        case_b = s.scalar(select(m.TypicalCase.id).where(m.TypicalCase.pairing_id == other["pairing_id"]))
    return db_url, a, {**other, "code": need_b, "case_id": case_b}


def _leaks(text: str) -> list[str]:
    return [marker for marker in B_MARKERS if marker in text]


# -- pages, query parameters and downloads ------------------------------------------------------


@pytest.mark.parametrize("user", [TOWNSHIP_LEADER, TOWNSHIP_INSPECTOR], ids=["township_leader", "township_inspector"])
def test_no_page_or_download_shows_another_township(two_townships, user):
    _, _, other = two_townships
    assert "工作总览" in _walk_pages(user, other)


def _walk_pages(user: dict, other: dict) -> list[str]:
    """Open every page the user's role may open, plain and with a crafted link naming township B's
    records; fail on a leak or on any page exception (a crash is a failure, not a pass)."""
    crafted = {"cadre": str(other["cadre_id"]), "case": str(other["case_id"]), "need": other["code"],
               "pairing": str(other["pairing_id"]), "person": str(other["person_id"])}
    opened = []
    for spec in pages_for(user["role"]):
        at = open_page(spec.script, user=user)
        assert not at.exception, f"{spec.title}: {at.exception}"
        assert spec.title in [t.value for t in at.title], f"{spec.title} did not open"
        shown = texts(at)
        assert not _leaks(shown), f"{spec.title} shows township B: {_leaks(shown)}"
        for label, content in downloads(at).items():
            assert not _leaks(_decoded(content)), f"{spec.title} download {label} has township B rows"
        at.query_params.update(crafted)  # a crafted link naming township B's records
        at.run()
        assert not at.exception, f"{spec.title} with {crafted}: {at.exception}"
        assert not _leaks(texts(at)), f"{spec.title} with {crafted} shows township B: {_leaks(texts(at))}"
        for label, content in downloads(at).items():
            assert not _leaks(_decoded(content)), f"{spec.title} with {crafted}: download {label}"
        opened.append(spec.title)
    return opened


def _broken(fn):
    """`fn` as if its query failed: same module, name and signature, raises."""
    @functools.wraps(fn)
    def broken(*args, **kwargs):
        raise RuntimeError(f"{fn.__name__} 查询失败（测试注入）")

    return broken


def test_a_crashing_page_fails_the_page_walk(two_townships, monkeypatch):
    """The walk above can fail: a page whose query raises is reported, not passed over."""
    from data_access import coverage

    _, _, other = two_townships
    monkeypatch.setattr(coverage, "snapshot", _broken(coverage.snapshot))  # 工作总览's query
    with pytest.raises(AssertionError, match="工作总览.*snapshot 查询失败"):
        _walk_pages(TOWNSHIP_LEADER, other)


def _decoded(content: bytes) -> str:
    """CSV text, or the text of every cell of a workbook / Word file in the download."""
    if content[:2] != b"PK":
        return content.decode("utf-8-sig", errors="replace")
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "\n".join(archive.read(n).decode("utf-8", errors="replace") for n in archive.namelist()
                         if n.endswith((".xml", ".csv", ".txt")))


def test_county_control_sees_both_townships(two_townships):
    at = open_page("pages/home.py", user=COUNTY_LEADER)
    assert {x.label: x.value for x in at.metric}["在册关爱对象"] == "4 人"
    at = open_page("pages/home.py", user=TOWNSHIP_LEADER)
    assert {x.label: x.value for x in at.metric}["在册关爱对象"] == "2 人"


def test_county_control_reaches_township_b_by_a_crafted_link(two_townships):
    """The crafted links of the township test do reach the records when the scope allows."""
    _, _, other = two_townships
    at = open_page("pages/cadre.py", user=COUNTY_LEADER)
    at.query_params["cadre"] = str(other["cadre_id"])
    at.run()
    assert "乙乡干部" in texts(at)


@pytest.mark.parametrize("requested", [b.TOWNSHIP_B, b.VILLAGE_B1, b.COUNTY, "62", "621225101001999"])
def test_region_outside_the_scope_in_the_url_is_refused_and_audited(two_townships, requested):
    url, _, _ = two_townships
    at = app(user=TOWNSHIP_LEADER)
    at.query_params["region"] = requested
    at.run()
    assert not at.exception
    assert any("不在您账号的查看范围内" in e.value for e in at.error)
    assert {x.label: x.value for x in at.metric}["在册关爱对象"] == "2 人"  # township A's own figures
    assert not _leaks(texts(at))
    with session_scope(url) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "scope_refused")).one()
    assert (entry.username, entry.target, entry.region_code) == ("tl", requested, b.TOWNSHIP_A)
    assert json.loads(entry.detail)["region"] == requested


def test_region_inside_the_scope_in_the_url_is_kept(two_townships):
    at = app(user=TOWNSHIP_LEADER)
    at.query_params["region"] = b.VILLAGE_A1
    at.run()
    assert not at.error and "城关村" in texts(at)


def test_page_outside_the_role_is_refused_and_audited(two_townships):
    url, _, _ = two_townships
    for spec in PAGES:
        if "publicity" in roles_for(spec):
            continue
        at = open_page(spec.script, user=as_user("pub", "publicity", b.COUNTY))
        assert any(f"无权打开“{spec.title}”页面" in e.value for e in at.error), spec.title
        assert not at.dataframe and not at.metric, spec.title
    with session_scope(url) as s:
        refused = s.scalars(select(AuditEntry.target).where(AuditEntry.action == "scope_refused")).all()
    assert set(refused) == {spec.title for spec in PAGES if "publicity" not in roles_for(spec)}


# -- the reveal ---------------------------------------------------------------------------------


def test_reveal_is_scoped_permitted_and_audited(two_townships):
    url, a, other = two_townships
    township = Scope.for_region(b.TOWNSHIP_A)
    with session_scope(url) as s:
        shown = privacy.reveal_person(s, a["person_id"], "核实身份", actor=Actor("tl", "leader", township))
        assert (shown.name, shown.id_number, shown.phone) == ("甲乡对象", "621225198001011234", "13800001234")
        assert privacy.reveal_cadre(s, a["cadre_id"], "电话回访", actor=Actor("tl", "leader", township)).phone == "13800001234"
        with pytest.raises(ScopeError):
            privacy.reveal_person(s, other["person_id"], "越权", actor=Actor("tl", "leader", township))
        with pytest.raises(ScopeError):
            privacy.reveal_cadre(s, other["cadre_id"], "越权", actor=Actor("tl", "leader", township))
        with pytest.raises(PermissionError):
            privacy.reveal_person(s, a["person_id"], "督查", actor=Actor("ti", "inspector", township))
        with pytest.raises(ValueError, match="事由"):
            privacy.reveal_person(s, a["person_id"], "  ", actor=Actor("tl", "leader", township))
    with session_scope(url) as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "reveal").order_by(AuditEntry.id)).all()
    assert [(e.username, e.region_code, json.loads(e.detail)["why"]) for e in entries] == [
        ("tl", b.VILLAGE_A1, "核实身份"), ("tl", b.TOWNSHIP_A, "电话回访")]
    assert "甲乡对象" not in entries[0].target  # the log names the record masked


REVEAL_SCRIPT = """
import datetime as dt
import streamlit as st
from dashboard.auth import CurrentUser
from dashboard.context import PageContext, set_context
from dashboard.privacy import reveal
from data_access.policy import Policy
from tests.fixed_date import TODAY
user = CurrentUser(**st.session_state["who"])
set_context(PageContext(user, user.scope, None, "", TODAY, Policy()))
st.write("身份证号 " + st.session_state["masked"])
reveal("person", st.session_state["person_id"])
"""


def test_reveal_widget_shows_one_record_on_purpose(two_townships):
    url, a, _ = two_townships
    at = AppTest.from_string(REVEAL_SCRIPT, default_timeout=30)
    at.session_state["who"] = TOWNSHIP_LEADER
    at.session_state["masked"] = "6212************34"
    at.session_state["person_id"] = a["person_id"]
    at.run()
    assert "621225198001011234" not in texts(at)
    at.button[0].click().run()  # no reason given: nothing revealed
    assert "621225198001011234" not in texts(at) and "请先填写查看事由" in at.warning[0].value
    at.text_input[0].input("核实户籍").run()
    at.button[0].click().run()
    assert "621225198001011234" in texts(at) and "13800001234" in texts(at)
    at.run()  # the next run masks again
    assert "621225198001011234" not in texts(at)
    at.session_state["who"] = TOWNSHIP_INSPECTOR
    at.run()
    assert not at.button  # an inspector cannot reveal
    with session_scope(url) as s:
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all()) == 1


# -- every data_access query, called directly --------------------------------------------------


def _arguments(fn, scope: Scope, other: dict) -> tuple[list, dict] | None:
    """Arguments after the session for `fn(session, …, scope, …)` by parameter name, aiming every record id at township
    B; a keyword-only `actor` is an administrator limited to `scope` (so only the region can refuse). None when a
    parameter has no value we know how to give."""
    known = {
        "as_of": AS_OF, "today": AS_OF, "on_date": AS_OF, "policy": Policy(), "year": AS_OF.year,
        "month": AS_OF.month, "start": dt.date(AS_OF.year, 1, 1), "end": AS_OF, "region_code": None,
        "username": "tl", "role": "leader", "exported_by": "tl", "region_name": "汉源镇", "limit": 1000,
        "offset": 0, "reason": "测试", "note": "测试", "outcome": "测试", "to_level": "单位", "fmt": "xlsx", "batch_no": "DB-乙",
        "scope": scope, **{key: other[key] for key in ("cadre_id", "person_id", "pairing_id", "household_id", "code", "case_id")},
        "cadre_ids": [other["cadre_id"]], "household_ids": [other["household_id"]],
        "actor": Actor("tl", "admin", scope),
    }
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - unresolvable annotations: names only
        hints = {}
    args, kwargs, positional_done = [], {}, False
    for parameter in list(inspect.signature(fn).parameters.values())[1:]:
        hint = hints.get(parameter.name)
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            if parameter.name in known:
                kwargs[parameter.name] = known[parameter.name]
            elif parameter.default is inspect.Parameter.empty:
                return None
        elif positional_done:
            continue
        elif parameter.name in known:
            args.append(known[parameter.name])
        elif isinstance(hint, type) and dataclasses.is_dataclass(hint) and all(
                f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
                for f in dataclasses.fields(hint)):
            args.append(hint())  # e.g. filters: CandidateFilters() = no filter
        elif parameter.default is inspect.Parameter.empty:
            return None
        else:
            positional_done = True  # the rest keep their defaults
    return args, kwargs


def _scoped_functions():
    for info in pkgutil.walk_packages(data_access.__path__, "data_access."):
        if ".migrations" in info.name or ".demo" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            params = list(inspect.signature(fn).parameters)
            if fn.__module__ == module.__name__ and not name.startswith("_") and params[:1] == ["session"] \
                    and ("scope" in params or "actor" in params):
                yield f"{info.name}.{name}", fn


def _as_text(result) -> str:
    if isinstance(result, pd.DataFrame):
        return result.to_csv()
    if dataclasses.is_dataclass(result):
        return repr(result)
    if isinstance(result, bytes):
        return _decoded(result)
    return repr(result)


def test_every_scoped_data_access_function_keeps_to_the_township(two_townships):
    url, _, other = two_townships
    called, refused, skipped, seen_by_county = _walk_functions(url, other)
    print("refused outside the scope:", sorted(set(refused)), "\nnot called (arguments unknown):", skipped)
    assert len(called) + len(refused) >= 20, (called, refused)
    assert {"乙乡对象", "乙乡干部"} <= seen_by_county  # the control: the markers are findable at all


def _walk_functions(url: str, other: dict):
    """Call every scoped data_access function with a county and a township A scope, aimed at township
    B's records. Fails on a leak and on a crash (an exception other than a refusal)."""
    township, county = Scope.for_region(b.TOWNSHIP_A), Scope.for_region(b.COUNTY)
    called, refused, skipped, leaks, crashed, seen_by_county = [], [], [], {}, {}, set()
    for name, fn in _scoped_functions():
        for scope in (county, township):
            with session_scope(url) as s:
                arguments = _arguments(fn, scope, other)
                if arguments is None:
                    skipped.append(name)
                    break
                args, kwargs = arguments
                try:
                    out = _as_text(fn(s, *args, **kwargs))
                except (PermissionError, LookupError, ValueError):
                    if scope is township:
                        refused.append(name)
                    continue
                except Exception as exc:  # noqa: BLE001 - collected: every crash is named in the failure
                    crashed[f"{name} ({'township' if scope is township else 'county'})"] = repr(exc)
                    continue
                finally:
                    s.rollback()  # writes aimed at township B are probes, not data
            if scope is county:
                seen_by_county.update(_leaks(out))
            elif _leaks(out):
                leaks[name] = _leaks(out)
            else:
                called.append(name)
    assert not leaks, f"township B rows given to a township A scope: {leaks}"
    assert not crashed, f"data_access functions that crashed: {crashed}"
    return called, refused, skipped, seen_by_county


def test_a_crashing_query_fails_the_function_walk(two_townships, monkeypatch):
    """The walk above can fail: a query that raises is a failure, not 'refused' and not skipped."""
    from data_access import needs

    url, _, other = two_townships
    monkeypatch.setattr(needs, "summary", _broken(needs.summary))
    with pytest.raises(AssertionError, match=r"data_access\.needs\.summary \(county\).*summary 查询失败"):
        _walk_functions(url, other)


def test_every_verification_list_keeps_to_the_township(two_townships):
    from data_access import verification

    url, _, _ = two_townships
    township = Scope.for_region(b.TOWNSHIP_A)
    with session_scope(url) as s:
        for key in verification.BY_KEY:
            assert not _leaks(verification.rows(s, key, township, AS_OF, Policy()).to_csv()), key
            assert not _leaks(_decoded(verification.export(s, key, township, AS_OF, Policy(), "汉源镇",
                                                           actor=Actor("tl", "leader", township)))), key
        s.rollback()


def test_refused_record_link_is_said_and_audited(two_townships):
    url, _, other = two_townships
    at = AppTest.from_string(
        "from dashboard.auth import CurrentUser, refuse_record\n"
        "refuse_record(CurrentUser('tl', 'leader', '621225100'), '干部', '99')\n", default_timeout=30).run()
    assert "链接中的干部（99）不存在或不在您账号的查看范围内" in at.error[0].value
    with session_scope(url) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "scope_refused")).one()
    assert (entry.username, entry.target, entry.region_code) == ("tl", "干部 99", b.TOWNSHIP_A)


@pytest.mark.parametrize(
    ("script", "param", "what"),
    [("pages/cadre.py", "cadre", "干部"), ("pages/needs.py", "need", "诉求"), ("pages/case_detail.py", "case", "案例")],
)
def test_crafted_record_link_to_another_township_is_refused_and_audited(two_townships, script, param, what):
    url, _, other = two_townships
    value = str(other["code"] if param == "need" else other[f"{param}_id"])
    at = open_page(script, user=TOWNSHIP_LEADER)
    at.query_params[param] = value
    at.run()
    assert any("不在您账号的查看范围内" in e.value for e in at.error), [e.value for e in at.error]
    assert not _leaks(texts(at))
    with session_scope(url) as s:
        targets = s.scalars(select(AuditEntry.target).where(AuditEntry.action == "scope_refused")).all()
    assert f"{what} {value}" in targets
