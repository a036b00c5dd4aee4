"""我的待办: the logged-in user's own open items in the region shown — batches they issued due this
week or unanswered, needs overdue at their level, cases waiting for their approval, their 回访 tasks,
the accountability steps proposed for their unanswered 督办 — each opening its record by a link.
The items and their rules are data_access.my_work."""

import streamlit as st

from dashboard import navigation, ui
from dashboard.cache import query
from dashboard.context import get_context
from data_access import my_work

ctx = get_context()
ui.header(ctx)

work = query(my_work.my_work, ctx.scope, ctx.as_of, ctx.policy, my_work.reader(ctx.actor))
scripts = {spec.url_path: spec for spec in navigation.PAGES}

if not work.sections:
    ui.empty("您的账号没有需要办理的事项类别。")
    st.stop()

cols = st.columns(len(work.sections))
for column, section in zip(cols, work.sections, strict=True):
    ui.metric(column, section.title, f"{ui.fmt_int(section.total)} 项")
st.caption(f"本周指 {work.as_of:%m月%d日} 至 {work.week_end:%m月%d日}（周日）。点“打开”进入该事项所在页面。")

for section in work.sections:
    st.subheader(f"{section.title}（{ui.fmt_int(section.total)}）")
    st.caption(section.explanation)
    if not section.items:
        ui.empty(section.empty)
        continue
    for item in section.items:
        with st.container(border=True):
            text, link = st.columns([6, 1], vertical_alignment="center")
            text.markdown(f"**{item.title}**")
            text.caption(item.detail)
            spec = scripts[item.page]
            link.page_link(str(navigation.ROOT / spec.script), label="打开", icon=":material/arrow_forward:",
                           query_params=item.params, disabled=not navigation.can_open(ctx.user.role, spec.script),
                           help=f"打开{spec.title}")
    if section.total > len(section.items):
        st.caption(f"仅列出最紧要的 {len(section.items)} 项，共 {ui.fmt_int(section.total)} 项。")
