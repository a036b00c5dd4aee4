"""Who is using the app. (Scaffold: the accounts issue replaces this with the login page.)"""

from __future__ import annotations

from dataclasses import dataclass

from data_access.scope import Scope


@dataclass(frozen=True)
class CurrentUser:
    username: str
    role: str
    region_code: str
    display_name: str = ""

    @property
    def scope(self) -> Scope:
        return Scope.for_region(self.region_code)


def require_user() -> CurrentUser:
    return CurrentUser(username="admin", role="admin", region_code="", display_name="系统管理员")
