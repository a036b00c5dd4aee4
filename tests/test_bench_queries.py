"""Every benchmarked page query runs on the county demo at county and township scope, so `make bench`
measures working code (the timings themselves live in the benchmark, not here)."""

import datetime as dt

import pytest

from bench.queries import QUERIES
from data_access.db import session_scope
from data_access.demo.build import build_demo
from data_access.demo.plan import DemoConfig
from data_access.policy import Policy
from data_access.scope import Scope

AS_OF = dt.date(2026, 6, 15)


@pytest.fixture(scope="module")
def county_demo(tmp_path_factory):
    from data_access import db

    url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'county.db'}"
    db.upgrade(url)
    build_demo(DemoConfig("county", 11, AS_OF), url)
    yield url
    db.get_engine(url).dispose()


@pytest.mark.parametrize(("name", "fn"), QUERIES, ids=[name for name, _ in QUERIES])
@pytest.mark.parametrize("region", ["621225", "621225100"])
def test_bench_query_runs(county_demo, name, fn, region):  # noqa: ARG001 - name labels the case
    with session_scope(county_demo) as session:
        fn(session, Scope.for_region(region), AS_OF, Policy())  # fails the test on any error
