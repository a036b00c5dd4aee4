"""政策落实: for each group its entitled policies and how the persons in the register stand on each
as of the sidebar date (已落实 / 未落实 / 不适用 / 未报送), the same per township, and the masked list
of persons still missing one, to hand to the responsible department (audited export)."""

import datetime as dt

import streamlit as st

from dashboard import charts, ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import policy_delivery
from data_access.exporting import ExportStamp, to_xlsx_bytes
from data_access.vocabulary import ENTITLED_POLICIES, GROUPS, POLICY_NOT_REPORTED, POLICY_UNDELIVERED

PAGE_SIZE = ui.page_size(100)  # rows a page; lower under test (ui.max_rows)
RATE = st.column_config.NumberColumn("落实率", format="%.1f%%", help="已落实 ÷（应享 − 不适用）")

ctx = get_context()
ui.header(ctx, f"截至 {ctx.as_of:%Y-%m-%d}，按落实日期计：落实日期在此之后的算未落实；没有报送记录的单列为“未报送”。")

summary = query(policy_delivery.summary, ctx.scope, ctx.as_of)
if summary["在册人数"].sum() == 0:
    ui.empty(f"{ctx.region_name}在 {ctx.as_of:%Y-%m-%d} 没有在册的关爱对象，暂无政策落实情况。")
    st.stop()

st.plotly_chart(charts.policy_delivery(summary, "各类群体应享政策落实情况（人）"), width="stretch")
ui.table(summary, percent=("落实率",), column_config={"落实率": RATE})

st.subheader("分乡镇落实情况")
townships = query(policy_delivery.by_township, ctx.scope, ctx.as_of)
ui.table(ui.paged(townships.drop(columns=["乡镇代码"]), "pd_towns_page", unit="个"), percent=("落实率",),
         column_config={"落实率": RATE, "应享人项": st.column_config.NumberColumn("应享人项", help="在册人数 × 各自应享政策项数")})

st.subheader("政策未落实名单")
st.caption("每行为一人一项未落实或未报送的应享政策，身份证号已脱敏；可导出后交相关职能部门逐人核实落实。")
cols = st.columns(3)
group = cols[0].selectbox("类别", ["全部", *GROUPS], key="pd_group", placeholder="请选择")
group = None if group == "全部" else group
names = sorted({p for g in ([group] if group else GROUPS) for p in ENTITLED_POLICIES[g]})
policy = cols[1].selectbox("应享政策", ["全部", *names], key="pd_policy", placeholder="请选择")
policy = None if policy == "全部" else policy
state = cols[2].selectbox("状态", ["未落实和未报送", POLICY_UNDELIVERED, POLICY_NOT_REPORTED], key="pd_state", placeholder="请选择")
state = None if state == "未落实和未报送" else state

total = policy_delivery.missing_in_summary(summary, group, policy, state)
if total == 0:
    ui.empty("所选范围内没有未落实或未报送的应享政策。")
    st.stop()
page = ui.pager(total, PAGE_SIZE, "pd_page")
rows = query(policy_delivery.missing_persons, ctx.scope, ctx.as_of, group, policy, (page - 1) * PAGE_SIZE, PAGE_SIZE,
             state)
ui.table(rows)

if ctx.actor.may("export_lists"):
    export_key = (ctx.scope.prefix, ctx.as_of, group, policy, state)
    if st.button("生成导出文件（Excel）", icon=":material/download:"):
        frame = write(policy_delivery.export_missing, ctx.scope, ctx.as_of, ctx.region_code, group, policy, state,
                      actor=ctx.actor)
        what = f"政策未落实名单（截至 {ctx.as_of}）"
        stamp = ExportStamp(ctx.user.display_name or ctx.user.username, what, ctx.region_name, dt.datetime.now())
        st.session_state["pd_export"] = (export_key, to_xlsx_bytes({"政策未落实名单": frame}, stamp))
    ready_key, ready = st.session_state.get("pd_export", (None, None))
    if ready_key == export_key:
        ui.download("下载政策未落实名单.xlsx", ready, f"政策未落实名单_{ctx.region_name}_{ctx.as_of}.xlsx")
