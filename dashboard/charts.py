"""Plotly figures for the pages: Chinese labels, readable sizes, and each group always in its own
colour (vocabulary.GROUP_COLOURS). Functions take the DataFrames data_access returns."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from data_access import formatting
from data_access.vocabulary import ESCALATION_LEVELS, GROUP_COLOURS, GROUPS

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
# Colours of series that are not groups stay clear of GROUP_COLOURS, so a colour always means a group.
LAGGING = "#d7301f"
NORMAL = "#7f8c9a"
CONTACTS = "#4b4b8f"
VISITS = "#a6a6d8"
SHARE_LINES = ("#1b7f79", "#7b3294", "#b8860b")
HOLIDAY = "#b8860b"
VISITS_LINE = "#e08214"
# 诉求台账: the levels answering for a need, lightest (the cadre) to darkest (the leading office).
LEVEL_COLOURS = dict(zip(ESCALATION_LEVELS, ("#9ecae1", "#4292c6", "#fd8d3c", "#d7301f"), strict=True))
# 逾期事项: the four kinds of overdue items, in overdue.KINDS order.
KIND_COLOURS = ("#d7301f", "#fd8d3c", "#756bb1", "#4292c6")


def _layout(fig: go.Figure, title: str, height: int = 380, **kwargs) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1, "traceorder": "normal"},
        plot_bgcolor="white",
        hoverlabel={"font_family": FONT},
        **kwargs,
    )
    fig.update_yaxes(gridcolor="#e5e5e5", zeroline=False)
    return fig


def _pct_text(values) -> list[str]:
    return [formatting.pct(None if pd.isna(v) else v) for v in values]


def groups_by_region(frame: pd.DataFrame, title: str) -> go.Figure:
    """Persons of the four groups stacked per region, coverage written above each bar."""
    fig = go.Figure()
    for group in GROUPS:
        fig.add_bar(
            x=frame["地区"], y=frame[group], name=group, marker_color=GROUP_COLOURS[group],
            customdata=frame["代码"], hovertemplate=f"%{{x}}<br>{group}：%{{y}} 人<extra></extra>",
        )
    fig.add_scatter(
        x=frame["地区"], y=frame["在册人数"], mode="text", text=_pct_text(frame["覆盖率"]),
        textposition="top center", showlegend=False, hoverinfo="skip", textfont={"size": 11},
    )
    fig.update_layout(barmode="stack", clickmode="event+select")
    fig.update_yaxes(title_text="在册人数（人）")
    return _layout(fig, title)


def share_bars(frame: pd.DataFrame, label: str, title: str, share: str = "达标率") -> go.Figure:
    """Horizontal bars of a share per row, lowest at the top, rows marked 末位 in red."""
    rows = frame.iloc[::-1]
    colours = [LAGGING if flag else NORMAL for flag in rows.get("末位", [False] * len(rows))]
    fig = go.Figure(
        go.Bar(
            x=rows[share].fillna(0) * 100, y=rows[label], orientation="h", marker_color=colours,
            text=_pct_text(rows[share]), textposition="outside",
            hovertemplate=f"%{{y}}<br>{share}：%{{x:.1f}}%<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=f"{share}（%）", range=[0, 110])
    return _layout(fig, title, height=max(300, 26 * len(rows) + 100))


def monthly_activity(frame: pd.DataFrame, title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=frame["月份"], y=frame["联系次数"], name="联系次数", marker_color=CONTACTS)
    fig.add_bar(x=frame["月份"], y=frame["走访次数"], name="其中实地走访", marker_color=VISITS)
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="次数")
    return _layout(fig, title)


def shares_over_time(frame: pd.DataFrame, title: str) -> go.Figure:
    """Lines of the share columns (fractions) of `frame` against its 日期 column; the first line's
    labels above it, the others' below, and the axis starting a little under the lowest value."""
    fig = go.Figure()
    columns = [c for c in frame.columns if c != "日期"]
    for index, (column, colour) in enumerate(zip(columns, SHARE_LINES, strict=False)):
        fig.add_scatter(
            x=frame["日期"], y=frame[column] * 100, name=column, mode="lines+markers+text",
            line={"color": colour, "width": 3}, text=_pct_text(frame[column]),
            textposition="top center" if index == 0 else "bottom center", textfont={"color": colour, "size": 11},
            hovertemplate=f"%{{x}}<br>{column}：%{{y:.1f}}%<extra></extra>",
        )
    lowest = frame[columns].min().min()
    bottom = 0 if pd.isna(lowest) else max(0, (lowest * 100 // 10) * 10 - 10)
    fig.update_yaxes(title_text="百分比（%）", range=[bottom, 104])
    fig.update_xaxes(type="category")  # labels as written (3月), never read as dates
    return _layout(fig, title)


# 已落实 / 未落实 / 不适用 / 未报送: green, red, grey, amber (未报送 apart from 未落实).
POLICY_STATE_COLOURS = {"已落实": "#5a8f29", "未落实": "#c0392b", "不适用": "#a6a6a6", "未报送": "#e6a23c"}


def policy_delivery(frame: pd.DataFrame, title: str) -> go.Figure:
    """Per entitled policy (under its group on the axis) the persons 已落实 / 未落实 / 不适用 / 未报送,
    stacked; hover gives the count and the rate."""
    fig = go.Figure()
    x = [frame["类别"], frame["应享政策"]]
    for state, colour in POLICY_STATE_COLOURS.items():
        fig.add_bar(
            x=x, y=frame[state], name=state, marker_color=colour,
            customdata=frame[["在册人数"]],
            hovertemplate=f"%{{x}}<br>{state}：%{{y}} / %{{customdata[0]}} 人<extra></extra>",
        )
    fig.update_layout(barmode="stack", bargap=0.25)
    fig.update_yaxes(title_text="人数")
    return _layout(fig, title, height=440)


def holiday_contacts(frame: pd.DataFrame, title: str) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=frame["节日"], y=frame["节日联系率"].fillna(0) * 100, marker_color=HOLIDAY,
            text=_pct_text(frame["节日联系率"]), textposition="outside",
            customdata=frame[["联系到的结对户", "在结对户"]],
            hovertemplate="%{x}<br>联系到 %{customdata[0]} / %{customdata[1]} 户<extra></extra>",
        )
    )
    fig.update_yaxes(title_text="节日联系率（%）", range=[0, 115])
    return _layout(fig, title, height=340)


def cadre_progress(timeline: pd.DataFrame, title: str) -> go.Figure:
    """One cadre's year (compliance.cadre_timeline): bars of the contacts and visits made within each
    quarter, solid lines of the cumulative done and dashed lines of what the rule owed, per 截至 day
    (labelled 3月31日 … on a category axis, never re-read as dates)."""
    labels = [f"{d.month}月{d.day}日" for d in timeline["截至"]]
    fig = go.Figure()
    fig.add_bar(x=labels, y=timeline["本季联系"], name="期间联系", marker_color=CONTACTS, opacity=0.35)
    fig.add_bar(x=labels, y=timeline["本季走访"], name="期间走访", marker_color=VISITS, opacity=0.45)
    for column, name, colour, dash in (
        ("已联系", "累计已联系", CONTACTS, None), ("应联系", "累计应联系", CONTACTS, "dash"),
        ("已走访", "累计已走访", VISITS_LINE, None), ("应走访", "累计应走访", VISITS_LINE, "dash"),
    ):
        fig.add_scatter(x=labels, y=timeline[column], name=name, mode="lines+markers",
                        line={"color": colour, "width": 2 if dash else 3, "dash": dash})
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="截至", type="category")
    fig.update_yaxes(title_text="次数", rangemode="tozero")
    return _layout(fig, title)


def need_aging(aging: pd.DataFrame, buckets: list[str], title: str) -> go.Figure:
    """Open needs per aging bucket, stacked by the level answering for them (needs.level_aging)."""
    fig = go.Figure()
    for level in aging.index:
        fig.add_bar(x=buckets, y=aging.loc[level, buckets], name=level, marker_color=LEVEL_COLOURS.get(level, NORMAL),
                    hovertemplate=f"%{{x}}<br>{level}：%{{y}} 件<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="办理中诉求（件）")
    return _layout(fig, title, height=340)


def overdue_by_kind(frame: pd.DataFrame, label: str, kinds: tuple[str, ...], title: str, top: int = 15) -> go.Figure:
    """Overdue items per row of `frame` (a township or a unit), stacked by kind, the `top` rows with
    the most first, largest at the top."""
    rows = frame.head(top).iloc[::-1]
    fig = go.Figure()
    for kind, colour in zip(kinds, KIND_COLOURS, strict=False):
        fig.add_bar(y=rows[label], x=rows[kind], name=kind, orientation="h", marker_color=colour,
                    hovertemplate=f"%{{y}}<br>{kind}：%{{x}} 项<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="逾期事项（项）", gridcolor="#e5e5e5")
    return _layout(fig, title, height=max(260, 28 * len(rows) + 120))


def cases_by_group(frame: pd.DataFrame) -> go.Figure:
    """案例展示: cases per group (cases.gallery_figures().by_group), each group in its colour."""
    chart = px.bar(frame, x="群体", y="案例数", color="群体", color_discrete_map=GROUP_COLOURS,
                   hover_data=["在册对象", "每千人案例"], text="案例数")
    chart.update_traces(textposition="outside", textangle=0, cliponaxis=False)
    chart.update_layout(showlegend=False, height=320, margin={"l": 10, "r": 10, "t": 20, "b": 10},
                        yaxis={"title": "案例数（件）", "tickformat": ",d", "rangemode": "tozero"}, xaxis_title=None)
    return chart


TOWNSHIPS_CHARTED = 30  # a province has ~1,300 townships: the chart shows those with most cases


def cases_by_township(frame: pd.DataFrame) -> go.Figure:
    """案例展示: cases per township (cases.gallery_figures().by_township), most at the top; at most
    TOWNSHIPS_CHARTED townships (the page's table lists them all)."""
    towns = frame.sort_values(["案例数", "乡镇"], ascending=[True, True]).tail(TOWNSHIPS_CHARTED)
    chart = px.bar(towns, x="案例数", y="乡镇", orientation="h", hover_data=["在册对象", "每千人案例"], text="案例数",
                   color_discrete_sequence=["#2c7bb6"])
    chart.update_traces(textposition="outside", textangle=0, cliponaxis=False)
    chart.update_layout(height=max(320, 24 * len(towns)), margin={"l": 10, "r": 30, "t": 10, "b": 10},
                        xaxis={"title": "案例数（件）", "tickformat": ",d", "dtick": 1, "rangemode": "tozero"},
                        yaxis_title=None)
    return chart
