"""审计日志: who did what, when, where, to what — filtered by user, action and date, paged."""

import datetime as dt

import streamlit as st

from dashboard import ui
from dashboard.cache import fresh
from dashboard.context import get_context
from data_access import audit
from data_access.config import current_date

PAGE_SIZE = ui.page_size(50)  # rows a page; lower under test (ui.max_rows)
ALL = "全部用户"

ctx = get_context()
ui.header(ctx, caption="登录、查看完整个人信息、导出、导入、提醒督办、案例状态变更和账号管理的记录")
scope = ctx.user.scope  # the log is kept per user's region, not per village: the sidebar filter does not apply
today = current_date()
cols = st.columns([1.2, 2, 1, 1])
username = cols[0].selectbox("用户", [ALL] + fresh(audit.usernames, scope), key="audit_user", placeholder="请选择")
actions = cols[1].multiselect("操作", list(audit.ACTION_LABELS), format_func=audit.ACTION_LABELS.get,
                              key="audit_actions", placeholder="全部操作", select_all=False)
start = cols[2].date_input("开始日期", today - dt.timedelta(days=30), max_value=today, format="YYYY-MM-DD",
                           key="audit_start")
end = cols[3].date_input("结束日期", today, max_value=today, format="YYYY-MM-DD", key="audit_end")
if start > end:
    st.warning("开始日期晚于结束日期，请调整。")
    st.stop()

who = None if username == ALL else username
filters = (scope, who, tuple(actions), start, end)
total = fresh(audit.count_entries, *filters)
if total == 0:
    ui.empty("所选条件下没有审计记录。")
    st.stop()

pages = ui.pages_of(total, PAGE_SIZE)
page_no = ui.pager(total, PAGE_SIZE, "audit_page")
frame = fresh(audit.entries, *filters, offset=(page_no - 1) * PAGE_SIZE, limit=PAGE_SIZE)
st.caption(f"共 {ui.fmt_int(total)} 条记录，第 {page_no} / {pages} 页，最新的在前。")
ui.table(frame, height=min(36 * (len(frame) + 1) + 4, 1850),
         column_config={"详情": st.column_config.TextColumn(width="large")})
