"""工作总览: the headline figures for the chosen region and date, each with its change since the
previous month end. Aggregates only (publicity users see this page too): no personal data."""

import datetime as dt

import streamlit as st

from dashboard import ui
from dashboard.cache import query
from dashboard.context import get_context
from data_access import coverage, freshness, satisfaction
from data_access.config import current_date

ctx = get_context()
ui.header(ctx)

before_day = coverage.previous_month_end(ctx.as_of)
now = query(coverage.snapshot, ctx.scope, ctx.as_of, ctx.policy)
before = query(coverage.snapshot, ctx.scope, before_day, ctx.policy)
same_year = before_day.year == ctx.as_of.year  # year-to-date figures restart on 1 January

if now.head.persons == 0:
    ui.empty(f"{ctx.region_name}在 {ctx.as_of:%Y-%m-%d} 没有在册的关爱对象，请在左侧选择其他地区或日期。")
    st.stop()


def card(column, label: str, value: str, now_value, before_value, unit: str = "", *, worse_when_up: bool = False,
         year_to_date: bool = False, help: str | None = None) -> None:
    """A metric card whose delta is the change since the previous month end ("持平" when none)."""
    if now_value is None or before_value is None or (year_to_date and not same_year):
        ui.metric(column, label, value, help=help)
        return
    diff = now_value - before_value
    if unit == "个百分点":
        diff = round(diff * 100, 1)
        text = f"{diff:+.1f} {unit}"
    else:
        text = f"{diff:+,.0f} {unit}"
    if diff == 0:
        ui.metric(column, label, value, "持平", help=help, delta_color="off", delta_arrow="off")
    else:
        ui.metric(column, label, value, text, help=help, delta_color="inverse" if worse_when_up else "normal")


head, comp, need = now.head, now.compliance, now.needs
st.caption(f"卡片下方为较上月末（{before_day:%Y-%m-%d}）的变化；今年累计的数字在 1 月不作比较。")

cols = st.columns(4)
card(cols[0], "在册关爱对象", f"{ui.fmt_int(head.persons)} 人", head.persons, before.head.persons, "人")
card(cols[1], "在册户数", f"{ui.fmt_int(head.households)} 户", head.households, before.head.households, "户")
card(cols[2], "结对覆盖率", ui.fmt_pct(head.coverage), head.coverage, before.head.coverage, "个百分点",
     help="有在结对关系的在册对象 ÷ 在册对象")
card(cols[3], "结对干部", f"{ui.fmt_int(head.cadres_paired)} 名", head.cadres_paired, before.head.cadres_paired, "名")

cols = st.columns(4)
card(cols[0], "干部达标率", ui.fmt_pct(comp.cadre_on_track_share), comp.cadre_on_track_share,
     before.compliance.cadre_on_track_share, "个百分点", help="所结对户均未滞后、未失联的干部占比（口径见“达标规则”）")
card(cols[1], "今年联系次数", f"{ui.fmt_int(comp.done_contacts)} 次", comp.done_contacts,
     before.compliance.done_contacts, "次", year_to_date=True,
     help=f"在结对关系今年以来的联系次数；截至当日应联系 {ui.fmt_int(comp.owed_contacts)} 次")
card(cols[2], "今年走访次数", f"{ui.fmt_int(comp.done_visits)} 次", comp.done_visits, before.compliance.done_visits,
     "次", year_to_date=True, help=f"实地走访次数；截至当日应走访 {ui.fmt_int(comp.owed_visits)} 次")
card(cols[3], "今年慰问金额", f"{ui.fmt_count(head.gifts_yuan)} 元", head.gifts_yuan, before.head.gifts_yuan, "元",
     year_to_date=True)
cols[1].caption(f"应联系 {ui.fmt_int(comp.owed_contacts)} 次")
cols[2].caption(f"应走访 {ui.fmt_int(comp.owed_visits)} 次")

cols = st.columns(4)
card(cols[0], "在办诉求", f"{ui.fmt_int(need.open)} 件", need.open, before.needs.open, "件", worse_when_up=True)
card(cols[1], "逾期诉求", f"{ui.fmt_int(need.overdue)} 件", need.overdue, before.needs.overdue, "件",
     worse_when_up=True, help="未办结且已过办理期限")
card(cols[2], "滞后 / 失联结对", f"{ui.fmt_count(comp.pairings_behind, 10_000)} / {ui.fmt_count(comp.pairings_silent, 10_000)}",
     comp.pairings_behind + comp.pairings_silent, before.compliance.pairings_behind + before.compliance.pairings_silent,
     "个", worse_when_up=True, help="变化为滞后与失联结对个数之和的增减")
card(cols[3], "认门逾期结对", f"{ui.fmt_int(comp.first_visits_overdue)} 个", comp.first_visits_overdue,
     before.compliance.first_visits_overdue, "个", worse_when_up=True, help="结对已满认门期限仍未实地走访")

st.subheader("三类群体")
cols = st.columns(4)
for column, group, previous in zip(cols, head.groups, before.head.groups, strict=True):
    card(column, group.group, f"{ui.fmt_int(group.persons)} 人", group.persons, previous.persons, "人",
         help=f"{group.households} 户，结对覆盖 {ui.fmt_pct(group.coverage)}")
    column.caption(f"{ui.fmt_int(group.households)} 户 · 已结对 {ui.fmt_int(group.paired_persons)} 人 · "
                   f"覆盖 {ui.fmt_pct(group.coverage)}")

st.subheader("满意度回访")
q_start, q_end = satisfaction.quarter_of(ctx.as_of)
visits = query(satisfaction.rate, ctx.scope, q_start, min(q_end, ctx.as_of), ctx.policy)
cols = st.columns(4)
ui.metric(cols[0], "本季满意率", ui.fmt_pct(visits.rate), help="本季度回访中（满意 + 基本满意）÷ 回访次数")
ui.metric(cols[1], "本季回访", f"{ui.fmt_int(visits.checks)} 次")
ui.metric(cols[2], "不满意", f"{ui.fmt_int(visits.dissatisfied)} 次")
ui.metric(cols[3], "回访不符", f"{ui.fmt_int(visits.mismatched)} 次",
          help="家属说干部没有上门，而该干部在回访日期前三个月内登记了实地走访（与真实性核查的“回访不符”同一口径）")

if ctx.actor.may("view_lists"):
    st.subheader("各乡镇数据更新")
    now = dt.datetime.combine(current_date(), dt.datetime.now().time())
    towns = query(freshness.by_township, ctx.scope, now.replace(second=0, microsecond=0), ctx.policy.freshness_warn_days)
    stale = [t for t in towns if t.stale]
    if stale:
        st.warning(f"{len(stale)} 个乡镇的数据超过 {ctx.policy.freshness_warn_days} 天没有更新（导入或录入），"
                   "请督促按时报送。", icon=":material/schedule:")
    ui.table(ui.paged(freshness.frame(towns), "home_towns_page", unit="个"))
