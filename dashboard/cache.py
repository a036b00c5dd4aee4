"""Cached query runner for pages.

`query(fn, *args)` runs a data_access function `fn(session, *args)` and caches the result keyed on
the database URL, the data version (bumped by every write, read from the database on each call,
so another process's write is seen too) and the arguments (scope, dates, policy, filters).

A checked read (`query(fn, …, actor=actor)`, e.g. 季考核's sheet) is keyed on the actor's role and
region, not on the user: `fn` checks the role and reads inside the region, so every user of one
role and region gets the same result, and they share one computation and one cached copy (keyed
per user, five province leaders opening 季考核 at once computed the province's sheet five times at
once; the app passed 6 GB, bench.sessions). `fn` runs with the actor of the user who computes it;
a read whose result depends on who the user is passes the user as an argument instead.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st

from data_access.config import get_settings
from data_access.db import data_version, session_scope
from data_access.flights import FLIGHTS as _FLIGHTS  # noqa: F401 - read by tests
from data_access.flights import single_flight
from data_access.permissions import Actor
from data_access.scope import Scope

T = TypeVar("T")
log = logging.getLogger(__name__)


def query(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    url = get_settings().database_url
    version, name = data_version(url), f"{fn.__module__}:{fn.__qualname__}"
    actor = kwargs.pop("actor", None)
    if actor is not None:
        kwargs["actor"] = _SharedActor(actor.role, actor.scope)  # the key: role and region (see above)
    # One computation of a figure at a time: sessions that ask for the same figure while the first
    # computes it wait for it and then read it from the cache, instead of each computing it again
    # (20 users arriving after a restart or a data change computed every home-page figure 20 times
    # at once: the app's memory passed 1.4 GB, bench.sessions).
    with single_flight((url, version, name, args, tuple(sorted(kwargs.items())))):
        return _cached(url, version, name, args, kwargs, actor)


@dataclass(frozen=True)
class _SharedActor:
    role: str
    scope: Scope


@st.cache_data(show_spinner=False, max_entries=1000, ttl=3600)
def _cached(url: str, version: int, name: str, args: tuple, kwargs: dict, _actor: Actor | None = None):
    """`_actor` (not part of the key: Streamlit leaves parameters named with `_` unhashed) is the
    real actor behind kwargs' `_SharedActor`."""
    module, qualname = name.split(":")
    fn = importlib.import_module(module)
    for part in qualname.split("."):
        fn = getattr(fn, part)
    if _actor is not None:
        kwargs = {**kwargs, "actor": _actor}
    with session_scope(url) as session:
        return fn(session, *args, **kwargs)


def write(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a data_access write `fn(session, *args)` in one transaction (all or nothing)."""
    with session_scope(get_settings().database_url) as session:
        return fn(session, *args, **kwargs)


def fresh(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a data_access read uncached: for what changes without a data-version bump (the audit
    log and login sessions, written on every log-in)."""
    with session_scope(get_settings().database_url) as session:
        return fn(session, *args, **kwargs)
