"""Compliance with RULES.md: the rule, its stored or live evaluation, and what is built on it.

- `rule`: the rule itself (`pairing_status`, `first_visits_overdue`, `status_label`), readable
  beside RULES.md on its own.
- `evaluation`: the rule's rows for a scope and day, read from the stored evaluation or run live.
- `rollups`: the summary figures and the roll-ups per region, work unit and cadre.
- `filters`: what an inspector narrows the lists by (`LaggardFilter`) and its SQL.
- `laggards`: the inspectors' laggard list, paged, and the frame of `export laggards`.
- `lookups`: names for the rows shown (cadres, households' places and groups, reminders).
- `cadre`: one cadre's profile, pairings, timeline, contacts and needs.
- `export`: the laggard list as an audited file.

Callers import the package (`from data_access import compliance; compliance.summary(...)`);
the names below are re-exported for them.
"""

from data_access.compliance.cadre import (
    CADRE_NEED_COLUMNS,
    CADRE_PAIRING_COLUMNS,
    CONTACT_COLUMNS,
    TIMELINE_COLUMNS,
    CadreOption,
    CadreProfile,
    CadreStanding,
    cadre_contacts,
    cadre_needs,
    cadre_pairings,
    cadre_profile,
    cadre_standing,
    cadre_timeline,
    find_cadres,
    need_state_counts,
)
from data_access.compliance.evaluation import (
    STORE_BELOW_PREFIX,
    first_visit_rows,
    prune_stored,
    refresh_stored,
    status_rows,
    store_status,
)
from data_access.compliance.export import export_laggards, export_laggards_by_unit
from data_access.compliance.filters import LAGGARD_STATUSES, STATUS_BOTH, LaggardFilter, unit_options
from data_access.compliance.laggards import (
    LAGGARD_COLUMNS,
    LAGGARD_SORTS,
    LAGGARDS_EXPORT_COLUMNS,
    LaggardPage,
    laggard_page,
    laggard_pairings_of,
    laggards_frame,
)
from data_access.compliance.lookups import cadre_names, household_groups, household_places, reminder_counts
from data_access.compliance.rollups import (
    CADRE_ROLLUP_COLUMNS,
    REGION_ROLLUP_COLUMNS,
    UNIT_ROLLUP_COLUMNS,
    ComplianceSummary,
    cadre_figures,
    cadre_on_track_counts,
    cadre_rollup,
    cadre_status,
    region_cadre_counts,
    region_rollup,
    summary,
    summary_figures,
    unit_rollup,
)
from data_access.compliance.rule import (
    HALF_ENDS,
    QUARTER_ENDS,
    active_on,
    first_visits_overdue,
    pairing_status,
    period_ends,
    status_label,
)
from data_access.scope import effective_scope, in_scope_pairing

__all__ = [
    "CADRE_NEED_COLUMNS", "CADRE_PAIRING_COLUMNS", "CADRE_ROLLUP_COLUMNS", "CONTACT_COLUMNS", "HALF_ENDS",
    "LAGGARDS_EXPORT_COLUMNS", "LAGGARD_COLUMNS", "LAGGARD_SORTS", "LAGGARD_STATUSES", "QUARTER_ENDS", "REGION_ROLLUP_COLUMNS",
    "STATUS_BOTH", "STORE_BELOW_PREFIX", "TIMELINE_COLUMNS", "UNIT_ROLLUP_COLUMNS",
    "CadreOption", "CadreProfile", "CadreStanding", "ComplianceSummary", "LaggardFilter", "LaggardPage",
    "active_on", "cadre_contacts", "cadre_figures", "cadre_names", "cadre_needs", "cadre_on_track_counts", "cadre_pairings",
    "cadre_profile", "cadre_rollup", "cadre_standing", "cadre_status", "cadre_timeline", "effective_scope", "export_laggards",
    "export_laggards_by_unit",
    "find_cadres", "first_visit_rows", "first_visits_overdue", "household_groups", "household_places", "in_scope_pairing",
    "laggard_page", "laggard_pairings_of", "laggards_frame", "need_state_counts", "pairing_status", "period_ends", "prune_stored",
    "refresh_stored", "region_cadre_counts", "region_rollup",
    "reminder_counts", "status_label", "status_rows", "store_status", "summary", "summary_figures", "unit_options", "unit_rollup",
]
