"""THE case score: Σ sign × weight × evidence over `SCORE_TERMS`, the weights being Policy settings,
and its explanation in Chinese (the reasons add up to the rank score)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from data_access.policy import Policy


@dataclass(frozen=True)
class ScoreTerm:
    component: str  # evidence column
    weight: str  # Policy field holding the points per unit
    sign: int  # +1, or -1 for a penalty


SCORE_TERMS = (
    ScoreTerm("needs_solved", "case_weight_needs_solved", 1),
    ScoreTerm("fast_solved", "case_weight_fast_solved", 1),
    ScoreTerm("extra_contacts", "case_weight_extra_contacts", 1),
    ScoreTerm("extra_visits", "case_weight_extra_visits", 1),
    ScoreTerm("holidays", "case_weight_holidays", 1),
    ScoreTerm("policies", "case_weight_policies", 1),
    ScoreTerm("satisfied", "case_weight_satisfied", 1),
    ScoreTerm("dissatisfied", "case_weight_dissatisfied", -1),
    ScoreTerm("rich_notes", "case_weight_rich_notes", 1),
)


def score(evidence: Mapping[str, Any], policy: Policy):
    """THE case score of one pairing: Σ sign × weight × evidence over SCORE_TERMS.

    `evidence` maps each component to a number (for an explanation) or to a SQL column (for the
    ranking query); the same expression serves both, so the reasons add up to the rank score.
    """
    total = 0
    for term in SCORE_TERMS:
        total = total + term.sign * getattr(policy, term.weight) * evidence[term.component]
    return total


def explain(evidence: Mapping[str, Any], policy: Policy) -> list[str]:
    """The reasons, in Chinese, each with the points it earned; terms that earned nothing are left out."""
    n = {t.component: int(evidence[t.component] or 0) for t in SCORE_TERMS}
    points = {t.component: getattr(policy, t.weight) * n[t.component] for t in SCORE_TERMS}

    def figure(key: str) -> int:
        return int(evidence.get(key) or 0)

    texts = {
        "needs_solved": lambda: f"办结诉求 {n['needs_solved']} 件，平均 "
                                f"{figure('solve_days') / n['needs_solved']:.0f} 天办结",
        "fast_solved": lambda: f"{n['fast_solved']} 件诉求在 {policy.case_fast_days} 天内办结",
        "extra_contacts": lambda: f"联系 {figure('done_contacts')} 次，比应联系 {figure('owed_contacts')} 次"
                                  f"多 {n['extra_contacts']} 次",
        "extra_visits": lambda: f"实地走访 {figure('done_visits')} 次，比应走访 {figure('owed_visits')} 次"
                                f"多 {n['extra_visits']} 次",
        "holidays": lambda: f"{n['holidays']} 个传统节日当天联系",
        "policies": lambda: f"新落实应享政策 {n['policies']} 项",
        "satisfied": lambda: f"回访评价“满意” {n['satisfied']} 次",
        "dissatisfied": lambda: f"回访评价“不满意” {n['dissatisfied']} 次",
        "rich_notes": lambda: f"详实联系记录 {n['rich_notes']} 条",
    }
    return [
        f"{texts[t.component]()}（{'+' if t.sign > 0 else '−'}{points[t.component]}）"
        for t in SCORE_TERMS
        if points[t.component]
    ]
