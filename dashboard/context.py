"""What every page needs, built once per run by the entry script: the user, the region scope
(the user's region narrowed by the sidebar filter), the year and as-of date, and the policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from dashboard.auth import CurrentUser
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import Scope

_KEY = "_page_context"


@dataclass(frozen=True)
class PageContext:
    user: CurrentUser
    scope: Scope  # what the page may show: user's region ∩ sidebar filter
    region_code: str | None  # the region picked in the sidebar (None: the user's whole scope)
    region_name: str
    as_of: dt.date
    policy: Policy
    page_title: str = ""  # the page's title in navigation (ui.header shows it)

    @property
    def actor(self) -> Actor:
        """Who acts, for every write and export the page calls (data_access checks it): the logged-in
        user with the account's whole region (the sidebar only narrows what is shown)."""
        return self.user.actor

    @property
    def year(self) -> int:
        return self.as_of.year


def set_context(context: PageContext) -> None:
    st.session_state[_KEY] = context


def get_context() -> PageContext:
    return st.session_state[_KEY]
