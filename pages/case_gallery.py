"""案例展示: published and shortlisted cases of the region, with cases per group and per township so
the office can see whether publicity is spread fairly; batch brief of the shortlist."""

import streamlit as st

from dashboard import charts, ui
from dashboard.cache import query, write
from dashboard.context import get_context
from dashboard.navigation import ROOT
from data_access import case_brief, cases, permissions
from data_access.config import current_date
from data_access.vocabulary import CASE_PUBLISHED, PUBLICATION_CHANNELS

DETAIL = str(ROOT / "pages" / "case_detail.py")
VIEWS = {"已发布": (CASE_PUBLISHED,), "入围及以上（含在审）": cases.SHORTLIST_STATUSES}
SHOWN = 60

ctx = get_context()
ui.header(ctx)
today = current_date()
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
    if len(figures.by_township) > charts.TOWNSHIPS_CHARTED:
        st.caption(f"图中为案例最多的 {charts.TOWNSHIPS_CHARTED} 个乡镇（共 {len(figures.by_township):,} 个），全部乡镇见下方表格。")
with st.expander("按乡镇查看案例与在册对象（看宣传是否分布均衡）"):
    ui.table(ui.paged(figures.by_township.sort_values(["每千人案例", "乡镇"], ascending=[False, True]), "cg_towns_page",
                      unit="个"))

st.subheader("案例")
if len(listing) >= SHOWN:
    st.caption(f"只列出最近 {SHOWN} 件。")
appearances = query(cases.publications, ctx.scope, tuple(int(i) for i in listing["编号"]))
LINK = {"链接": st.column_config.LinkColumn("链接", display_text="打开链接")}
for _, row in listing.iterrows():
    with st.container(border=True):
        st.markdown(f"**{row['标题']}**")
        st.caption(f"{row['状态']} · 主题：{row['主题']} · {row['乡镇']} · {row['对象']} · {row['群体']} · "
                   f"{row['结对干部']}（{row['单位']}）")
        shown = appearances.get(int(row["编号"]))
        if shown is not None:
            st.markdown(f"发布记录（{len(shown)} 次）")
            ui.table(shown[["发布渠道", "发布日期", "链接", "说明"]], column_config=LINK)
        elif row["状态"] == CASE_PUBLISHED:
            st.caption("尚未登记发布记录。")
        st.page_link(DETAIL, label="查看详情", icon=":material/arrow_forward:",
                     query_params={"case": str(int(row["编号"]))})

published = listing[listing["状态"] == CASE_PUBLISHED]
if not published.empty and (ctx.actor.may("manage_cases") or ctx.actor.may("approve_cases")):
    st.markdown("**登记发布记录**（案例在哪里、哪天发布；可多次登记，登记后不能修改，记入审计日志）")
    with st.form("publication", enter_to_submit=False):
        titles = dict(zip(published["编号"].astype(int), published["标题"], strict=True))
        c = st.columns([2, 1, 1])
        case_id = c[0].selectbox("案例", list(titles), format_func=lambda i: f"案例{i}：{titles[i]}",
                                 placeholder="请选择")
        channel = c[1].selectbox("发布渠道", list(PUBLICATION_CHANNELS), placeholder="请选择")
        published_on = c[2].date_input("发布日期", value=today, max_value=today, format="YYYY-MM-DD")
        link = st.text_input("链接（网上发布的填写，以 http:// 或 https:// 开头）", max_chars=500,
                             placeholder="https://mp.weixin.qq.com/s/…")
        note = st.text_input("说明（栏目、版面等，可不填）", max_chars=200)
        if st.form_submit_button("登记发布记录", type="primary"):
            try:
                write(cases.record_publication, ctx.scope, today, case_id, channel, published_on, link, note,
                      actor=ctx.actor)
            except (cases.CaseError, permissions.PermissionDenied) as exc:
                st.error(str(exc))
            else:
                ui.flash(ctx, f"已登记：案例{case_id} {published_on:%Y年%m月%d日}在{channel}发布。")

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
