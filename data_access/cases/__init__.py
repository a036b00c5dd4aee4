"""Typical cases (典型案例): finding candidates in the records, the case card, the vetting workflow
and the gallery figures.

- `score` is THE case score: Σ sign × weight × evidence over `SCORE_TERMS`, the weights being Policy
  settings. It is evaluated in SQL per pairing (`candidates`) and on plain numbers (`explain`), so the
  reasons shown are exactly the points that ranked the row. Ties are broken on the pairing id, so the
  same data always gives the same order.
- Evidence of a pairing in the period [start, end]: needs closed (and how fast), contacts and visits
  above what RULES.md owes at `end` (from `compliance.pairing_status`, never re-computed here),
  traditional festivals with a contact (`holiday_days`), entitled policies delivered, satisfaction
  surveys, and detailed contact notes.
- Persons appear only by alias and age: the case alias, `masking.child_alias` for a minor, surname + 某
  for an adult. Names, guardians' names, ID numbers and phone numbers are redacted from every text
  taken from the records. Nothing here returns an ID number or a phone.
- Workflow 候选 → 入围 → 已同意 (consent recorded) → 已审核 (leader) → 已发布, or 未采用 with a reason.
  Every step is audited ("case_status") and bumps the data version; text edits are audited
  ("case_edit") and never touch the records the case tells about.

- The publicity guard (`guard`): while the case's cadre is 滞后/失联, has a 督办 not answered or is
  at a step of the accountability chain, `approve` refuses unless a leader writes a reason (audited).

- The publication record (`publications`): where and when a published case appeared (channel, date,
  http/https link), several per case, each added and audited, never changed.

Modules: `scoring` (the score and its reasons), `candidates` (themes, evidence, the ranked
candidates), `redaction` (persons by alias, texts redacted), `card` (the case card), `workflow`
(the vetting steps and edits), `gallery` (lists and gallery figures), `statuses` and `errors`.
Callers import the package (`from data_access import cases; cases.case_card(...)`); the names
below are re-exported for them.
"""

from data_access.cases.candidates import (
    CANDIDATE_COLUMNS,
    LEADER_PARENTS,
    THEMES,
    CandidateFilters,
    CandidatePage,
    candidates,
    evidence_query,
    fitting_themes,
    period_of,
    ranking_query,
    theme_choices,
)
from data_access.cases.card import (
    TIMELINE_COLUMNS,
    TIMELINE_LIMIT,
    CaseCard,
    CaseInfo,
    case_card,
    draft_story,
)
from data_access.cases.errors import (
    CaseError,
    CaseNotFound,
)
from data_access.cases.fit import misfit_reason, theme_fits
from data_access.cases.gallery import (
    GALLERY_COLUMNS,
    GalleryFigures,
    case_ids,
    case_options,
    gallery,
    gallery_figures,
)
from data_access.cases.guard import PublicityGuard, guard_notes, publicity_guard
from data_access.cases.publications import PUBLICATION_COLUMNS, check_link, publications, record_publication
from data_access.cases.redaction import (
    PersonView,
    age_on,
    redact,
)
from data_access.cases.scoring import (
    SCORE_TERMS,
    ScoreTerm,
    explain,
    score,
)
from data_access.cases.statuses import (
    CONSENT_RELATIONS,
    EDITABLE_STATUSES,
    NO_CASE,
    RELATION_GUARDIAN,
    RELATION_SELF,
    SHORTLIST_STATUSES,
)
from data_access.cases.workflow import (
    approve,
    create_case,
    edit_case,
    publish,
    record_consent,
    reject,
    reopen,
    shortlist,
)

__all__ = [
    "CANDIDATE_COLUMNS",
    "CONSENT_RELATIONS",
    "CandidateFilters",
    "CandidatePage",
    "CaseCard",
    "CaseError",
    "CaseInfo",
    "CaseNotFound",
    "EDITABLE_STATUSES",
    "GALLERY_COLUMNS",
    "GalleryFigures",
    "LEADER_PARENTS",
    "NO_CASE",
    "PUBLICATION_COLUMNS",
    "PersonView",
    "PublicityGuard",
    "RELATION_GUARDIAN",
    "RELATION_SELF",
    "SCORE_TERMS",
    "SHORTLIST_STATUSES",
    "ScoreTerm",
    "THEMES",
    "TIMELINE_COLUMNS",
    "TIMELINE_LIMIT",
    "age_on",
    "approve",
    "candidates",
    "case_card",
    "case_ids",
    "case_options",
    "check_link",
    "create_case",
    "draft_story",
    "edit_case",
    "evidence_query",
    "explain",
    "fitting_themes",
    "misfit_reason",
    "theme_choices",
    "theme_fits",
    "gallery",
    "gallery_figures",
    "guard_notes",
    "period_of",
    "publicity_guard",
    "publications",
    "publish",
    "ranking_query",
    "record_consent",
    "redact",
    "record_publication",
    "reject",
    "reopen",
    "score",
    "shortlist",
]
