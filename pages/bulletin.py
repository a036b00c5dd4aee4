"""月通报: pick a month, preview the bulletin's figures, download the Word notice or the workbook
(each download is generated on click and recorded in the audit log)."""


import streamlit as st

from dashboard import charts, ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import bulletin, trends
from data_access.config import current_date

ctx = get_context()
ui.header(ctx, caption=f"{ctx.region_name} · {ctx.year}年")

today = current_date()
last_month = ctx.as_of.month if ctx.year == today.year else 12
months = list(range(last_month, 0, -1))
default = 1 if len(months) > 1 and ctx.year == today.year else 0  # the last completed month
month = st.selectbox("通报月份", months, index=default, format_func=lambda m: f"{ctx.year}年{m}月", key="bulletin_month", placeholder="请选择")

b = query(bulletin.figures, ctx.scope, ctx.region_code, ctx.year, month, ctx.policy, today)
st.subheader(b.title)
if b.as_of < trends.month_end(b.year, b.month):
    st.caption(f"{b.month}月尚未结束，数据截至 {b.as_of:%Y-%m-%d}。")
if b.is_empty:
    ui.empty(f"{b.region_name}在{b.year}年{b.month}月没有在册的关爱对象，本月无通报内容。")
    st.stop()


# The wording a leader may edit before issuing (一、总体情况, 四、存在问题, 下步要求): kept for this
# login while the leader visits other pages; the Word notice carries it, dated the day it is issued.
generated = bulletin.generated_wording(b)
suffix = f"{b.year}_{b.month}" + (f"_{ctx.region_code}" if ctx.region_code else "")
keys = {part: f"bulletin_text_{part}_{suffix}" for part in bulletin.WORDING_PARTS}


def _keep(key: str) -> None:
    st.session_state[f"_{key}"] = st.session_state[key]


def _restore() -> None:
    for part, key in keys.items():
        st.session_state[key] = st.session_state[f"_{key}"] = getattr(generated, part)


for part, key in keys.items():
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(f"_{key}", getattr(generated, part))


def _text(part: str, label: str, height: int) -> str:
    return st.text_area(label, key=keys[part], height=height, on_change=_keep, args=(keys[part],),
                        max_chars=bulletin.MAX_WORDING_CHARS)


wording = bulletin.Wording(**{part: st.session_state[key] for part, key in keys.items()})
try:
    text, edited = bulletin.final_wording(b, wording)
    problem = None
except bulletin.BulletinTextError as exc:
    (text, edited), problem = bulletin.final_wording(b, None), str(exc)


def _file(fmt: str):
    def build() -> bytes:
        return write(bulletin.export, ctx.scope, ctx.region_code, ctx.year, month, ctx.policy, fmt, today, wording,
                     actor=ctx.actor)
    return build


cols = st.columns(2)
if problem:
    cols[0].error(f"{problem}。改好后才能下载通报。", icon=":material/error:")
else:
    ui.download("下载通报（Word）", _file("docx"), f"{b.title}.docx", where=cols[0], width="stretch")
ui.download("下载数据（Excel）", _file("xlsx"), f"{b.title}.xlsx", where=cols[1], icon=":material/table:", width="stretch")
st.caption(f"通报落款日期为下载当天（{bulletin.cn_date(today)}）。下载会记入审计日志，并记下改过哪几部分文字。")

with st.expander("修改通报文字（总体情况、存在问题、下步要求）" + (f" · 已修改：{'、'.join(edited)}" if edited else ""),
                 icon=":material/edit_note:", expanded=bool(problem)):
    st.caption("改后的文字用于下方预览和下载的 Word 通报；修改只在本次登录中保留，不存入数据库。")
    _text("summary", "一、总体情况", 220)
    _text("problems", "四、存在问题", 140)
    _text("requirements", "下步要求", 110)
    st.button("恢复系统生成的文字", on_click=_restore, icon=":material/restart_alt:", disabled=not edited and not problem)

st.markdown("**一、总体情况**")
st.markdown(text.summary)
figures = dict(bulletin.key_figures(b))
cols = st.columns(4)
for column, label in zip(cols, ("结对覆盖率", "干部达标率", "本月联系（次）", "逾期诉求（件）"), strict=True):
    ui.metric(column, label.split("（")[0], figures[label])

st.markdown("**二、分地区情况**")
if b.by_region.empty:
    ui.empty("所选地区已是最末一级，没有下级地区。")
else:
    ui.table(bulletin.region_table(b))
    if note := bulletin.region_note(b):
        st.caption(note)
    if b.by_region["在册人数"].sum():
        st.plotly_chart(charts.groups_by_region(b.by_region, "分地区在册对象及结对覆盖率"), width="stretch")
st.markdown("**三、分单位情况**")
if b.units.empty:
    ui.empty("本月没有在结对的干部。")
else:
    ui.table(ui.paged(bulletin.unit_table(b), "bl_units_page", unit="个"))
st.markdown("**四、存在问题**")
st.markdown(text.problems)
if not b.holidays.empty:
    st.markdown("**五、节日联系情况**")
    ui.table(bulletin.holiday_table(b))
st.markdown(text.requirements)
