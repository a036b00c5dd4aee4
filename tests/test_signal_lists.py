"""真实性核查's lists grouped, sorted and paged in the database (signals.cadre_signals, cadre_totals,
area_counts) against the plain-Python reading they replaced — every row of located_counts built
into per-cadre dicts, names looked up, filtered, sorted by pandas — on generated records, read
live and from a stored evaluation, SQLite and PostgreSQL. Every 排序 choice and filter; the pages
of the list, put together, are the whole list."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
from sqlalchemy import delete, insert, select

from data_access import signals, sorting
from data_access.db import bump_version, session_scope
from data_access.models import Cadre, Contact, Pairing, Region, SignalCount, SignalEvaluation, Unit
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests.apptest import as_user, open_page, texts

D = dt.date
AS_OF = D(2024, 6, 30)
N_CADRES = 14
VILLAGES = (b.VILLAGE_A1, b.VILLAGE_A2, b.VILLAGE_B1)
UNIT_NAMES = ("县民政局", "县教育局", "县卫健局", "汉源镇人民政府")  # names not in id order
NOTES = ("了解老人近况叮嘱按时服药注意保暖", "帮助孩子联系学校落实教育资助", "送去米面油询问生活困难", None)
ENTRY_DAYS = (D(2024, 3, 31), D(2024, 3, 28), D(2024, 6, 29), D(2024, 5, 20))


@pytest.fixture
def skeleton(db_url):
    """Units, cadres whose codes do not follow their ids, households in three villages."""
    with session_scope(db_url) as s:
        b.region_tree(s)
        units = [b.unit(s, name) for name in UNIT_NAMES]
        codes = [f"GB{n:03d}" for n in random.Random(7).sample(range(100, 999), N_CADRES)]
        cadres = []
        for i, code in enumerate(codes):
            row = Cadre(code=code, name=f"干部{i}", unit_id=units[i % len(units)], rank="一般干部")
            s.add(row)
            s.flush()
            cadres.append(row.id)
        households = [b.household(s, VILLAGES[i % 3]) for i in range(2 * N_CADRES)]
    return db_url, units, cadres, households


def _load(url: str, cadres: list[int], households: list[int], seed: int) -> None:
    """Pairings and a half-year of contacts drawn from `seed`: late entries, entry days shared by
    many (batches, quarter ends), notes copied within and across cadres, cadres who only call."""
    rng = random.Random(seed)
    pairings, contacts = [], []
    for k, household in enumerate(households):
        pairings.append({"id": k + 1, "household_id": household, "cadre_id": rng.choice(cadres), "role": "爱心家人",
                         "start_date": D(2023, 1, 1), "end_date": None})
        for _ in range(rng.randint(0, 6)):
            day = D(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 175))
            entered = max(day, rng.choice([day, day + dt.timedelta(days=rng.choice([1, 8, 30])), *ENTRY_DAYS]))
            contacts.append({"id": len(contacts) + 1, "pairing_id": k + 1, "contact_date": day,
                             "method": rng.choice(["电话", "电话", "微信", "实地走访"]),
                             "entered_at": dt.datetime.combine(entered, dt.time(9)), "entry_source": "导入",
                             "content": rng.choice(NOTES)})
    with session_scope(url) as s:
        for model in (SignalCount, SignalEvaluation, Contact, Pairing):
            s.execute(delete(model))
        s.execute(insert(Pairing), pairings)
        if contacts:
            s.execute(insert(Contact), contacts)
        bump_version(s)


def _previous_list(s, counts: list, flt: signals.SignalFilter, order: str | None) -> pd.DataFrame:
    """The cadre list as it was built before it was read from the database: located_counts (`counts`)
    into per-cadre dicts in Python, names looked up, worst first, then sorting.sort_frame."""
    found: dict[int, dict[str, int]] = {}
    for cadre_id, township, signal, n in counts:
        if (flt.signal and signal != flt.signal) or (flt.township and not township.startswith(flt.township)):
            continue
        by_signal = found.setdefault(cadre_id, {})
        by_signal[signal] = by_signal.get(signal, 0) + n
    details = {r[0]: tuple(r[1:]) for r in s.execute(
        select(Cadre.id, Cadre.code, Cadre.name, Unit.id, Unit.name).join(Unit, Unit.id == Cadre.unit_id))}
    data = []
    for cadre_id, by_signal in found.items():
        code, name, unit_id, unit = details[cadre_id]
        if flt.unit_id and unit_id != flt.unit_id:
            continue
        data.append([cadre_id, code, name, unit, *(by_signal.get(x, 0) for x in signals.SIGNALS), len(by_signal),
                     sum(by_signal.values())])
    frame = pd.DataFrame(data, columns=["cadre_id", *signals.CADRE_COLUMNS])
    frame = frame.sort_values(["信号数", "记录合计", "干部编号"], ascending=[False, False, True]).reset_index(drop=True)
    return sorting.sort_frame(frame, signals.CADRE_SORTS, order)


def _previous_areas(s, counts: list, scope: Scope) -> tuple[list, list]:
    """Per township and per unit (by code and id) of located_counts (`counts`): cadres with a signal
    (distinct) and records per signal, largest first, then by name, then code / id. A township is
    named with its county's name before it over a city or the province."""
    unit_of = dict(s.execute(select(Cadre.id, Cadre.unit_id)).all())
    unit_names = dict(s.execute(select(Unit.id, Unit.name)).all())
    region_names = dict(s.execute(select(Region.code, Region.name)).all())

    def town_name(code: str) -> str:
        county = region_names.get(code[:6], "") if len(scope.prefix) < 6 else ""
        return county + region_names.get(code, code)

    tables = []
    for key, name in ((lambda c, t: t, town_name), (lambda c, t: unit_of[c], unit_names.get)):
        rows: dict = {}
        for cadre_id, township, signal, n in counts:
            cadres, per_signal = rows.setdefault(key(cadre_id, township), (set(), dict.fromkeys(signals.SIGNALS, 0)))
            cadres.add(cadre_id)
            per_signal[signal] += n
        ordered = sorted(rows.items(), key=lambda kv: (-len(kv[1][0]), name(kv[0]), kv[0]))
        tables.append([[name(k), len(c), *per.values()] for k, (c, per) in ordered])
    return tables[0], tables[1]


def _records(frame: pd.DataFrame) -> list:
    return frame.astype(object).values.tolist()


def _check(url: str, units: list[int], every_order: bool) -> dict:
    """Each filter (with every order, or two), read whole and in pages, against the previous
    reading of the same located_counts; what was read."""
    filters = [signals.SignalFilter(), signals.SignalFilter(signal=signals.BACKFILLED),
               signals.SignalFilter(signal=signals.REPEATED, township=b.TOWNSHIP_A),
               signals.SignalFilter(unit_id=units[0]), signals.SignalFilter(township=b.TOWNSHIP_B, unit_id=units[1])]
    orders = sorting.labels(signals.CADRE_SORTS)
    seen = {}
    with session_scope(url) as s:
        for scope in (EVERYWHERE, Scope.for_region(b.TOWNSHIP_A)):
            counts = signals.located_counts(s, scope, AS_OF, Policy())
            for flt in filters:
                whole = _previous_list(s, counts, flt, None)
                totals = signals.cadre_totals(s, scope, AS_OF, Policy(), flt)
                assert totals.cadres == len(whole), (scope, flt)
                assert totals.by_signal == {x: int((whole[x] > 0).sum()) if len(whole) else 0 for x in signals.SIGNALS}
                for order in orders if every_order else (orders[0], orders[-1]):
                    expected = _records(_previous_list(s, counts, flt, order))
                    if order == orders[0]:  # the export's: the whole list, no limit
                        assert _records(signals.cadre_signals(s, scope, AS_OF, Policy(), flt)) == expected
                    size = 1 if order == orders[1] else 4
                    pages = []
                    for start in range(0, len(expected) + size, size):
                        pages += _records(signals.cadre_signals(s, scope, AS_OF, Policy(), flt, order, start, size))
                    assert pages == expected, (scope, flt, order, size)
                    seen[(scope, flt, order)] = expected
            by_township, by_unit = signals.area_counts(s, scope, AS_OF, Policy())
            assert (_records(by_township), _records(by_unit)) == _previous_areas(s, counts, scope)
            seen[scope] = (_records(by_township), _records(by_unit))
    return seen


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lists_read_in_the_database_match_the_python_reading(skeleton, seed):
    url, units, cadres, households = skeleton
    _load(url, cadres, households, seed)
    # read live (no stored evaluation) with two orders, then from the stored evaluation with every
    # order: the SQL that groups, orders and pages is the same over both
    live = _check(url, units, every_order=False)
    with session_scope(url) as s:
        signals.store(s, AS_OF, Policy())
    stored = _check(url, units, every_order=True)
    assert {key: stored[key] for key in live} == live
    assert any(len(rows) > 4 for key, rows in stored.items() if isinstance(key, tuple))  # more than a page


def test_the_page_lists_one_page_of_cadres(sqlite_url, monkeypatch):
    """With one row per page the page asks for one cadre at a time: the second page is the second."""
    from tests.test_signals import build

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DASHBOARD_MAX_ROWS", "1")
    build(sqlite_url)
    at = open_page("pages/signals.py", user=as_user("dc1", "inspector", "621225", "督查一组"))
    at.selectbox(key="flt_year").set_value(2024).run()
    at.date_input(key="flt_asof").set_value(AS_OF).run()
    assert not at.exception
    assert list(at.dataframe[0].value["干部姓名"]) == ["王强"]
    assert "共 2 名干部，按所选排序第 1–1 名" in texts(at)
    at.number_input(key="sg_page").set_value(2).run()
    assert not at.exception
    assert list(at.dataframe[0].value["干部姓名"]) == ["李华"]
    assert "共 2 名干部，按所选排序第 2–2 名" in texts(at)


def test_the_area_tab_runs_when_opened(sqlite_url, monkeypatch):
    """The counts per township and unit are read when their tab is opened (the list's view does not
    read them), and then show the county's figures."""
    from tests.test_signals import build

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    build(sqlite_url)
    at = open_page("pages/signals.py", user=as_user("dc1", "inspector", "621225", "督查一组"))
    at.selectbox(key="flt_year").set_value(2024).run()
    at.date_input(key="flt_asof").set_value(AS_OF).run()
    assert not at.exception
    assert "按乡镇（记录所涉结对户所在乡镇）" not in texts(at)
    at.session_state["sg_tab"] = "按乡镇、单位统计"
    at.run()
    assert not at.exception
    assert "按乡镇（记录所涉结对户所在乡镇）" in texts(at)
    towns = at.dataframe[0].value.set_index("乡镇")
    assert towns.loc["汉源镇", ["有信号干部", "补录"]].tolist() == [1, 5]
    assert list(at.dataframe[1].value["工作单位"]) == ["县教育局", "县民政局"]  # one cadre each: by name
