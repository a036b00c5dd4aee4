"""Pages are thin: titles come from navigation, figures from dashboard/charts.py, downloads, paging
and flash messages from dashboard/ui.py, and what reads the rule's labels lives in data_access.
Checked on the page sources (each check fails on a page written the old way) and on the pages and
functions that replaced the old page code."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from data_access import compliance, needs, supervision
from data_access.db import session_scope
from data_access.policy import Policy
from data_access.scope import EVERYWHERE
from tests.apptest import ROOT, app, open_page, texts
from tests.test_inspection_pages import INSPECTOR, TODAY, town_db  # noqa: F401 - the fixture

PAGES = sorted((ROOT / "pages").glob("*.py"))


def _calls(path: Path) -> list[str]:
    """Every `a.b(...)` / `b(...)` called in the page, as written (a.b.c)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            parts, fn = [], node.func
            while isinstance(fn, ast.Attribute):
                parts.append(fn.attr)
                fn = fn.value
            if isinstance(fn, ast.Name):
                parts.append(fn.id)
            found.append(".".join(reversed(parts)))
    return found


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_the_page_uses_the_kit(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    headers = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "ui.header"]
    assert headers and all(call.args and not isinstance(call.args[0], ast.Constant) for call in headers), \
        "the title comes from navigation (ui.header(ctx, ...)), not a literal"
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(name.startswith("plotly") for name in imported), "figures are built in dashboard/charts.py"
    calls = _calls(path)
    assert not any(c.endswith("download_button") for c in calls), "downloads through ui.download"
    assert "application/vnd.openxmlformats" not in source
    assert "cadre_detail_id" not in source, "pages link to each other through the URL"


def test_a_link_to_the_cadre_page_opens_the_cadre_it_names(town_db):  # noqa: F811
    """The link (?cadre=id) wins over what this session picked before, also when it names the cadre
    this session looked at last (the page's own URL then) after another page was visited."""
    _, ids = town_db
    at = open_page("pages/cadre.py", user=INSPECTOR)
    at.text_input(key="cd_text").input("李华").run()
    assert "李华（" in texts(at)
    at.text_input(key="cd_text").input("").run()
    at.switch_page(str(ROOT / "pages" / "home.py")).run()
    at.query_params["cadre"] = str(ids["li"])  # 达标督查 / 逾期事项 open 干部详情 this way
    at.switch_page(str(ROOT / "pages" / "cadre.py")).run()
    assert not at.exception
    assert at.subheader[0].value.startswith("李华（")
    at.switch_page(str(ROOT / "pages" / "home.py")).run()
    at.query_params["cadre"] = str(ids["zhang"])
    at.switch_page(str(ROOT / "pages" / "cadre.py")).run()
    assert at.subheader[0].value.startswith("张明（")


def test_the_title_is_the_navigation_entry_and_a_flash_shows_once(town_db):  # noqa: F811
    at = open_page("pages/cadre.py", user=INSPECTOR)
    assert [t.value for t in at.title] == ["干部详情"]
    at.text_input(key="cd_text").input("李华").run()
    next(btn for btn in at.button if btn.label == "发出").click().run()
    assert not at.exception
    assert [s.value for s in at.success if "已向李华发出提醒" in s.value]
    at.run()
    assert not [s.value for s in at.success if "已向李华发出提醒" in s.value]  # said once, not on every run


def test_a_cadres_standing_is_the_worst_of_their_pairings(town_db):  # noqa: F811
    url, ids = town_db
    with session_scope(url) as s:
        li = compliance.cadre_standing(s, EVERYWHERE, TODAY, Policy(), ids["li"])
        zhang = compliance.cadre_standing(s, EVERYWHERE, TODAY, Policy(), ids["zhang"])
        rows = compliance.cadre_pairings(s, EVERYWHERE, TODAY, Policy(), ids["li"])
    assert (zhang.status, zhang.active, zhang.lagging) == ("达标", 1, 0)
    assert (li.active, li.lagging) == (1, 1)
    assert li.status == rows.iloc[0]["状态"] and li.status != "达标"
    at = app(user=INSPECTOR)
    at.query_params["cadre"] = str(ids["li"])
    at.run()
    at.switch_page(str(ROOT / "pages" / "cadre.py")).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["当前状态"] == li.status and metrics["滞后或失联户"] == "1 户"


def test_aging_totals_and_backlog_name_the_buckets():
    buckets = list(needs.AGING_BUCKETS)
    aging = pd.DataFrame(
        [[1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 1, 2, 0]],
        index=pd.Index(["干部个人", "单位"], name="责任层级"),
        columns=[*buckets, needs.CLOSED_COUNT, needs.DUE_FOR_ESCALATION],
    )
    totals = needs.aging_totals(aging)
    assert (totals.open, totals.overdue, totals.due_for_escalation, totals.closed) == (16, 15, 7, 8)
    backlog = needs.level_backlog(aging)
    assert list(backlog.columns) == needs.BACKLOG_COLUMNS
    assert backlog.iloc[0].tolist() == ["干部个人", 15, 14, 9, 7, 6]  # 逾期超30天: 31–90 and >90 days
    assert backlog.iloc[1].tolist() == ["单位", 1, 1, 1, 0, 2]


def test_the_response_rate_leaves_out_what_is_still_pending():
    page = supervision.ActionPage(total=0, counts={supervision.ANSWERED: 3, supervision.UNANSWERED: 1,
                                                   supervision.PENDING: 6}, rows=pd.DataFrame())
    assert page.issued == 10 and page.response_rate == 0.75
    assert supervision.ActionPage(0, {supervision.PENDING: 2}, pd.DataFrame()).response_rate is None


def test_places_name_the_village_and_township(town_db):  # noqa: F811
    url, ids = town_db
    with session_scope(url) as s:
        rows = compliance.cadre_pairings(s, EVERYWHERE, TODAY, Policy(), ids["li"])
    assert (rows.iloc[0]["乡镇"], rows.iloc[0]["村"]) == ("长道镇", "长道村")


def test_empty_cells_leave_a_column_the_grid_can_send_as_it_is():
    """A column with gaps (覆盖情况's 上次结对解除日期, a count left empty) goes to the browser without
    Streamlit's Arrow fallback, which logged a traceback on every render of 覆盖情况."""
    import datetime as dt

    import pyarrow as pa

    from dashboard import ui

    frame = pd.DataFrame({
        "上次结对解除日期": [dt.date(2026, 1, 5), None],
        "未结对天数": [332.0, None],
        "备注": ["有", None],
        "户数": [3, 4],
    })
    shown = ui.blank_gaps(frame)
    pa.Table.from_pandas(shown)  # raised ArrowTypeError for the date column mixed with ""
    assert shown["上次结对解除日期"].tolist() == ["2026-01-05", ""]
    assert shown["未结对天数"].tolist() == ["332", ""]
    assert shown["户数"].tolist() == [3, 4]


def test_a_formatted_number_column_with_gaps_shows_empty_cells_not_none():
    """季考核's part scores: a part left out is empty; a NumberColumn over such a column (or over the
    text blank_gaps made of it) showed a grey "None" in every gap."""
    import streamlit as st

    from dashboard import ui

    frame = pd.DataFrame({"单位": ["甲", "乙"], "诉求得分": [None, 87.24], "得分": [99.46, 80.0]})
    config = {"诉求得分": st.column_config.NumberColumn(format="%.1f"),
              "得分": st.column_config.NumberColumn(format="%.1f")}
    for given in (frame, ui.blank_gaps(frame)):
        shown, used = ui.number_text(given, config)
        assert shown["诉求得分"].tolist() == ["", "87.2"]
        assert used["诉求得分"]["type_config"]["type"] == "text" and used["诉求得分"]["alignment"] == "right"
        assert used["得分"] == config["得分"] and shown["得分"].tolist() == [99.46, 80.0]  # no gap: a number
