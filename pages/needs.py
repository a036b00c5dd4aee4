"""诉求台账: every need in the region as of the chosen day — filters, aging buckets per level, a paged
list, and one item's detail with its dated history and the actions an authorised user may take
(escalate one level, add a note, close with the outcome)."""

import datetime as dt
import re

import streamlit as st

from dashboard import auth, charts, privacy, ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import needs, permissions, sorting
from data_access.config import current_date
from data_access.scope import ScopeError
from data_access.vocabulary import ESCALATION_LEVELS, NEED_CATEGORIES, NEED_CLOSED, NEED_OPEN

PAGE_SIZE = ui.page_size(50)  # rows a page; lower under test (ui.max_rows)
ALL = "全部"
NONE = "请选择"
RAISED_PERIODS = ("不限", "近30天", "近90天", "近365天", "指定日期")


def esc(text) -> str:
    """Plain text for st.markdown (a masked ID's asterisks must not turn into italics)."""
    return re.sub(r"([\\`*_{}\[\]<>#+\-!|~])", r"\\\1", str(text or ""))


ctx = get_context()
ui.header(ctx)
role, username = ctx.user.role, ctx.user.username
can_edit = ctx.actor.may("edit_needs")
today = current_date()

# -- filters ---------------------------------------------------------------------------------
with st.container(border=True):
    cols = st.columns([3, 3, 2, 3])
    categories = cols[0].multiselect("类别", NEED_CATEGORIES, key="needs_categories", placeholder="全部类别",
                                     select_all=False)
    levels = cols[1].multiselect("责任层级（截至当日）", ESCALATION_LEVELS, key="needs_levels", placeholder="全部层级",
                                 select_all=False)
    status = cols[2].selectbox("办理状态（截至当日）", (ALL, NEED_OPEN, NEED_CLOSED), key="needs_status", placeholder="请选择")
    # Two dates, not a range picker: its empty state reads "yyyy-mm-dd – yyyy-mm-dd" in English.
    period = cols[3].selectbox("提出日期", RAISED_PERIODS, key="needs_raised",
                               help="按诉求提出日期筛选；选“指定日期”后填写起止日期", placeholder="请选择")
    raised = ()
    if period == RAISED_PERIODS[-1]:
        dates = st.columns([1, 1, 3])
        raised = (dates[0].date_input("提出日期自", dt.date(ctx.year, 1, 1), max_value=ctx.as_of, format="YYYY-MM-DD",
                                      key="needs_raised_from"),
                  dates[1].date_input("提出日期至", ctx.as_of, max_value=ctx.as_of, format="YYYY-MM-DD",
                                      key="needs_raised_to"))
    elif period != RAISED_PERIODS[0]:
        raised = (ctx.as_of - dt.timedelta(days=int(period.removeprefix("近").removesuffix("天")) - 1), ctx.as_of)
    checks = st.columns([1, 1, 4])
    overdue_only = checks[0].checkbox("只看逾期", key="needs_overdue_only",
                                      help="截至当日未办结且已过办理期限（办理期限早于当日）")
    escalation_only = checks[1].checkbox("只看建议上报", key="needs_escalation_only",
                                         help="已逾期、且在当前层级停留超过该层级办理期限的诉求")
flt = needs.LedgerFilter(
    categories=tuple(categories), levels=tuple(levels), status=None if status == ALL else status,
    overdue_only=overdue_only, escalation_only=escalation_only,
    raised_from=raised[0] if raised else None, raised_to=raised[1] if len(raised) == 2 else None,
)

aging = query(needs.level_aging, ctx.scope, ctx.as_of, ctx.policy, flt)
totals = needs.aging_totals(aging)

cols = st.columns(4)
ui.metric(cols[0], "办理中", f"{ui.fmt_int(totals.open)} 件", help="截至当日已提出、尚未办结的诉求")
ui.metric(cols[1], "已逾期", f"{ui.fmt_int(totals.overdue)} 件", help="办理中且办理期限早于当日")
ui.metric(cols[2], "建议上报", f"{ui.fmt_int(totals.due_for_escalation)} 件",
          help=f"已逾期，且在当前层级停留超过办理期限（上报后给新层级 {ctx.policy.escalation_days} 天），"
               "建议上报上一级；是否上报由经办人决定")
ui.metric(cols[3], "已办结", f"{ui.fmt_int(totals.closed)} 件", help="截至当日已办结的诉求（符合筛选条件的）")

if totals.open + totals.closed == 0:
    ui.empty(f"{ctx.region_name}截至 {ctx.as_of:%Y-%m-%d} 没有符合条件的诉求。")
else:
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(charts.need_aging(aging, list(needs.AGING_BUCKETS), "办理中诉求的账龄（按责任层级）"),
                        width="stretch")
    with right:
        st.markdown("**各层级积压情况**")
        ui.table(needs.level_backlog(aging))

# -- the list ----------------------------------------------------------------------------------
st.subheader("诉求清单")
controls = st.columns([1, 1, 2])
order = ui.sort_choice(sorting.labels(needs.LEDGER_SORTS), "needs_sort", where=controls[0])
first = query(needs.ledger_page, ctx.scope, ctx.as_of, ctx.policy, flt, 1, PAGE_SIZE, order)
pages = ui.pages_of(first.total, PAGE_SIZE)
page = ui.pager(first.total, PAGE_SIZE, "needs_page", where=controls[1], unit="件") if pages > 1 else 1
result = first if page == 1 else query(needs.ledger_page, ctx.scope, ctx.as_of, ctx.policy, flt, page, PAGE_SIZE,
                                       order)
if result.rows.empty:
    ui.empty("没有符合筛选条件的诉求。")
else:
    # A new table key after every action: a tick must not stay on a row position the list re-sorted.
    table_round = st.session_state.get("needs_round", 0)
    picked = st.dataframe(ui.blank_gaps(result.rows), hide_index=True, width="stretch", on_select="rerun",
                          selection_mode="single-row", key=f"needs_table_{page}_{table_round}_{sorting.labels(needs.LEDGER_SORTS).index(order)}", column_config={
        "内容": st.column_config.TextColumn("内容", width="medium"),
        "逾期天数": st.column_config.NumberColumn("逾期天数", help="截至当日已过办理期限的天数"),
        "建议上报至": st.column_config.TextColumn("建议上报至", help="在当前层级已超过办理期限，建议上报的上一级"),
    })
    st.caption(f"第 {page} / {pages} 页，共 {first.total} 件；按“{order}”排列。"
               "状态、层级均为截至当日的情况。选中一行（点击行首方框）即在下方显示详情。")
    if picked.selection.rows:
        code = str(result.rows.iloc[picked.selection.rows[0]]["诉求编号"])
        if code != st.session_state.get("needs_last_pick"):  # a new click, not a selection kept from before
            st.session_state["needs_last_pick"] = st.query_params["need"] = code

# -- one item ------------------------------------------------------------------------------------
st.subheader("诉求详情")
requested = st.query_params.get("need")
codes = list(result.rows["诉求编号"])
if requested and requested not in codes:
    codes.insert(0, requested)
choice = st.selectbox("选择诉求", [NONE, *codes], index=codes.index(requested) + 1 if requested else 0,
                      key=f"needs_pick_{requested or ''}", help="可从上面清单中选择；从“逾期事项”点开的诉求也在此显示", placeholder="请选择")
if choice == NONE:
    if requested:
        del st.query_params["need"]
    st.caption("选择一件诉求，查看家庭、结对干部、上报记录，并办理。")
    st.stop()
if choice != requested:
    st.query_params["need"] = choice

detail = query(needs.need_detail, ctx.scope, ctx.as_of, ctx.policy, choice, role)
if detail is None:
    auth.refuse_record(ctx.user, "诉求", choice)
    st.stop()

with st.container(border=True):
    st.markdown(f"#### {esc(detail.code)} · {esc(detail.category)}")
    st.markdown(esc(detail.content))
    cols = st.columns(4)
    ui.metric(cols[0], "截至当日状态", detail.status_on)
    ui.metric(cols[1], "截至当日责任层级", detail.level_on)
    ui.metric(cols[2], "办理期限", f"{detail.due_date:%Y-%m-%d}")
    ui.metric(cols[3], "逾期天数", "未逾期" if detail.overdue_days_on is None else f"{detail.overdue_days_on} 天")
    st.caption(f"户编号 {detail.household_code} · {detail.township or ''}{detail.village or ''} · "
               f"提出日期 {detail.raised_date:%Y-%m-%d} · 目前：{detail.status}，{detail.level}"
               + (f"（{detail.closed_date:%Y-%m-%d} 办结）" if detail.closed_date else ""))
    if detail.proposed_level:
        st.warning(f"该诉求截至 {ctx.as_of:%Y-%m-%d} 已逾期 {detail.overdue_days_on} 天，"
                   f"自 {detail.level_since_on:%Y-%m-%d} 起由“{detail.level_on}”办理，已超过该层级的办理期限。"
                   f"建议上报至“{detail.proposed_level}”，是否上报由您决定。", icon=":material/priority_high:")
    if detail.closure_note:
        st.markdown(f"**办结情况**：{esc(detail.closure_note)}")

    family_col, cadre_col = st.columns([3, 2])
    with family_col:
        st.markdown("**家庭成员**")
        ui.table(detail.family)
        if detail.person_ids:
            privacy.reveal("person", detail.person_ids[0], label="查看完整信息（第一位成员）")
    with cadre_col:
        st.markdown("**结对干部**")
        if detail.cadre_name:
            st.markdown(f"{esc(detail.cadre_name)}（{esc(detail.cadre_code)}）  \n{esc(detail.unit_name)}  \n"
                        f"电话 {esc(detail.cadre_phone or '未登记')}")
            privacy.reveal("cadre", detail.cadre_id)
        else:
            st.caption("提出时该户没有在结对关系。")

    st.markdown("**办理记录**")
    ui.table(detail.history)

if not can_edit:
    st.caption("当前角色只能查看诉求；上报、备注、办结由有办理权限的账号操作。")
    st.stop()


def act(fn, *args, **kwargs) -> None:
    try:
        result = write(fn, detail.code, *args, seen_version=detail.version, actor=ctx.actor, **kwargs)
    except needs.NeedError as exc:
        st.error(str(exc))
        return
    except permissions.PermissionDenied as exc:
        st.error(f"{exc}。")
        return
    except ScopeError:
        st.error("该诉求不在您的管辖范围内，无法办理。")
        return
    st.session_state["needs_round"] = st.session_state.get("needs_round", 0) + 1  # clear the list's tick
    st.query_params["need"] = st.session_state["needs_last_pick"] = detail.code  # the record acted on stays shown
    ui.flash(ctx, f"{detail.code}：{result.message}")


st.markdown("**办理**")
actions = ["添加备注"] + (["上报上一级", "办结"] if detail.status != NEED_CLOSED else [])
tabs = st.tabs(actions)
with tabs[0], st.form("need_note", clear_on_submit=True, enter_to_submit=False):
    note_day = st.date_input("日期", value=today, max_value=today, format="YYYY-MM-DD", key="need_note_day")
    note = st.text_area("备注内容", placeholder="例如：已电话联系县住建局，答复本月内安排人员入户查看")
    if st.form_submit_button("保存备注", type="primary"):
        act(needs.add_note, note, note_day)
if detail.status != NEED_CLOSED:
    with tabs[1]:
        target = detail.next_level
        if target is None:
            st.caption("已在领导小组办公室办理，没有更高一级可以上报。")
        else:
            with st.form("need_escalate", enter_to_submit=False):
                st.markdown(f"当前由“{detail.level}”办理，上报至 **{target}**。")
                esc_day = st.date_input("上报日期", value=today, max_value=today, format="YYYY-MM-DD",
                                        key="need_escalate_day")
                reason = st.text_area("上报说明", placeholder="说明本级无法解决的原因、已做的工作")
                if st.form_submit_button(f"上报至“{target}”", type="primary"):
                    act(needs.escalate, target, esc_day, reason)
    with tabs[2], st.form("need_close", enter_to_submit=False):
        close_day = st.date_input("办结日期", value=today, max_value=today, format="YYYY-MM-DD", key="need_close_day")
        outcome = st.text_area("办结情况", placeholder="写明解决结果，例如：已为该户申请临时救助 2000 元，已到账")
        sure = st.checkbox("我已核实诉求已解决。办结后不能撤销，只能添加备注", key="need_close_sure")
        if st.form_submit_button("确认办结", type="primary"):
            if sure:
                act(needs.close, outcome, close_day)
            else:
                st.warning("请先勾选“我已核实诉求已解决”，再办结。")
