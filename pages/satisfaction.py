"""满意度回访 (让群众说了算): what families say about their cadre in a quarter — 满意率 per township and
per unit, the 不满意 answers with the cadre and the household (names masked), and for inspectors
the 回访不符 list (the family says the cadre did not come while a home visit is recorded)."""

import streamlit as st

from dashboard import ui
from dashboard.cache import query
from dashboard.context import get_context
from data_access import satisfaction

LIST_PAGE = ui.page_size(200)
RATE = {"label": "满意率", "help": "（满意 + 基本满意）÷ 回访次数"}

ctx = get_context()
ui.header(ctx, "让群众说了算：回访中结对户对干部的评价，按回访日期所在季度统计。")

quarters = satisfaction.quarters_up_to(ctx.as_of)
labels = [satisfaction.quarter_label(start) for start, _ in quarters]
chosen = st.selectbox("季度", labels, key="sat_quarter", placeholder="请选择")
start, end = quarters[labels.index(chosen)]
end = min(end, ctx.as_of)

overall = query(satisfaction.rate, ctx.scope, start, end, ctx.policy)
if overall.checks == 0:
    ui.empty(f"{ctx.region_name}在{chosen}（{start:%m月%d日}至{end:%m月%d日}）没有回访记录。")
    st.stop()

cols = st.columns(4)
ui.metric(cols[0], "回访次数", ui.fmt_int(overall.checks))
ui.metric(cols[1], "满意率", ui.fmt_pct(overall.rate), help="（满意 + 基本满意）÷ 回访次数")
ui.metric(cols[2], "不满意", ui.fmt_int(overall.dissatisfied))
ui.metric(cols[3], "回访不符", ui.fmt_int(overall.mismatched),
          help="家属说干部没有上门，而该干部在回访日期前三个月内登记了实地走访（与真实性核查的“回访不符”同一口径）")

tab_town, tab_unit = st.tabs(["分乡镇", "分单位"])
with tab_town:
    frame = ui.paged(query(satisfaction.by_township, ctx.scope, start, end, ctx.policy), "sf_town_page", unit="个")
    ui.table(frame, percent=("满意率",), column_config={"满意率": RATE})
with tab_unit:
    frame = ui.paged(query(satisfaction.by_unit, ctx.scope, start, end, ctx.policy), "sf_unit_page", unit="个")
    ui.table(frame, percent=("满意率",), column_config={"满意率": RATE})

st.subheader("不满意名单")
st.caption("评价为不满意的回访，对象姓名已脱敏；请结对干部及其单位逐户回应。")
page = ui.pager(overall.dissatisfied, LIST_PAGE, "sf_unhappy_page")
unhappy = query(satisfaction.dissatisfied, ctx.scope, start, end, limit=LIST_PAGE, offset=(page - 1) * LIST_PAGE)
if unhappy.empty:
    ui.empty("本季度没有评价为不满意的回访。")
else:
    ui.table(unhappy)
    ui.page_caption(page, LIST_PAGE, len(unhappy), overall.dissatisfied)

st.subheader("回访不符")
st.caption("家属说干部没有上门（干部是否上门 = 否），而该干部在回访日期前三个月内登记了实地走访（与真实性核查同一口径）："
           "请督查组核实走访记录的真实性。")
page = ui.pager(overall.mismatched, LIST_PAGE, "sf_mismatch_page")
mismatched = query(satisfaction.mismatches, ctx.scope, start, end, ctx.policy, limit=LIST_PAGE,
                   offset=(page - 1) * LIST_PAGE)
if mismatched.empty:
    ui.empty("本季度没有回访不符的记录。")
else:
    ui.table(mismatched)
    ui.page_caption(page, LIST_PAGE, len(mismatched), overall.mismatched)
