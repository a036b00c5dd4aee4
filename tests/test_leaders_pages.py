"""The leaders' pages as a user sees them (AppTest on a real SQLite file): the hand-built county of
tests/leaders_data.py viewed on 2024-06-30, empty regions, drill-down into the URL, role limits."""

import pytest

from data_access.db import session_scope
from tests import builders as b
from tests import leaders_data as L
from tests.apptest import ROOT, app, as_user, texts

LEADER = as_user("leader1", "leader", b.COUNTY, "县领导")


@pytest.fixture
def county(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    L.build(sqlite_url)
    return sqlite_url


@pytest.fixture
def empty_county(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
    return sqlite_url


def open_at(script: str, user=LEADER, region: str | None = None, asof: str = "2024-06-30"):
    at = app(user=user)
    at.query_params["asof"] = asof
    if region:
        at.query_params["region"] = region
    at.run()
    if script != "pages/home.py":
        at.switch_page(str(ROOT / script))
        at.run()
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def test_home_cards_with_deltas(county):
    at = open_at("pages/home.py")
    shown = metrics(at)
    assert shown["在册关爱对象"] == ("5 人", "持平")
    assert shown["在册户数"][0] == "4 户"
    assert shown["结对覆盖率"][0] == "80.0%"
    assert shown["结对干部"][0] == "3 名"
    assert shown["干部达标率"][0] == "66.7%"
    assert shown["今年联系次数"] == ("6 次", "+1 次")  # one contact in June
    assert "应联系 6 次" in texts(at) and "应走访 3 次" in texts(at)
    assert shown["今年走访次数"][0] == "2 次"
    assert shown["今年慰问金额"][0] == "200 元"
    assert shown["在办诉求"] == ("2 件", "+1 件")  # raised 06-20
    assert shown["逾期诉求"] == ("1 件", "+1 件")  # due 06-01, so not yet overdue on 05-31
    assert shown["孤儿"][0] == "1 人" and shown["特困人员"][0] == "2 人"


def test_home_for_publicity_has_no_personal_data(county):
    at = open_at("pages/home.py", user=as_user("pub", "publicity", b.COUNTY))
    page = texts(at)
    assert "5 人" in page
    for private in ("李秀英", "刘小红", "张明", "6212", "H0000"):
        assert private not in page


def test_coverage_table_gaps_and_drill_down(county):
    at = open_at("pages/coverage.py")
    table = at.dataframe[0].value
    assert list(table["乡镇"]) == ["长道镇", "汉源镇"]  # lowest coverage first (issue 19)
    assert list(table["在册人数"]) == [3, 2]
    assert list(table["逾期诉求"]) == [1, 0]
    assert [t.label for t in at.tabs] == ["未结对对象（1）", "结对断档（1）", "儿童未由领导干部结对（0）", "待调整结对（0）"]
    assert "孙老汉" in at.dataframe[1].value["姓名"].tolist()
    at.selectbox(key="coverage_drill").select("长道镇").run()
    assert not at.exception
    assert at.query_params["region"] in (b.TOWNSHIP_B, [b.TOWNSHIP_B])
    assert list(at.dataframe[0].value["村（社区）"]) == ["长道村"]
    assert "长道镇" in at.caption[0].value
    at.button[0].click().run()  # 返回上一级
    assert list(at.dataframe[0].value["乡镇"]) == ["长道镇", "汉源镇"]


def test_coverage_shared_link_and_village_level(county):
    at = open_at("pages/coverage.py", region=b.VILLAGE_A1)
    assert "已是最末一级" in texts(at)


def test_policy_delivery_page(county):
    at = open_at("pages/policy_delivery.py")
    summary = at.dataframe[0].value.set_index(["类别", "应享政策"])
    assert summary.loc[("特困人员", "基本生活保障"), "已落实"] == 1
    assert summary.loc[("特困人员", "住房救助"), "不适用"] == 1
    townships = at.dataframe[1].value.set_index("乡镇")
    assert townships.loc["汉源镇", ["应享人项", "已落实", "未落实", "不适用", "未报送"]].tolist() == [8, 1, 1, 1, 5]
    assert townships.loc["长道镇", ["应享人项", "已落实", "未落实", "不适用", "未报送"]].tolist() == [10, 0, 1, 0, 9]
    assert len(at.dataframe[2].value) == 16
    at.selectbox(key="pd_group").select("孤儿").run()
    assert list(at.dataframe[2].value["姓名"]) == ["刘小红"] * 3
    assert sorted(at.dataframe[2].value["状态"]) == ["未报送", "未报送", "未落实"]
    at.selectbox(key="pd_group").select("全部").run()
    at.selectbox(key="pd_state").select("未落实").run()
    assert sorted(at.dataframe[2].value["未落实政策"]) == ["医疗救助", "基本生活保障"]
    assert "621225195001011234" not in texts(at)


def test_trends_page(county):
    at = open_at("pages/trends.py")
    page = texts(at)
    assert "各月联系走访" in page
    festivals = at.dataframe[-1].value
    assert list(festivals["节日"]) == ["春节", "端午节"]
    assert list(festivals["联系次数"]) == [2, 1]


def test_rankings_page(county):
    at = open_at("pages/rankings.py")
    warnings = [w.value for w in at.main.warning]
    assert "达标率末位单位：县民政局" in warnings
    assert not [w for w in warnings if w.startswith("达标率末位地区")]  # only the open tab runs
    at.session_state["rk_tab"] = "下级地区"
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.main.warning]
    assert "达标率末位地区：汉源镇" in warnings and "达标率末位单位：县民政局" not in warnings


def test_bulletin_page(county):
    at = open_at("pages/bulletin.py")
    at.selectbox(key="bulletin_month").select(6).run()
    assert not at.exception
    page = texts(at)
    assert "关于2024年6月结对关爱工作情况的通报" in page
    assert "结对覆盖率80.0%" in page
    assert "县民政局（50.0%）" in page
    assert metrics(at)["干部达标率"][0] == "66.7%"


def test_bulletin_refused_to_inspectors(county):
    at = open_at("pages/bulletin.py", user=as_user("insp", "inspector", b.COUNTY))
    assert any("无权打开“月通报”" in e.value for e in at.error)
    assert "关于2024年" not in texts(at)


@pytest.mark.parametrize("script", ["pages/home.py", "pages/coverage.py", "pages/policy_delivery.py",
                                    "pages/trends.py", "pages/rankings.py", "pages/bulletin.py"])
def test_empty_region_shows_a_sentence(empty_county, script):
    at = open_at(script)
    assert at.info, f"{script} shows no sentence for an empty county"
    assert not at.error


def test_township_user_sees_villages_only(county):
    at = open_at("pages/coverage.py", user=as_user("tl", "leader", b.TOWNSHIP_A))
    assert list(at.dataframe[0].value["村（社区）"]) == ["南关村", "城关村"]  # lowest coverage first
    assert not [bt for bt in at.button if "返回上一级" in bt.label]  # the county is outside the user's region
    assert "长道" not in texts(at)
    ranking = open_at("pages/rankings.py", user=as_user("tl", "leader", b.TOWNSHIP_A))
    units = ranking.dataframe[0].value
    assert list(units["工作单位"]) == ["县民政局"] and list(units["结对干部"]) == [2]


def test_sort_choices_in_chinese_above_the_long_tables(county):
    """Issue 19: a 排序 select (Chinese) above 覆盖情况 and both 单位排名 tables; worst first by default."""
    at = open_at("pages/coverage.py")
    sort = at.selectbox(key="coverage_sort")
    assert sort.label == "排序" and sort.value == "覆盖率由低到高（再按干部达标率）"
    assert list(at.dataframe[0].value["乡镇"]) == ["长道镇", "汉源镇"]
    sort.select("在册人数由多到少").run()
    table = at.dataframe[0].value
    assert list(table["在册人数"]) == sorted(table["在册人数"], reverse=True)
    at.selectbox(key="coverage_sort").select("逾期诉求由多到少").run()
    assert list(at.dataframe[0].value["逾期诉求"]) == [1, 0]
    at = open_at("pages/rankings.py")
    units = at.selectbox(key="rank_units_sort")
    assert units.value == "达标率由低到高（排名）" and "逾期诉求由多到少" not in units.options
    assert list(at.dataframe[0].value["排名"]) == sorted(at.dataframe[0].value["排名"])
    units.select("达标率由高到低").run()
    shares = list(at.dataframe[0].value["达标率"])
    assert shares == sorted(shares, reverse=True) and shares[0] > shares[-1]
    at.session_state["rk_tab"] = "下级地区"
    at.run()
    assert "逾期诉求由多到少" in at.selectbox(key="rank_regions_sort").options


def sidebar_choice(at) -> dict[str, str]:
    return {s.label: s.value for s in at.sidebar.selectbox}


@pytest.mark.parametrize(("script", "key"), [("pages/coverage.py", "coverage_drill"),
                                             ("pages/rankings.py", "rank_drill")])
def test_drill_down_sets_the_sidebar_and_follows_to_the_next_page(county, script, key):
    """Issue 19: a drill-down into a township sets the sidebar's 乡镇 to it, and the next page opened
    shows the same township (in the sidebar, the URL and the figures)."""
    at = open_at(script)
    assert sidebar_choice(at)["乡镇"] == "全部"
    if script == "pages/rankings.py":  # the regions' tab (only the open tab runs)
        at.session_state["rk_tab"] = "下级地区"
        at.run()
    at.selectbox(key=key).select("长道镇").run()
    assert not at.exception
    assert sidebar_choice(at)["乡镇"] == "长道镇" and "村（社区）" in sidebar_choice(at)
    assert at.query_params["region"] in (b.TOWNSHIP_B, [b.TOWNSHIP_B])
    at.switch_page(str(ROOT / "pages/compliance.py"))
    at.run()
    assert not at.exception
    assert sidebar_choice(at)["乡镇"] == "长道镇"
    assert at.caption[0].value.startswith("长道镇 · 截至")
    at.switch_page(str(ROOT / "pages/home.py"))
    at.run()
    assert sidebar_choice(at)["乡镇"] == "长道镇" and at.caption[0].value.startswith("长道镇 · 截至")
    at.sidebar.selectbox(key=f"flt_level_1_{b.COUNTY}").select("全部").run()  # and back by hand
    assert at.caption[0].value.startswith("西和县 · 截至") or "长道镇" not in at.caption[0].value
