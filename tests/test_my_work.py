"""我的待办 (issue 19): each user's own open items, by the rules the other pages use, each linking to
its record by URL — on a small hand-built county with one item of every kind (and one of each that
must not be listed)."""

import datetime as dt

import pytest
from sqlalchemy import select

from data_access import my_work
from data_access.db import session_scope
from data_access.models import Need, NeedEvent, ReturnVisitTask, SupervisionAction, TypicalCase, User
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import GROUP_DISABLED, LEVEL_HIGHER, LEVEL_OFFICE
from tests import builders as b
from tests.apptest import as_user, open_page
from tests.fixed_date import TODAY

PAGE = "pages/my_work.py"
INSPECTOR = as_user("dc1", "inspector", b.COUNTY, "督查一组")
LEADER = as_user("ld1", "leader", b.COUNTY, "县领导")
TOWN_LEADER = as_user("tl1", "leader", b.TOWNSHIP_A, "汉源镇领导")
CLERK = as_user("jb1", "clerk", b.TOWNSHIP_A, "汉源镇经办")
PUBLICITY = as_user("xc1", "publicity", b.COUNTY, "宣传干部")
DAY = dt.timedelta(days=1)


def actor(user: dict) -> Actor:
    return Actor(user["username"], user["role"], Scope.for_region(user["region_code"]))


@pytest.fixture
def county(sqlite_url, monkeypatch):
    """TODAY is a Thursday: this week ends on Sunday TODAY + 3. dc1 issued TX-DUE (due Saturday,
    pending), TX-LATER (due next week), DB-LATE (a 督办, unanswered) and TX-DONE (answered); dc2
    issued DB-OTHER (unanswered, in township B). Needs overdue at the office, at 上级 (township A)
    and at the cadre; a consented case and a candidate; 回访 tasks for dc1 and dc2."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert TODAY.weekday() == 3
    start = TODAY - dt.timedelta(days=400)
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
        users = {}
        for user in (INSPECTOR, LEADER, TOWN_LEADER, CLERK, PUBLICITY, as_user("dc2", "inspector", b.COUNTY)):
            row = User(username=user["username"], role=user["role"], region_code=user["region_code"])
            s.add(row)
            s.flush()
            users[user["username"]] = row.id
        bureau = b.unit(s, "县民政局")
        cadres, pairings, houses = {}, {}, {}
        for name, village in (("王勇", b.VILLAGE_A1), ("刘芳", b.VILLAGE_A2), ("陈刚", b.VILLAGE_A1),
                              ("赵敏", b.VILLAGE_A2), ("周涛", b.VILLAGE_B1)):
            cadres[name] = b.cadre(s, bureau, name)
            houses[name] = b.household(s, village)
            b.person(s, houses[name], village, group=GROUP_DISABLED, name=f"{name[0]}老汉")
            pairings[name] = b.pairing(s, houses[name], cadres[name], start)

        def action(batch, cadre, kind, issued, deadline, by):
            s.add(SupervisionAction(cadre_id=cadres[cadre], pairing_id=pairings[cadre], kind=kind, issued_date=issued,
                                    deadline=deadline, batch_no=batch, reason="联系不足", issued_by=users[by]))

        action("TX-DUE", "王勇", "提醒", TODAY - 5 * DAY, TODAY + 2 * DAY, "dc1")
        action("TX-LATER", "刘芳", "提醒", TODAY - DAY, TODAY + 10 * DAY, "dc1")
        action("DB-LATE", "陈刚", "督办", TODAY - 20 * DAY, TODAY - 5 * DAY, "dc1")
        action("TX-DONE", "赵敏", "提醒", TODAY - 20 * DAY, TODAY - 5 * DAY, "dc1")
        b.contact(s, pairings["赵敏"], TODAY - 10 * DAY, "电话")  # answered in time
        action("DB-OTHER", "周涛", "督办", TODAY - 30 * DAY, TODAY - 15 * DAY, "dc2")

        def need(code, cadre, level):
            row = Need(code=code, household_id=houses[cadre], pairing_id=pairings[cadre], raised_date=TODAY - 60 * DAY,
                       category="就医", content=f"{code}看病报销", due_date=TODAY - 30 * DAY, level=level)
            s.add(row)
            s.flush()
            if level != "干部个人":
                s.add(NeedEvent(need_id=row.id, event_date=TODAY - 20 * DAY, kind="上报", level=level))

        need("N-OFFICE", "王勇", LEVEL_OFFICE)
        need("N-HIGHER", "刘芳", LEVEL_HIGHER)
        need("N-CADRE", "陈刚", "干部个人")
        consented = TypicalCase(pairing_id=pairings["王勇"], status="已同意", headline="王勇的结对故事")
        candidate = TypicalCase(pairing_id=pairings["刘芳"], status="候选", headline="刘芳的结对故事")
        s.add_all([consented, candidate])
        for inspector, cadre in (("dc1", "陈刚"), ("dc2", "周涛")):
            s.add(ReturnVisitTask(list_no="HF-1", inspector=inspector, household_id=houses[cadre],
                                  pairing_id=pairings[cadre], cadre_id=cadres[cadre], reason="随机抽查",
                                  assigned_date=TODAY - 5 * DAY, due_date=TODAY + 5 * DAY, status="待回访",
                                  created_by="dc1"))
        s.flush()
        ids = {"cases": (consented.id, candidate.id), **{f"cadre_{k}": v for k, v in cadres.items()}}
        ids["task"] = s.scalar(select(ReturnVisitTask.id).where(ReturnVisitTask.inspector == "dc1"))
    return sqlite_url, ids


def sections(url, user, scope=None) -> dict[str, my_work.Section]:
    me = actor(user)
    with session_scope(url) as s:
        work = my_work.my_work(s, scope or me.scope, TODAY, Policy(), me)
    return {section.title: section for section in work.sections}


def links(section: my_work.Section) -> list[tuple[str, dict]]:
    return [(item.page, item.params) for item in section.items]


def test_an_inspector_sees_their_batches_needs_tasks_and_accountability(county):
    url, ids = county
    found = sections(url, INSPECTOR)
    assert list(found) == [my_work.BATCHES, my_work.NEEDS, my_work.RETURN_VISITS, my_work.ACCOUNTABILITY]
    # the unanswered 督办 first (overdue), then the batch due this week; not the one due next week,
    # the answered one, nor dc2's
    assert links(found[my_work.BATCHES]) == [("supervision", {"batch": "DB-LATE"}), ("supervision", {"batch": "TX-DUE"})]
    assert "逾期未回应 1 条" in found[my_work.BATCHES].items[0].detail
    assert "本周到期待回应 1 条" in found[my_work.BATCHES].items[1].detail
    assert links(found[my_work.NEEDS]) == [("needs", {"need": "N-OFFICE"})]  # a county account: the office's
    assert links(found[my_work.RETURN_VISITS]) == [("return_visits", {"task": str(ids["task"])})]
    assert links(found[my_work.ACCOUNTABILITY]) == [("cadre", {"cadre": str(ids["cadre_陈刚"])})]  # not dc2's
    assert "建议下一步：约谈" in found[my_work.ACCOUNTABILITY].items[0].detail


def test_a_leader_sees_needs_cases_to_approve_and_every_unanswered_supervision(county):
    url, ids = county
    found = sections(url, LEADER)
    assert list(found) == [my_work.NEEDS, my_work.CASES_TO_APPROVE, my_work.ACCOUNTABILITY]
    assert links(found[my_work.CASES_TO_APPROVE]) == [("case_detail", {"case": str(ids["cases"][0])})]
    assert "待审核" in found[my_work.CASES_TO_APPROVE].items[0].detail
    assert sorted(p["cadre"] for _, p in links(found[my_work.ACCOUNTABILITY])) == sorted(
        [str(ids["cadre_陈刚"]), str(ids["cadre_周涛"])])
    assert found[my_work.ACCOUNTABILITY].total == 2


def test_a_township_account_answers_at_the_higher_level_and_sees_only_its_township(county):
    url, _ = county
    found = sections(url, TOWN_LEADER)
    assert links(found[my_work.NEEDS]) == [("needs", {"need": "N-HIGHER"})]
    assert [p["cadre"] for _, p in links(found[my_work.ACCOUNTABILITY])] == [
        p["cadre"] for _, p in links(sections(url, INSPECTOR)[my_work.ACCOUNTABILITY])]  # 周涛 is in township B


def test_a_clerk_sees_the_cadres_to_chase_and_publicity_the_cases_to_prepare(county):
    url, ids = county
    clerk = sections(url, CLERK)
    assert list(clerk) == [my_work.REGION_ACTIONS]
    assert links(clerk[my_work.REGION_ACTIONS]) == [("cadre", {"cadre": str(ids["cadre_陈刚"])}),
                                                    ("cadre", {"cadre": str(ids["cadre_王勇"])})]
    publicity = sections(url, PUBLICITY)
    assert list(publicity) == [my_work.CASES_TO_PREPARE]
    assert links(publicity[my_work.CASES_TO_PREPARE]) == [("case_detail", {"case": str(ids["cases"][1])})]


def test_the_region_shown_narrows_the_items(county):
    url, _ = county
    found = sections(url, LEADER, Scope.for_region(b.TOWNSHIP_B))
    assert [item.title for item in found[my_work.ACCOUNTABILITY].items] == [
        item.title for item in sections(url, LEADER)[my_work.ACCOUNTABILITY].items if "周涛" in item.title]
    assert found[my_work.NEEDS].total == 0 and found[my_work.CASES_TO_APPROVE].total == 0
    assert sections(url, as_user("admin", "admin", ""), EVERYWHERE)[my_work.NEEDS].total == 1


def page_links(at) -> list[tuple[str, str]]:
    return [(link.proto.page.rsplit("/", 1)[-1], link.proto.query_string) for link in at.get("page_link")]


def test_the_page_lists_each_item_with_a_link_to_its_record(county):
    url, ids = county
    at = open_page(PAGE, user=INSPECTOR)
    assert not at.exception
    assert at.title[0].value == "我的待办"
    assert {m.label: m.value for m in at.metric} == {
        my_work.BATCHES: "2 项", my_work.NEEDS: "1 项", my_work.RETURN_VISITS: "1 项", my_work.ACCOUNTABILITY: "1 项"}
    shown = page_links(at)
    assert ("supervision", "batch=DB-LATE") in shown and ("needs", "need=N-OFFICE") in shown
    assert ("return_visits", f"task={ids['task']}") in shown and ("cadre", f"cadre={ids['cadre_陈刚']}") in shown


def test_a_batch_link_opens_its_notice_and_a_task_link_its_result_form(county):
    url, ids = county
    at = open_page("pages/supervision.py", user=INSPECTOR)
    at.query_params["batch"] = "DB-LATE"
    at.run()
    assert not at.exception
    assert at.selectbox(key="sv_batch").value == "DB-LATE"
    at = open_page("pages/return_visits.py", user=INSPECTOR)
    at.query_params["task"] = str(ids["task"])
    at.run()
    assert not at.exception
    assert at.selectbox(key="rv_task").value == ids["task"]


def test_the_page_cache_key_drops_the_username_only_where_no_section_reads_it(county):
    """20 province leaders opening 我的待办 computed the same sections 20 times (bench.sessions): the
    page reads them as `my_work.reader(me)`, shared by every leader of one region. What each role
    sees must be the same either way; an inspector's own batches and tasks stay their own."""
    url, _ = county
    for user in (INSPECTOR, LEADER, TOWN_LEADER, CLERK, PUBLICITY):
        me = actor(user)
        with session_scope(url) as s:
            assert my_work.my_work(s, me.scope, TODAY, Policy(), my_work.reader(me)) == \
                my_work.my_work(s, me.scope, TODAY, Policy(), me), user["username"]
    other_leader = actor({**LEADER, "username": "ld2"})
    assert my_work.reader(actor(LEADER)) == my_work.reader(other_leader)
    other_inspector = actor({**INSPECTOR, "username": "dc2"})
    assert my_work.reader(actor(INSPECTOR)) != my_work.reader(other_inspector)
