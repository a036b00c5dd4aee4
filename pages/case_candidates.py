"""案例挖掘: pairings ranked by the evidence in their records, each with its reasons, for publicity staff."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import ui
from dashboard.cache import query, write
from dashboard.context import get_context
from dashboard.navigation import ROOT
from data_access import cases, permissions
from data_access.config import current_date
from data_access.policy import POLICY_LABELS
from data_access.vocabulary import CASE_REJECTED, GROUPS, RANKS

ALL = "全部"
PAGE_SIZE = ui.page_size(50)  # rows a page; lower under test (ui.max_rows)
DETAIL = str(ROOT / "pages" / "case_detail.py")

ctx = get_context()
ui.header(ctx)
cols = st.columns([1, 1, 1.2, 1])
group = cols[0].selectbox("群体", [ALL, *GROUPS], key="case_group", placeholder="请选择")
theme = cols[1].selectbox("主题", [ALL, *cases.THEMES], key="case_theme",
                          help="按诉求类别和联系记录中的关键词归类", placeholder="请选择")
rank = cols[2].selectbox("干部职级", [ALL, cases.LEADER_PARENTS, *RANKS], key="case_rank", placeholder="请选择")
period_start = cols[3].date_input(
    "期间开始", value=dt.date(ctx.year, 1, 1), min_value=dt.date(ctx.year - 3, 1, 1), max_value=ctx.as_of,
    format="YYYY-MM-DD", key=f"case_start_{ctx.as_of}", help="期间截止于左侧“截至日期”",
)
search = st.text_input("在联系记录中搜索", placeholder="如：轮椅、入学、住院、春节", key="case_search", max_chars=50)

filters = cases.CandidateFilters(
    group=None if group == ALL else group,
    theme=None if theme == ALL else theme,
    rank=None if rank == ALL else rank,
    search=search.strip() or None,
    period_start=period_start,
)
if st.session_state.get("case_filters") != filters:
    st.session_state["case_filters"] = filters
    st.session_state["case_page"] = 0
page_no = st.session_state.get("case_page", 0)

with st.spinner("正在按记录计算候选案例得分…"):
    result = query(cases.candidates, ctx.scope, ctx.as_of, ctx.policy, filters, page_no, PAGE_SIZE)
st.caption(f"统计期间：{result.period_start:%Y年%m月%d日} 至 {result.period_end:%Y年%m月%d日}；"
           "按得分从高到低排列，得分相同按结对先后排列。对象只显示化名和年龄。")

with st.expander("得分怎么算"):
    st.markdown(
        "得分 = 下列各项证据 × 每项分值之和（分值在“规则设置”中调整）。联系、走访的“应有次数”按达标规则计算，"
        "只计期间内截至日期仍在结对的户；没有任何加分证据的结对不列入候选。"
    )
    st.markdown("\n".join(
        f"- {POLICY_LABELS[term.weight][0].removeprefix('案例评分：')}：{'−' if term.sign < 0 else '+'}"
        f"{getattr(ctx.policy, term.weight)} 分" for term in cases.SCORE_TERMS
    ) + f"\n- 快速办结：{ctx.policy.case_fast_days} 天内；详实记录：不少于 {ctx.policy.case_note_chars} 字")

rows = result.rows
if rows.empty:
    ui.empty("没有符合条件的候选案例。可以放宽群体、主题或职级条件，或把期间开始日期提前。" if page_no == 0
             else "已经是最后一页。")
    if page_no > 0 and st.button("回到第一页"):
        st.session_state["case_page"] = 0
        st.rerun()
    st.stop()

# the publicity guard of every row's cadre, so staff see it in the list before choosing a row
notes = query(cases.guard_notes, tuple(int(i) for i in rows["pairing_id"]), current_date(), ctx.policy)
rows = rows.assign(督查提示=[notes.get(int(i), "") for i in rows["pairing_id"]])
if rows["督查提示"].ne("").any():
    st.caption("“督查提示”列出结对干部目前滞后或失联、有未回应的督办或已被约谈等处理的情况："
               "在此期间不宜宣传该干部的事迹，案例须领导说明理由后方可审核、发布。")
event = st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    column_order=["排名", "得分", "对象", "群体", "推荐理由", "督查提示", "案例状态", "主题", "乡镇", "结对干部", "单位"],
    column_config={
        "推荐理由": st.column_config.TextColumn(width="large"),
        "得分": st.column_config.NumberColumn(format="%d"),
        "督查提示": st.column_config.TextColumn(help="结对干部目前的督查问题；有问题的不宜宣传"),
    },
    on_select="rerun",
    selection_mode="single-row",
    key=f"case_table_{page_no}",
)

nav = st.columns([1, 1, 6])
if page_no > 0 and nav[0].button("上一页"):
    st.session_state["case_page"] = page_no - 1
    st.rerun()
if result.has_more and nav[1].button("下一页"):
    st.session_state["case_page"] = page_no + 1
    st.rerun()
nav[2].caption(f"第 {page_no + 1} 页，本页 {len(rows)} 条")

selected = event.selection.rows if event is not None else []
if not selected:
    st.caption("点选表格中的一行，可查看案例详情或建立案例。")
    st.stop()

row = rows.iloc[selected[0]]
pairing_id, case_id = int(row["pairing_id"]), row["case_id"]
box = st.container(border=True)
box.markdown(f"**第 {row['排名']} 名（{row['得分']} 分）：{row['对象']}，{row['群体']}，{row['乡镇']}**")
box.markdown(f"结对干部：{row['结对干部']}（{row['单位']}）　主题：{row['主题'] or '—'}　案例状态：{row['案例状态']}")
box.markdown("\n".join(f"- {reason}" for reason in row["推荐理由"].split("；")))
guard = query(cases.publicity_guard, pairing_id, current_date(), ctx.policy)
if guard.holds:
    box.warning(f"督查提示：{guard.sentence()}。在此期间不宜宣传该干部的事迹，案例须领导说明理由后方可审核、发布。",
                icon=":material/report:")
actions = box.columns([1, 1, 4])
if actions[0].button("查看案例详情", type="primary"):
    params = {"case": str(int(case_id))} if pd.notna(case_id) else {"pairing": str(pairing_id)}
    st.switch_page(DETAIL, query_params=params)
can_create = ctx.actor.may("manage_cases") and row["案例状态"] in (cases.NO_CASE, CASE_REJECTED)
confirm = actions[1].popover("建立案例", icon=":material/add:") if can_create else None
if confirm is not None:
    confirm.markdown("建立后案例只能“标为未采用”，不能删除。确认为这个结对建立案例？")
if confirm is not None and confirm.button("确认建立案例", type="primary", key="case_create"):
    try:
        new_id = write(cases.create_case, ctx.scope, ctx.as_of, ctx.policy, pairing_id, actor=ctx.actor)
    except (cases.CaseError, permissions.PermissionDenied) as exc:
        st.error(str(exc))
    else:
        st.switch_page(DETAIL, query_params={"case": str(new_id)})
