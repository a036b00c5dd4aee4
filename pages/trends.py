"""趋势分析: contacts and visits per month of the year, coverage and on-track share at each month
end, and contact on traditional festivals as its own measure."""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard.cache import query
from dashboard.context import get_context
from data_access import trends

ctx = get_context()
ui.header(ctx)

activity = query(trends.monthly_activity, ctx.scope, ctx.as_of)
st.subheader("各月联系走访")
if activity["联系次数"].sum() == 0:
    ui.empty(f"{ctx.region_name}在 {ctx.year} 年截至 {ctx.as_of:%m月%d日} 没有联系走访记录。")
else:
    st.plotly_chart(charts.monthly_activity(activity, f"{ctx.year}年各月联系走访次数"), width="stretch")
    with st.expander("查看各月数据"):
        ui.table(activity)

st.subheader("覆盖率与干部达标率")
# Coverage of every month end in one pass; each month end's evaluation of the rule is stored (status_store).
with st.spinner("正在计算各月末覆盖率和达标率…"):
    points = query(trends.month_end_points, ctx.scope, ctx.as_of, ctx.policy)
shares = pd.DataFrame(
    [(p.label, p.coverage, p.cadre_on_track_share) for p in points], columns=["日期", "结对覆盖率", "干部达标率"]
)
if shares[["结对覆盖率", "干部达标率"]].isna().all().all():
    ui.empty(f"{ctx.region_name}在 {ctx.year} 年没有在册对象或在结对关系，无法计算覆盖率和达标率。")
else:
    st.plotly_chart(charts.shares_over_time(shares, "各月末结对覆盖率、干部达标率"), width="stretch")
    st.caption("每个点为当月最后一天（当月未结束的为截至日期）的情况；达标口径见“达标规则”，"
               "季度、半年未结束时只计已到期的应联系、应走访次数。")

st.subheader("传统节日联系")
festivals = query(trends.holiday_contacts, ctx.scope, dt.date(ctx.year, 1, 1), ctx.as_of)
if festivals.empty:
    ui.empty(f"{ctx.year} 年截至 {ctx.as_of:%m月%d日} 还没有传统节日，或节日日历尚未载入（请系统管理员初始化节日日历）。")
else:
    st.plotly_chart(charts.holiday_contacts(festivals, "传统节日当天联系结对户的比例"), width="stretch")
    ui.table(festivals, percent=("节日联系率",),
             column_config={"节日联系率": st.column_config.NumberColumn(help="节日期间联系到的结对户 ÷ 节日首日在结对户")})
