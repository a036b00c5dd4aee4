"""提醒督办: past reminders and supervision orders with what followed (answered within the deadline,
late, unanswered, pending), the share that worked per unit, and each batch's notice to print."""

import datetime as dt

import streamlit as st

from dashboard import charts, ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import supervision
from data_access.vocabulary import ACTION_KINDS

PAGE_SIZE = ui.page_size(50)  # rows a page; lower under test (ui.max_rows)
ANY = "全部"
NOTICE_TAB = "通知下载"

ctx = get_context()
ui.header(ctx)
st.caption(
    "回应情况按截至日期判断：期限内（发出当日至期限当日）联系了该结对户为“已回应”；期限未到且尚未联系为“待回应”；"
    "期限已过、期限后才联系为“逾期后回应”；期限已过且发出后一直未联系为“逾期未回应”。"
)

row = st.columns([1, 1, 1.2])
since = row[0].date_input("发出日期自", dt.date(ctx.year, 1, 1), max_value=ctx.as_of, format="YYYY-MM-DD",
                          key="sv_since")
kind = row[1].selectbox("类型", [ANY, *ACTION_KINDS], key="sv_kind", placeholder="请选择")
outcome = row[2].selectbox("回应情况", [ANY, *supervision.OUTCOMES], key="sv_outcome", placeholder="请选择")
kind_value = None if kind == ANY else kind
outcome_value = None if outcome == ANY else outcome

page_no = st.session_state.get("sv_page", 1)
result = query(supervision.action_page, ctx.scope, ctx.as_of, ctx.policy, outcome_value, kind_value, since, page_no, PAGE_SIZE)
if page_no > 1 and result.rows.empty:
    st.session_state["sv_page"] = page_no = 1
    result = query(supervision.action_page, ctx.scope, ctx.as_of, ctx.policy, outcome_value, kind_value, since, 1, PAGE_SIZE)
counts = result.counts
issued = result.issued

cols = st.columns(5)
ui.metric(cols[0], "发出提醒/督办", f"{ui.fmt_int(issued)} 次")
ui.metric(cols[1], "已回应", f"{ui.fmt_int(counts.get(supervision.ANSWERED, 0))} 次")
ui.metric(cols[2], "逾期未回应", f"{ui.fmt_int(counts.get(supervision.UNANSWERED, 0))} 次")
ui.metric(cols[3], "待回应", f"{ui.fmt_int(counts.get(supervision.PENDING, 0))} 次")
ui.metric(cols[4], "回应率", ui.fmt_pct(result.response_rate),
          help="已回应 ÷（全部 − 待回应）：期限已到或已回应的提醒督办中，期限内得到落实的比例")

earlier = result.unanswered_before
if earlier:
    st.caption(f"另有 {ui.fmt_int(earlier)} 次{kind_value or '提醒督办'}在 {since:%Y-%m-%d} 之前发出、至今仍未回应，"
               "不在上面的统计内；“逾期事项”页不论何时发出，一并计入“提醒督办未回应”。")

if issued == 0:
    ui.empty(f"{ctx.region_name}自 {since:%Y-%m-%d} 至 {ctx.as_of:%Y-%m-%d} 没有发出提醒或督办。"
             "可在“达标督查”页勾选滞后干部后发出。")
    st.stop()

# ?batch=<批次号> (a link from 我的待办 or shared): open that batch's notice.
linked_batch = st.query_params.get("batch")
if linked_batch and linked_batch != st.session_state.get("_sv_url"):
    st.session_state["_sv_url"] = st.session_state["sv_batch"] = linked_batch
    st.session_state["sv_tab"] = NOTICE_TAB


def show_list() -> None:
    st.subheader(f"{outcome if outcome_value else '全部'}记录 {ui.fmt_int(result.total)} 条")
    if result.rows.empty:
        ui.empty("没有符合条件的记录。")
        return
    ui.table(result.rows, column_config={
        c: st.column_config.DateColumn(format="YYYY-MM-DD") for c in ("发出日期", "回应期限", "首次联系日期")
    })
    ui.pager(result.total, PAGE_SIZE, "sv_page")


def show_units() -> None:
    effect = query(supervision.unit_effect, ctx.scope, ctx.as_of, ctx.policy, since)
    if kind_value:
        st.caption("各单位统计包含提醒和督办两类。")
    judged = effect[effect["回应率"].notna()]
    if not judged.empty:
        st.plotly_chart(charts.share_bars(judged.head(20), "工作单位", "回应率最低的单位（前 20 个）", share="回应率"),
                        width="stretch")
    ui.table(ui.paged(effect, "sv_units_page", unit="个"), percent=("回应率",))


def show_notices() -> None:
    batch_rows = query(supervision.batches, ctx.scope, ctx.as_of)
    if not batch_rows:
        ui.empty("没有可下载通知的批次。")
        return
    names = {b[0]: f"{b[0]} · {b[1]} · {b[2]:%Y-%m-%d} · {b[3]} 条" for b in batch_rows}
    if linked_batch and linked_batch not in names and query(supervision.notice, ctx.scope, linked_batch):
        names[linked_batch] = linked_batch  # an older batch than the list's newest
    if st.session_state.get("sv_batch") not in names:
        st.session_state.pop("sv_batch", None)
    batch_no = st.selectbox("批次", list(names), format_func=names.get, key="sv_batch", placeholder="请选择")
    item = query(supervision.notice, ctx.scope, batch_no)
    st.markdown(f"**{item.title}**　发出 {item.issued_date:%Y-%m-%d}，回应期限 {item.deadline:%Y-%m-%d}")
    ui.table(item.rows, column_config={"回应期限": st.column_config.DateColumn(format="YYYY-MM-DD")})
    if ctx.actor.may("export_lists"):
        cols = st.columns([1, 1, 3])
        ui.download(
            "下载通知（Word）",
            lambda: write(supervision.notice_file, ctx.scope, ctx.region_name, batch_no, "docx", actor=ctx.actor),
            f"{item.title}.docx", where=cols[0],
        )
        ui.download(
            "下载名单（Excel）",
            lambda: write(supervision.notice_file, ctx.scope, ctx.region_name, batch_no, "xlsx", actor=ctx.actor),
            f"{item.title}.xlsx", where=cols[1],
        )
        cols[2].caption("通知列出干部、单位和存在问题，可打印下发；下载会记入审计日志。")


# Only the open tab runs (choosing another reruns the page): the notice tab's batches are grouped
# from every action in scope (350k at province), which a viewer of the list does not need.
tabs = st.tabs(["提醒督办记录", "各单位回应情况", NOTICE_TAB], key="sv_tab", on_change="rerun")
for tab, show in zip(tabs, (show_list, show_units, show_notices), strict=True):
    if tab.open:
        with tab:
            show()
