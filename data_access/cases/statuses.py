"""Which case statuses a list or step considers, and who may give consent."""

from __future__ import annotations

from data_access.vocabulary import (
    CASE_APPROVED,
    CASE_CANDIDATE,
    CASE_CONSENTED,
    CASE_PUBLISHED,
    CASE_SHORTLISTED,
)

RELATION_SELF = "本人"


RELATION_GUARDIAN = "监护人"


CONSENT_RELATIONS = (RELATION_SELF, RELATION_GUARDIAN)


# The cases a batch brief and the gallery consider "on the shortlist".
NO_CASE = "未建案例"  # the case-status column of a candidate without a case


SHORTLIST_STATUSES = (CASE_SHORTLISTED, CASE_CONSENTED, CASE_APPROVED, CASE_PUBLISHED)


EDITABLE_STATUSES = (CASE_CANDIDATE, CASE_SHORTLISTED, CASE_CONSENTED)
