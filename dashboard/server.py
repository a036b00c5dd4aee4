"""The served app: Streamlit's own server (`st.App`) with the entry script `app.py` and two small
routes of ours that set and clear the session cookie with HttpOnly, so no script in a page can
read it. Started with `streamlit run dashboard/server.py` (Makefile, deploy/systemd, tests/e2e).

- POST /session/start, body = the one-time ticket the login page handed its browser
  (accounts.issue_ticket): the login's session token, signed, set as the cookie `pcd_session` (HttpOnly, SameSite=Strict, Path=/, Secure when the request came over https,
  also as told by the proxy's X-Forwarded-Proto). 204, or 403 for an unknown, used or old ticket.
- POST /session/end: the cookie's session ended on the server (audited as a logout) and the
  cookie deleted. Always 204.

Reading the cookie needs no route: the browser sends it with the websocket handshake, where
Streamlit reads it (st.context.cookies)."""

from __future__ import annotations

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dashboard.auth import COOKIE, END_PATH, START_PATH, sign_token, unsign_token
from data_access import accounts
from data_access.config import get_settings
from data_access.db import session_scope

_MAX_TICKET = 200


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _redeem(ticket: str) -> str | None:
    with session_scope(get_settings().database_url) as session:
        return accounts.redeem_ticket(session, ticket)


def _end(token: str) -> None:
    with session_scope(get_settings().database_url) as session:
        accounts.end_session(session, token)


async def start(request: Request) -> Response:
    ticket = (await request.body())[:_MAX_TICKET].decode("ascii", "replace").strip()
    token = await run_in_threadpool(_redeem, ticket) if ticket else None
    if token is None:
        return Response(status_code=403, headers={"Cache-Control": "no-store"})
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(COOKIE, sign_token(token), max_age=get_settings().session_max_hours * 3600, path="/",
                        httponly=True, samesite="strict", secure=_secure(request))
    return response


async def end(request: Request) -> Response:
    token = unsign_token(request.cookies.get(COOKIE))
    if token is not None:
        await run_in_threadpool(_end, token)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


app = st.App("app.py", routes=[Route(START_PATH, start, methods=["POST"]), Route(END_PATH, end, methods=["POST"])])
