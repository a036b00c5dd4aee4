"""The stored 季考核 inputs (assessment_store): a province or whole-database view reads the same
inputs as the live count, for every level; a write makes the stored set stale and the next reader
stores a new one with the change (and the old one is gone)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select

from data_access import assessment, assessment_store
from data_access.db import bump_version, session_scope
from data_access.models import AssessmentInputSet, Contact
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests.test_assessment import Q3, _hand_built


def live(s, scope, level):
    return {key: values for (key, _), values in assessment._count(s, scope, Q3, Policy(), level).items()}


def test_stored_inputs_equal_the_live_count_and_follow_a_write(db_url):
    with session_scope(db_url) as s:
        _hand_built(s)
    province = Scope.for_region(b.COUNTY[:2] + "0000")
    for scope in (EVERYWHERE, province):
        for level in assessment_store.LEVELS:
            with session_scope(db_url) as s:
                assert assessment.count_inputs(s, scope, Q3, Policy(), level) == live(s, scope, level), (scope, level)
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(AssessmentInputSet)) == 1
        before = assessment.count_inputs(s, province, Q3, Policy(), "unit")
        s.execute(insert(Contact), [{"pairing_id": 2, "contact_date": dt.date(2025, 8, 9), "method": "实地走访",
                                     "entered_at": dt.datetime(2025, 10, 1)}])
        bump_version(s)
    with session_scope(db_url) as s:
        after = assessment.count_inputs(s, province, Q3, Policy(), "unit")
        assert after == live(s, province, "unit") != before
        assert s.scalar(select(func.count()).select_from(AssessmentInputSet)) == 1  # the stale set is gone
