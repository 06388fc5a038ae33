"""A preflight check result: shared by preflight, providers and the guard (stdlib only)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    informational: bool = False  # shown, but never fails the preflight
    warning: bool = False  # passed, but in a state the user must notice (e.g. a fallback to production)
