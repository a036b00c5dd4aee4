"""季考核: a quarter's score of every unit and township with the parts and their inputs, grade, rank and
change from last quarter; a unit's cadres; freezing by a leader, then frozen vs recomputed side by
side with what changed; the workbook, the Word notice and the 表扬名单."""


import streamlit as st

from dashboard import ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import assessment, assessment_late, assessment_report, permissions
from data_access.assessment import LEVEL_CADRE, LEVEL_TOWNSHIP, LEVEL_UNIT, Quarter
from data_access.config import current_date
from data_access.scope import ScopeError

SCORE_FORMAT = {"得分": st.column_config.NumberColumn(format="%.1f"),
                "较上季": st.column_config.NumberColumn(format="%+.1f"),
                **{label: st.column_config.NumberColumn(format="%.1f")
                   for label in assessment.PART_SCORE_LABELS.values()},
                "代码": None}
LATE_PAGE_SIZE = ui.page_size(50)
# A province has ~6,000 units and ~1,300 townships: the sheets are shown a page at a time (the
# workbook has them whole), so no render sends the browser more than a few thousand rows.
SHEET_PAGE_SIZE = ui.page_size(500)
DIFF_PAGE_SIZE = ui.page_size(100)  # the differences are sentences in a plain table


def _score(value) -> str:
    return "" if value is None or value != value else f"{value:.1f}"


def _page(frame, key: str, size: int = SHEET_PAGE_SIZE, where=st, unit: str = "个"):
    """The rows of `frame` on the page the user picked (a pager above them when there is more than one)."""
    number = ui.pager(len(frame), size, key, where=where, unit=unit)
    return frame.iloc[(number - 1) * size:number * size]


ctx = get_context()
today = current_date()
ui.header(ctx, caption=f"{ctx.region_name} · 按季度末计分")
actor = ctx.actor

quarters = Quarter.last_ended(min(ctx.as_of, today)).recent(8)
quarter = st.selectbox("考核季度", quarters, format_func=lambda q: q.label, key="as_quarter", placeholder="请选择")

sheet = query(assessment_report.current, ctx.region_code, quarter, ctx.policy, actor=actor)
frozen = sheet.frozen_at is not None
if frozen:
    st.info(f"{quarter.label}考核结果已冻结：{sheet.frozen_by}于 {sheet.frozen_at:%Y-%m-%d %H:%M} 冻结。以下为冻结结果，"
            "此后导入的数据不再改变它；重算结果见“冻结与重算对比”。", icon=":material/lock:")
else:
    st.caption(f"按现有记录计算，截至 {quarter.end:%Y-%m-%d}。领导冻结后，考核结果不再随后续导入变化。")

if not sheet.units and not sheet.townships:
    ui.empty(f"{ctx.region_name}在{quarter.label}末没有在结对的干部，没有考核结果。")
    st.stop()

top = st.columns([1, 1, 1.4])
ui.download(
    "下载考核表（Excel）", lambda: write(assessment_report.export, ctx.region_code, quarter, ctx.policy, "xlsx",
                                       actor=actor),
    f"{quarter.label}结对关爱工作考核_{sheet.region_name}.xlsx", where=top[0], icon=":material/table:", width="stretch")
ui.download(
    "下载通报（Word）", lambda: write(assessment_report.export, ctx.region_code, quarter, ctx.policy, "docx",
                                   actor=actor),
    f"{sheet.title}.docx", where=top[1], width="stretch")
if not frozen and ctx.actor.may("freeze_assessment"):
    with top[2].popover("冻结本季度考核结果", icon=":material/lock:", width="stretch"):
        st.markdown(f"冻结后，{sheet.region_name}{quarter.label}的得分、计分数据和所用设置将保存并不再改变，"
                    "冻结人和时间记入审计日志。每个季度只能冻结一次。")
        if st.button("确认冻结", type="primary", key="as_freeze"):
            try:
                done = write(assessment.freeze, ctx.region_code, quarter, ctx.policy, actor=actor)
            except (ScopeError, assessment.FreezeError, permissions.PermissionDenied) as exc:
                st.error(f"未能冻结：{exc}")
            else:
                ui.flash(ctx, f"已冻结{quarter.label}考核结果（{len(done.units)} 个单位、"
                              f"{len(done.townships)} 个乡镇），冻结时间 {done.frozen_at:%Y-%m-%d %H:%M}。")

tabs = st.tabs(["工作单位", "乡镇", "冻结与重算对比", "表扬名单", "考核设置"])
with tabs[0]:
    units = assessment.frame(sheet.units, LEVEL_UNIT, sheet.settings)
    st.caption("得分 = 各项得分按权重加权（某项本季没有可考核的内容则不计，其余项按权重折算）；"
               "各项得分 = 100 × 完成比例；较上季为与上季度得分之差（上季度已冻结的按冻结结果）。")
    ui.table(ui.blank_gaps(_page(units, "as_units_page")), column_config=SCORE_FORMAT)
    unit_names = {line.key: line.name for line in sheet.units}
    picked = st.selectbox("查看单位内各干部的完成情况", [None, *ui.narrowed(unit_names, "as_unit")],
                          format_func=lambda k: "请选择单位" if k is None else unit_names[k], key="as_unit",
                          placeholder="请选择")
    if picked is not None:
        cadres = query(assessment.compute, ctx.scope, quarter, ctx.policy, LEVEL_CADRE, int(picked))
        st.caption("按现有记录计算的各干部得分（同一计分办法，按干部的结对户计）。")
        ui.table(ui.blank_gaps(_page(assessment.frame(cadres, LEVEL_CADRE, sheet.settings), f"as_cadres_page_{picked}",
                                     unit="名")), column_config=SCORE_FORMAT)
with tabs[1]:
    ui.table(ui.blank_gaps(_page(assessment.frame(sheet.townships, LEVEL_TOWNSHIP, sheet.settings),
                                 "as_townships_page")), column_config=SCORE_FORMAT)
with tabs[2]:
    if not frozen:
        ui.empty("本季度尚未冻结。冻结后，这里并排显示冻结结果与按现有记录重算的结果，并列出变化。")
    else:
        level = st.radio("对比", [LEVEL_UNIT, LEVEL_TOWNSHIP], horizontal=True, key="as_cmp_level",
                         format_func=assessment.NAME_LABELS.get)
        like_frozen = assessment.with_settings(ctx.policy, sheet.settings)
        recomputed = query(assessment.sheet, ctx.scope, ctx.region_code, quarter, like_frozen, level)
        frozen_lines = sheet.units if level == LEVEL_UNIT else sheet.townships
        brief = [assessment.NAME_LABELS[level], "得分", "等级", "排名"]
        left, right = st.columns(2)
        left.markdown(f"**冻结结果**（{sheet.frozen_at:%Y-%m-%d %H:%M}）")
        left.dataframe(_page(assessment.frame(frozen_lines, level, sheet.settings)[brief], f"as_cmp_frozen_{level}",
                             where=left), hide_index=True, column_config=SCORE_FORMAT)
        right.markdown("**按现有记录重算**（用冻结时的权重和等级设置）")
        right.dataframe(_page(assessment.frame(recomputed, level, sheet.settings)[brief], f"as_cmp_now_{level}",
                              where=right), hide_index=True, column_config=SCORE_FORMAT)
        diff = assessment.differences(frozen_lines, recomputed, level)
        if diff.empty:
            st.success("冻结后没有影响本季度考核的新数据，重算结果与冻结结果一致。", icon=":material/check_circle:")
        else:
            st.warning(f"冻结后又有数据改变了 {len(diff)} 个{assessment.NAME_LABELS[level]}的结果："
                       "多为冻结后才录入、日期在本季度内的记录（补录），本身就是需要核实的信号。",
                       icon=":material/warning:")
            # a plain table: the explanations are sentences to read in full, not cells to scroll
            shown = _page(diff, f"as_diff_page_{level}", DIFF_PAGE_SIZE)
            st.table(ui.blank_gaps(shown.assign(冻结得分=shown["冻结得分"].map(_score),
                                                重算得分=shown["重算得分"].map(_score))))
        st.markdown("**冻结后补录的记录**（日期在本季度内、录入时间晚于冻结时间的联系记录和满意度回访）")
        counts = query(assessment_late.late_counts, ctx.scope, quarter, sheet.frozen_at)
        if counts.empty:
            ui.empty("冻结后没有补录日期在本季度内的联系记录或满意度回访。")
        else:
            choices = [None, *range(len(counts))]
            picked_row = st.selectbox(
                "工作单位", choices, key="as_late_unit", placeholder="请选择",
                format_func=lambda i: f"全部单位（{int(counts['条数'].sum())} 条）" if i is None else
                f"{counts['工作单位'].iat[i]}（{int(counts['条数'].iat[i])} 条）")
            unit_filter = None if picked_row is None else counts["unit_id"].iat[picked_row]
            unit_filter = None if unit_filter is None or unit_filter != unit_filter else int(unit_filter)
            total = int(counts["条数"].sum() if picked_row is None else counts["条数"].iat[picked_row])
            page_no = ui.pager(total, LATE_PAGE_SIZE, key=f"as_late_page_{picked_row}")
            _, late_rows = query(assessment_late.late_records, ctx.scope, quarter, sheet.frozen_at, unit_filter,
                                 page_no, LATE_PAGE_SIZE)
            st.caption("对象姓名已隐去；下载的考核表（Excel）含全部补录记录（工作表“冻结后补录记录”）。")
            ui.table(late_rows)
with tabs[3]:
    if assessment.commendation_on_request(ctx.scope) and not st.session_state.get(f"as_commend_{quarter.code}"):
        st.caption(f"{ctx.region_name}范围较大，表扬名单需要逐一核对每名干部的考核等级和提醒督办，约需数十秒。")
        if st.button("生成表扬名单", key="as_commend_go"):
            st.session_state[f"as_commend_{quarter.code}"] = True
            st.rerun()
    else:
        good_units, good_cadres = query(assessment.commendation, ctx.scope, sheet.units, quarter, ctx.policy)
        st.caption("考核等级为“好”、且季度末没有待回应或逾期未回应的提醒督办、本季度以来没有约谈等处理的单位和干部，"
                   "供领导表扬和宣传选题参考。")
        left, right = st.columns(2)
        left.markdown(f"**单位**（{len(good_units)} 个）")
        if good_units.empty:
            left.info("本季度没有符合条件的单位。")
        else:
            left.dataframe(_page(good_units, "as_good_units_page", where=left), hide_index=True,
                           column_config=SCORE_FORMAT)
        right.markdown(f"**干部**（{len(good_cadres)} 名）")
        if good_cadres.empty:
            right.info("本季度没有符合条件的干部。")
        else:
            right.dataframe(_page(good_cadres, "as_good_cadres_page", where=right, unit="名"), hide_index=True,
                            column_config=SCORE_FORMAT)
with tabs[4]:
    st.caption("冻结的季度按冻结时的设置计分；未冻结的按当前规则设置（系统管理员可在“规则设置”中修改）。")
    ui.table(assessment.settings_frame(sheet.settings))
