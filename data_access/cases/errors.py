"""What the case workflow refuses, as the Chinese sentence to show."""

from __future__ import annotations


class CaseError(ValueError):
    """A workflow or edit request the rules refuse; the message is the Chinese sentence to show."""


class CaseNotFound(CaseError):
    pass
