"""The guard's vocabulary, shared by the classifier, the decision logic, the hook and the audit log.

Standard library only: the hook imports this on every tool call.
"""

from __future__ import annotations

from crane._record import Record

# The hook builds these on every tool call: no typing or dataclasses at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    # What a tool call does to the world.
    Kind = Literal["read", "local_write", "external_write"]
    # Where an external write lands. `local` is for local writes (files, local emulators).
    Target = Literal["production", "staging", "local", "unknown"]
    # What the hook answers. `intercepted` is a dry-run denial (reported as NOT executed).
    Decision = Literal["allow", "ask", "deny", "intercepted"]
else:  # importable at run time (for annotations elsewhere) without importing typing
    Kind = Target = Decision = str

KIND_RANK: dict[Kind, int] = {"read": 0, "local_write": 1, "external_write": 2}
# For combining several findings of one command: production is the most dangerous target.
TARGET_RANK: dict[Target, int] = {"local": 0, "staging": 1, "unknown": 2, "production": 3}


class Finding(Record):
    """One simple command (or tool call) inside what the agent asked to run."""

    __slots__ = ("kind", "target", "rule", "program", "text", "why")
    kind: Kind
    target: Target
    rule: str | None  # stable rule name, e.g. "wrangler.deploy"; None when no rule matched
    program: str  # the program that would run, e.g. "wrangler" (after unwrapping npx, sudo, ...)
    text: str  # the simple command's text, for reasons and the audit log
    why: str  # short human explanation of the target, e.g. "--env production"

    def __init__(self, kind: Kind, target: Target, rule: str | None, program: str, text: str, why: str = "") -> None:
        self._set(kind=kind, target=target, rule=rule, program=program, text=text, why=why)


class Classification(Record):
    """The verdict on one tool call: the most dangerous of its findings decides."""

    __slots__ = ("kind", "target", "rule", "findings", "reason")
    kind: Kind
    target: Target
    rule: str | None
    findings: tuple[Finding, ...]
    reason: str  # why, in one line (e.g. "parse error: treated as an external write")

    def __init__(self, kind: Kind, target: Target, rule: str | None, findings: tuple[Finding, ...] = (),
                 reason: str = "") -> None:
        self._set(kind=kind, target=target, rule=rule, findings=tuple(findings), reason=reason)

    @property
    def is_external_write(self) -> bool:
        return self.kind == "external_write"


def combine(findings: tuple[Finding, ...], reason: str = "") -> Classification:
    """The verdict of several findings: highest kind, then highest target among those."""
    if not findings:
        return Classification("read", "local", None, (), reason)
    worst = max(findings, key=lambda f: (KIND_RANK[f.kind], TARGET_RANK[f.target]))
    return Classification(worst.kind, worst.target, worst.rule, findings, reason or worst.why)
