"""工作总览: the headline figures for the chosen region and date."""

import streamlit as st

from dashboard import ui
from dashboard.cache import query
from dashboard.context import get_context
from data_access import compliance, coverage

ctx = get_context()
ui.header("工作总览", ctx)

head = query(coverage.headline, ctx.scope, ctx.as_of)
comp = query(compliance.summary, ctx.scope, ctx.as_of, ctx.policy)

if head.persons == 0:
    ui.empty("所选地区在该日期没有在册的关爱对象。")
    st.stop()

cols = st.columns(4)
ui.metric(cols[0], "在册关爱对象", f"{ui.fmt_int(head.persons)} 人")
ui.metric(cols[1], "结对覆盖率", ui.fmt_pct(head.coverage), help="有在结对关系的在册对象 ÷ 在册对象")
ui.metric(cols[2], "结对干部", f"{ui.fmt_int(head.cadres_paired)} 名")
ui.metric(cols[3], "干部达标率", ui.fmt_pct(comp.cadre_on_track_share),
          help="所结对户均未滞后、未失联的干部占比（口径见“达标规则”）")

cols = st.columns(4)
ui.metric(cols[0], "今年联系次数", f"{ui.fmt_int(comp.done_contacts)} / 应 {ui.fmt_int(comp.owed_contacts)}")
ui.metric(cols[1], "今年走访次数", f"{ui.fmt_int(comp.done_visits)} / 应 {ui.fmt_int(comp.owed_visits)}")
ui.metric(cols[2], "滞后 / 失联结对", f"{ui.fmt_int(comp.pairings_behind)} / {ui.fmt_int(comp.pairings_silent)}")
ui.metric(cols[3], "今年慰问金额", f"{head.gifts_yuan:,.0f} 元")

st.subheader("三类群体")
cols = st.columns(4)
for column, group in zip(cols, head.groups, strict=True):
    ui.metric(column, group.group, f"{ui.fmt_int(group.persons)} 人",
              help=f"{group.households} 户，结对覆盖 {ui.fmt_pct(group.coverage)}")
