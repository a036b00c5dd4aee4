"""案例展示: published and shortlisted cases of the region, with cases per group and per township so
the office can see whether publicity is spread fairly; batch brief of the shortlist."""

import streamlit as st

from dashboard import charts, ui
from dashboard.cache import query, write
from dashboard.context import get_context
from dashboard.navigation import ROOT
from data_access import case_brief, cases
from data_access.vocabulary import CASE_PUBLISHED

DETAIL = str(ROOT / "pages" / "case_detail.py")
VIEWS = {"已发布": (CASE_PUBLISHED,), "入围及以上（含在审）": cases.SHORTLIST_STATUSES}
SHOWN = 60

ctx = get_context()
ui.header(ctx)
view = st.radio("显示范围", list(VIEWS), index=1, horizontal=True, key="gallery_view")
statuses = VIEWS[view]
figures = query(cases.gallery_figures, ctx.scope, statuses)
listing = query(cases.gallery, ctx.scope, ctx.as_of, ctx.policy, statuses, SHOWN)

total = int(figures.by_township["案例数"].sum()) if not figures.by_township.empty else 0
towns_total = len(figures.by_township)
towns_with = int((figures.by_township["案例数"] > 0).sum()) if towns_total else 0
cols = st.columns(3)
ui.metric(cols[0], f"{view}案例", f"{ui.fmt_int(total)} 件")
ui.metric(cols[1], "有案例的乡镇", f"{towns_with} / {towns_total} 个",
          help="分母为当前范围内有在册关爱对象或有案例的乡镇")
groups_with = int((figures.by_group["案例数"] > 0).sum()) if not figures.by_group.empty else 0
ui.metric(cols[2], "涉及群体", f"{groups_with} / 4 类")

if total == 0:
    ui.empty(f"当前范围内还没有{view}的典型案例。可以到“案例挖掘”中挑选候选结对。")
    st.stop()

left, right = st.columns(2)
with left:
    st.markdown("**各群体案例数**")
    st.plotly_chart(charts.cases_by_group(figures.by_group), width="stretch")
with right:
    st.markdown("**各乡镇案例数**")
    st.plotly_chart(charts.cases_by_township(figures.by_township), width="stretch")
with st.expander("按乡镇查看案例与在册对象（看宣传是否分布均衡）"):
    ui.table(figures.by_township.sort_values(["每千人案例", "乡镇"], ascending=[False, True]))

st.subheader("案例")
if len(listing) >= SHOWN:
    st.caption(f"只列出最近 {SHOWN} 件。")
for _, row in listing.iterrows():
    with st.container(border=True):
        st.markdown(f"**{row['标题']}**")
        st.caption(f"{row['状态']} · 主题：{row['主题']} · {row['乡镇']} · {row['对象']} · {row['群体']} · "
                   f"{row['结对干部']}（{row['单位']}）")
        st.page_link(DETAIL, label="查看详情", icon=":material/arrow_forward:",
                     query_params={"case": str(int(row["编号"]))})

st.divider()
scope, as_of, policy, username = ctx.scope, ctx.as_of, ctx.policy, ctx.user.username
display, region_name = ctx.user.display_name or username, ctx.region_name


def docx_batch() -> bytes:
    return write(case_brief.shortlist_briefs, scope, as_of, policy, display, region_name, False,
                 actor=ctx.actor)


def zip_batch() -> bytes:
    return write(case_brief.shortlist_briefs, scope, as_of, policy, display, region_name, True,
                 actor=ctx.actor)


st.markdown("**导出入围案例简报**（入围、已同意、已审核、已发布的案例；对象只用化名，导出记入审计日志）")
cols = st.columns([1, 1, 3])
ui.download("合并为一个 Word 文件", docx_batch, "入围典型案例简报.docx", where=cols[0])
ui.download("每案一个文件（zip）", zip_batch, "入围典型案例简报.zip", where=cols[1], icon=":material/folder_zip:")
