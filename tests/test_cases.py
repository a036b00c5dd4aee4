"""Typical-case candidates: the score is reproducible and explained, the filters narrow as a user
expects, the case card tells the story without an ID, phone or real name (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from data_access import cases, compliance
from data_access.db import session_scope
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import GROUP_DISABLED, RANK_GENERAL
from tests import builders as b
from tests import case_scenario as sc

ID_PATTERN = re.compile(r"\d{17}[\dXx]")
PHONE_PATTERN = re.compile(r"(?<!\d)1\d{10}(?!\d)")


@pytest.fixture
def scenario(db_url):
    with session_scope(db_url) as s:
        ids = sc.build(s)
    return db_url, ids


def ranked(url, policy=Policy(), scope=EVERYWHERE, **filters):  # noqa: B008 - frozen default
    with session_scope(url) as s:
        return cases.candidates(s, scope, sc.AS_OF, policy, cases.CandidateFilters(**filters)).rows


def points_in(reasons: str) -> int:
    return sum(int(n) for n in re.findall(r"（\+(\d+)）", reasons)) - sum(
        int(n) for n in re.findall(r"（−(\d+)）", reasons))


def test_ranking_scores_each_kind_of_evidence_and_says_why(scenario):
    url, ids = scenario
    rows = ranked(url)
    assert list(rows["pairing_id"]) == [ids.p1, ids.p2]  # 周福贵's pairing has no evidence
    assert list(rows["排名"]) == [1, 2]
    # P1: need 10 + fast 5 + 4 extra contacts ×2 + 2 extra visits ×4 + 2 festivals ×5 + policy 6
    #     + 满意 8 + 5 rich notes ×1 = 60.  P2: need closed in 40 days 10 + 1 rich note = 11.
    assert list(rows["得分"]) == [60, 11]
    first = rows.iloc[0]
    assert first["推荐理由"].split("；") == [
        "办结诉求 1 件，平均 8 天办结（+10）",
        "1 件诉求在 15 天内办结（+5）",
        "联系 8 次，比应联系 4 次多 4 次（+8）",
        "实地走访 4 次，比应走访 2 次多 2 次（+8）",
        "2 个传统节日当天联系（+10）",
        "新落实应享政策 1 项（+6）",
        "回访评价“满意” 1 次（+8）",
        "详实联系记录 5 条（+5）",
    ]
    for _, row in rows.iterrows():
        assert points_in(row["推荐理由"]) == row["得分"]
    assert first["对象"] == "小王（11岁）" and first["群体"] == "孤儿" and first["乡镇"] == "汉源镇"
    assert first["结对干部"] == "赵建国" and first["单位"] == "县教育局" and first["案例状态"] == "未建案例"
    assert "上学" in first["主题"] and "情感关爱" in first["主题"]


def test_ranking_is_reproducible_and_ties_break_on_the_pairing(scenario):
    url, ids = scenario
    with session_scope(url) as s:
        cadre = b.cadre(s, b.unit(s, "县卫健局"))
        twins = []
        for _ in range(2):
            house = b.household(s, b.VILLAGE_A2)
            b.person(s, house, b.VILLAGE_A2, name="刘玉兰")
            pairing = b.pairing(s, house, cadre, dt.date(2024, 6, 1))
            b.contact(s, pairing, dt.date(2025, 7, 1), "电话", content="x" * 40)
            twins.append(pairing)
    first = ranked(url)
    again = ranked(url)
    assert first.equals(again)
    assert list(first["pairing_id"]) == [ids.p1, ids.p2, *twins]
    assert list(first["得分"])[2:] == [1, 1]


def test_weights_are_policy_settings_and_owed_comes_from_the_rule(scenario):
    url, ids = scenario
    only_needs = Policy(**{**{t.weight: 0 for t in cases.SCORE_TERMS}, "case_weight_needs_solved": 7})
    rows = ranked(url, only_needs)
    assert list(rows["得分"]) == [7, 7] and list(rows["pairing_id"]) == [ids.p1, ids.p2]
    assert list(rows["推荐理由"]) == ["办结诉求 1 件，平均 8 天办结（+7）", "办结诉求 1 件，平均 40 天办结（+7）"]
    # Owing 3 contacts a quarter (12 a year) leaves P1's 8 contacts nothing above what is owed.
    strict = Policy(contacts_per_period=3)
    with session_scope(url) as s:
        status = s.execute(compliance.pairing_status(EVERYWHERE, sc.AS_OF, strict)).mappings().all()
    assert {r["pairing_id"]: r["owed_contacts"] for r in status}[ids.p1] == 12
    reasons = ranked(url, strict).iloc[0]["推荐理由"]
    assert "比应联系" not in reasons and "比应走访 2 次多 2 次" in reasons


def test_filters_narrow_the_candidates(scenario):
    url, ids = scenario

    def pairings(**filters):
        return list(ranked(url, **filters)["pairing_id"])

    assert pairings(group=GROUP_DISABLED) == [ids.p2]
    assert pairings(theme="上学") == [ids.p1]
    assert pairings(theme="就医") == [ids.p2]  # need category
    assert pairings(theme="助残") == [ids.p2]  # note keyword 轮椅
    assert pairings(theme="住房") == []
    assert pairings(rank=cases.LEADER_PARENTS) == [ids.p1]
    assert pairings(rank=RANK_GENERAL) == [ids.p2]
    assert pairings(search="轮椅") == [ids.p2]
    assert pairings(search="团圆饭") == [ids.p1]
    assert pairings(search="没有这句话") == []
    assert pairings(period_start=dt.date(2025, 6, 1)) == [ids.p1]  # P2's evidence was in April and May
    assert pairings(scope=Scope.for_region(b.TOWNSHIP_B)) == [ids.p2]


def test_text_search_escapes_like_wildcards(scenario):
    url, ids = scenario
    with session_scope(url) as s:
        b.contact(s, ids.p2, dt.date(2025, 12, 1), "电话", content="本月轮椅维修完成率100%_已回访")
    assert list(ranked(url, search="100%")["pairing_id"]) == [ids.p2]
    assert list(ranked(url, search="%_")["pairing_id"]) == [ids.p2]
    assert list(ranked(url, search="1_0")["pairing_id"]) == []
    assert list(ranked(url, search="%")["pairing_id"]) == [ids.p2]


def test_case_card_tells_the_story_by_alias_only(scenario):
    url, ids = scenario
    with session_scope(url) as s:
        card = cases.case_card(s, EVERYWHERE, sc.AS_OF, Policy(), pairing_id=ids.p1)
    assert [(p.alias, p.age, p.group, p.is_minor) for p in card.persons] == [("小王", 11, "孤儿", True)]
    assert card.involves_minor and card.cadre == "赵建国" and card.unit == "县教育局"
    facts = dict(card.facts)
    assert facts["累计联系"] == "8 次（其中实地走访 4 次）"
    assert facts["节日联系"] == "2025年春节、2025年中秋节"
    assert facts["慰问金物"] == "1,000 元（3 次）"
    assert card.changes[0].startswith("2025年08月28日，上学方面的诉求办结（用时 8 天）：小王已转入县城第二小学")
    assert list(card.timeline["事项"])[:2] == ["实地走访", "电话"]
    assert "提出诉求（上学）" in set(card.timeline["事项"]) and "群众评价" in set(card.timeline["事项"])
    everything = "\n".join([card.story, card.who, *card.changes, *(v for _, v in card.facts),
                            card.timeline.to_csv(), card.headline])
    for secret in sc.SECRETS:
        assert secret not in everything, secret
    assert not ID_PATTERN.search(everything) and not PHONE_PATTERN.search(everything)
    assert "6212************36" in everything  # the ID in a note is masked, not dropped silently


def test_case_card_refuses_a_pairing_outside_the_scope(scenario):
    url, ids = scenario
    with session_scope(url) as s, pytest.raises(cases.CaseNotFound):
        cases.case_card(s, Scope.for_region(b.TOWNSHIP_B), sc.AS_OF, Policy(), pairing_id=ids.p1)


def test_gallery_figures_count_cases_per_group_and_township(scenario):
    url, ids = scenario
    with session_scope(url) as s:
        for pairing in (ids.p1, ids.p2):
            case_id = cases.create_case(s, EVERYWHERE, sc.AS_OF, Policy(), pairing,
                                        actor=Actor("pub", "publicity"))
            cases.shortlist(s, EVERYWHERE, case_id, actor=Actor("pub", "publicity"))
    with session_scope(url) as s:
        figures = cases.gallery_figures(s, EVERYWHERE)
        listing = cases.gallery(s, EVERYWHERE, sc.AS_OF, Policy())
        published = cases.gallery_figures(s, EVERYWHERE, ("已发布",))
    by_group = figures.by_group.set_index("群体")
    assert by_group.loc["孤儿", "案例数"] == 1 and by_group.loc["困难重度残疾人", "案例数"] == 1
    assert by_group.loc["特困人员", "案例数"] == 0 and by_group.loc["特困人员", "在册对象"] == 1
    towns = figures.by_township.set_index("乡镇")
    assert towns.loc["汉源镇", "案例数"] == 1 and towns.loc["汉源镇", "在册对象"] == 2
    assert towns.loc["汉源镇", "每千人案例"] == 500.0
    assert towns.loc["长道镇", "案例数"] == 1
    assert published.by_township["案例数"].sum() == 0
    assert set(listing["对象"]) == {"小王（11岁）", "孙某（65岁）"}
    assert set(listing["状态"]) == {"入围"}


def test_names_in_notes_are_replaced_by_aliases_without_mangling_words(scenario):
    url, ids = scenario
    with session_scope(url) as s:
        b.person(s, ids.h2, b.VILLAGE_B1, GROUP_DISABLED, dt.date(1950, 10, 1), "李国庆", "621225195010010011")
        b.contact(s, ids.p2, dt.date(2025, 9, 30), "实地走访", content="国庆节前走访李国庆和孙桂兰，李国庆电话 139-1234-5678")
    with session_scope(url) as s:
        card = cases.case_card(s, EVERYWHERE, sc.AS_OF, Policy(), pairing_id=ids.p2)
    note = card.timeline.set_index("日期").loc[dt.date(2025, 9, 30), "内容"]
    assert note == "国庆节前走访李某和孙某，李某电话 139****5678"
    assert [p.alias for p in card.persons] == ["孙某", "李某"]
