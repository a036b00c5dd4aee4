"""数据核查 (admin, leader): the office's checklist over the stored records — one tab per check with
its count, rows paged, ID numbers masked, each list exportable. The checks are
data_access.verification."""


import streamlit as st

from dashboard import ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import verification

PAGE_SIZE = ui.page_size(100)  # rows a page; lower under test (ui.max_rows)

ctx = get_context()
ui.header(ctx)
counts = query(verification.counts, ctx.scope, ctx.as_of, ctx.policy)
policy_notes = {
    "grown_up": f"当前规定：年满 {ctx.policy.adult_age} 周岁。",
    "overloaded": f"当前规定：每名干部最多结对 {ctx.policy.max_households_per_cadre} 户。",
}

total = sum(counts.values())
cols = st.columns(4)
for index, check in enumerate(verification.CHECKS):
    ui.metric(cols[index % 4], check.title, f"{ui.fmt_int(counts[check.key])} 条", help=check.description)
if total == 0:
    ui.empty(f"{ctx.region_name}截至 {ctx.as_of:%Y-%m-%d} 没有需要核查的记录。")
    st.stop()

can_export = ctx.actor.may("export_lists")
username = ctx.user.username
tabs = st.tabs([f"{check.title}（{counts[check.key]}）" for check in verification.CHECKS])
for tab, check in zip(tabs, verification.CHECKS, strict=True):
    with tab:
        st.caption(check.description + policy_notes.get(check.key, ""))
        n = counts[check.key]
        if n == 0:
            ui.empty(f"没有{check.title}的记录。")
            continue
        order = ui.sort_choice(verification.sorts(check.key), f"verify_sort_{check.key}")
        page = ui.pager(n, PAGE_SIZE, f"verify_page_{check.key}")
        offset = (int(page) - 1) * PAGE_SIZE
        ui.table(query(verification.rows, check.key, ctx.scope, ctx.as_of, ctx.policy, offset, PAGE_SIZE, order))
        st.caption(f"第 {offset + 1}–{min(offset + PAGE_SIZE, n)} 条，共 {n} 条。身份证号已隐去中间位数。")
        if can_export:
            ui.download(
                "导出 Excel",
                lambda key=check.key, order=order: write(verification.export, key, ctx.scope, ctx.as_of, ctx.policy,
                                                         ctx.region_name, order, actor=ctx.actor),
                f"数据核查_{check.title}_{ctx.region_name}_{ctx.as_of:%Y%m%d}.xlsx", key=f"verify_export_{check.key}",
                help="按所选排序导出该项全部记录（身份证号隐去），导出会记入审计日志。",
            )
