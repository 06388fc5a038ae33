"""The guard's decision: one pure function from a classification (plus the run's sticky dry-run
flag and the config) to allow / ask / deny / intercepted, with the reason the model or user sees.

No I/O here: the hook looks the sticky flag up (only for external writes) and passes it in, and
acts on `Verdict.activate_sticky` afterwards. That keeps the whole policy table-testable.

Order of the rules (the first that applies wins):
  1. reads: allow.
  2. local writes: `config.local_writes` (allow / ask / deny); a dry run does not touch them.
  3. external writes in a dry run (sticky flag for the run, `config.dry_run`, or the rule is in
     `config.dry_run_scope`): intercepted, which is a denial saying plainly that nothing was
     written; every interception sets the sticky flag (the first) or pushes its expiry back
     (the later ones: the model was told every further write is intercepted, so the flag must
     not lapse in the middle of a long run). A command crane could not analyse is
     denied instead, with the reason, because "intercepted" would claim we know what it wrote.
  4. external writes to production, live: a staging session (env dev, also a production session
     that a staging request fell back to) is denied outright; a production session follows
     `config.production_gate` (ask / deny / off).
  5. external writes crane cannot see into (unparsable, a program or target computed at run time,
     code from stdin or decoded text, an unreadable script, inline code that spawns or sends a
     mutating request it cannot resolve): `config.unseeable` for the session's kind, by default
     denied in a staging session and asked in a production one, with a reason that says to run
     the steps directly.
  6. every other external write (staging, local, unknown target): allowed, and audited.
"""

from __future__ import annotations

from crane._record import Record
from crane.guard.model import Classification, Finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Literal

    from crane.guard.model import Decision
    from crane.guard.rules.config import GuardConfig

    DryRunCause = Literal["sticky", "run", "scope"]

# How the classifier says it could not work out what a command runs: its built-in rule names
# (crane.guard.see.analyse) and, for any other classifier, words in the reason. Both are checked on
# the classification and on the finding the verdict rests on.
UNANALYSED_RULES = frozenset({"shell.parse-error", "shell.too-complex", "shell.computed"})
UNANALYSED_MARKERS = (
    "parse error",
    "could not parse",
    "cannot parse",
    "unparsable",
    "unparseable",
    "computed at run time",
    "computed program",
    "too complex",
    "could not analyse",
    "could not analyze",
    "cannot analyse",
    "cannot analyze",
)

# Rules whose findings say "crane could not see what this runs" (the unseeable policy), besides
# the unanalysed ones: inline code that starts something it cannot resolve.
UNSEEABLE_RULES = UNANALYSED_RULES | {"shell.inline-code"}

MAX_WHAT = 300  # characters of the command quoted in a reason
# Findings that deny whatever the mode: writes to the guard's own configuration and what it trusts.
GUARD_RULES = frozenset({"guard.protected-path"})

_FURTHER = (
    "Every further write to an external system in this run is intercepted too{window} (local files are not); "
    "do not record this step as done or write anything that depends on it."
)


def _further(config: GuardConfig, cause: str) -> str:
    """The promise about later writes, exactly as long as it holds: a whole dry run (`run`) holds
    for the run; a sticky flag lasts `sticky_ttl_seconds`, renewed by every interception."""
    if cause == "run":
        return _FURTHER.format(window="")
    minutes = max(1, round(config.sticky_ttl_seconds / 60))
    return _FURTHER.format(window=f" for at least the next {minutes} min (renewed by every intercepted write)")


class Verdict(Record):
    __slots__ = ("decision", "reason", "rule", "activate_sticky", "dry_run")
    decision: Decision
    reason: str  # for deny/intercepted/ask: what the model or the user reads; for allow: audit note
    rule: str | None
    activate_sticky: bool  # the caller must set the run's sticky dry-run flag, or extend it
    dry_run: DryRunCause | None  # why a dry run applied to this call, if it did

    def __init__(self, decision: Decision, reason: str, rule: str | None, *, activate_sticky: bool = False,
                 dry_run: DryRunCause | None = None) -> None:
        self._set(decision=decision, reason=reason, rule=rule, activate_sticky=activate_sticky, dry_run=dry_run)


def is_unanalysed(c: Classification) -> bool:
    """Whether the verdict rests on a part of the command the classifier could not see into."""
    f = deciding_finding(c)
    rules = {c.rule, f.rule if f else None}
    if rules & UNANALYSED_RULES:
        return True
    texts = (c.reason, f.why if f else "")
    return any(marker in t.lower() for t in texts for marker in UNANALYSED_MARKERS)


def unseeable_finding(c: Classification) -> Finding | None:
    """The first external write crane could not see into, if any part of the call is one.

    Any finding counts, not only the deciding one: `git push; eval "$X"` hides its unseeable
    part behind a rule that names a known write.
    """
    for f in c.findings:
        if f.kind != "external_write":
            continue
        if f.rule in UNSEEABLE_RULES or any(marker in f.why.lower() for marker in UNANALYSED_MARKERS):
            return f
    if not c.findings and c.kind == "external_write" and is_unanalysed(c):
        return None if c.rule == "tool.malformed" else Finding(c.kind, c.target, c.rule, "", "", c.reason)
    return None


def deciding_finding(c: Classification) -> Finding | None:
    """The finding the verdict rests on: the one that matches the combined classification."""
    for f in c.findings:
        if (f.kind, f.target, f.rule) == (c.kind, c.target, c.rule):
            return f
    return c.findings[0] if c.findings else None


def describe(c: Classification, command: str, redact: Callable[[str], str] | None = None) -> str:
    """What would have run, for a reason: the deciding simple command, else the tool summary.

    `redact` runs BEFORE the text is shortened: clipping first could cut a secret in half and
    leave its first part where no redaction recognises it.
    """
    f = deciding_finding(c)
    what = (f.text if f and f.text else command).strip() or "(empty command)"
    if redact is not None:
        what = redact(what)
    what = " ".join(what.split())  # a reason is one line, whatever the command's layout
    return what if len(what) <= MAX_WHAT else what[: MAX_WHAT - 1] + "…"


def _whole(c: Classification) -> str:
    """Said when the command has several parts, so the model does not think the others ran."""
    return " No part of the command ran." if len(c.findings) > 1 else ""


def _why(c: Classification) -> str:
    f = deciding_finding(c)
    why = (f.why if f and f.why else c.reason).strip()
    return f" ({why})" if why else ""


def dry_run_cause(c: Classification, config: GuardConfig, *, sticky_active: bool) -> DryRunCause | None:
    if sticky_active:
        return "sticky"
    if config.dry_run:
        return "run"
    if c.rule is not None and c.rule in config.dry_run_scope:
        return "scope"
    return None


_RUN_DIRECTLY = (
    "Run the steps directly instead: write each program and its arguments out literally in the command "
    "(not through a variable, eval, a script piped into a shell, decoded text, or code that starts "
    "programs or sends requests), so crane can see where each one writes."
)


def _unseeable(c: Classification, f: Finding, config: GuardConfig, redact: Callable[[str], str] | None) -> Verdict:
    """An external write crane cannot see into, live: the session kind's `unseeable` policy."""
    what = describe(Classification(f.kind, f.target, f.rule, (f,), f.why), "", redact) if f.text else "this command"
    why = f" ({f.why})" if f.why else ""
    kind = "staging" if config.env == "dev" else "production"
    if config.unseeable == "ask":
        return Verdict("ask", f"crane: {what} may write to an external system, and crane cannot see what it "
                              f"runs or where it writes{why}. Run it?", c.rule)
    return Verdict(
        "deny",
        f"crane: NOT executed: {what}: crane cannot see what this runs or where it writes{why}, and in a "
        f"{kind} session what cannot be seen is not allowed (unseeable = \"deny\"). Nothing was run.{_whole(c)} "
        f"{_RUN_DIRECTLY}",
        c.rule,
    )


_CAUSE_TEXT: dict[DryRunCause, str] = {
    "sticky": "an earlier write in this run was intercepted, so this run is now a dry run",
    "run": "this run is a dry run",
    "scope": "this kind of write is in the venture's dry-run scope",
}


def decide(c: Classification, config: GuardConfig, *, sticky_active: bool, command: str = "",
           redact: Callable[[str], str] | None = None) -> Verdict:
    """The verdict on one classified tool call.

    `sticky_active` is the run's sticky dry-run flag; it only matters for external writes, so
    the caller may pass False without a lookup for anything else. `command` is the tool call's
    short summary, used when the classification carries no finding to quote. `redact` masks
    secret values in the quoted command (see `describe`).
    """
    what = describe(c, command, redact)
    guarded = next((f for f in c.findings if f.rule in GUARD_RULES), None)
    if guarded is not None:
        # In every mode, dry run and production_gate = "off" included: an agent does not change
        # its own guard (its settings, hooks, crane's state and profile).
        shown = redact(guarded.text) if redact is not None else guarded.text
        shown = " ".join(shown.split())[:MAX_WHAT]
        return Verdict(
            "deny",
            f"crane: NOT executed: {shown}: {guarded.why}. An agent does not change its own guard or what it "
            f"trusts; this is denied in every session. Nothing was run.{_whole(c)} Ask the user to make this "
            f"change.",
            guarded.rule,
        )
    if c.kind == "read":
        return Verdict("allow", "read", c.rule)

    if c.kind == "local_write":
        mode = config.local_writes
        if mode == "allow":
            return Verdict("allow", "local write", c.rule)
        if mode == "ask":
            return Verdict("ask", f"crane: {what} writes locally (local_writes = \"ask\"). Allow it?", c.rule)
        return Verdict(
            "deny",
            f"crane: NOT executed: {what}: local writes are denied in this session "
            f"(local_writes = \"deny\"). Nothing was written.{_whole(c)}",
            c.rule,
        )

    # External writes from here on.
    cause = dry_run_cause(c, config, sticky_active=sticky_active)
    if cause is not None:
        unseen = unseeable_finding(c)
        if is_unanalysed(c) or unseen is not None:
            detail = (c.reason if is_unanalysed(c) or unseen is None else unseen.why).strip()
            detail = detail or "crane could not analyse it"
            return Verdict(
                "deny",
                f"crane dry-run: NOT executed: {what}. crane could not work out what this command runs "
                f"({detail}), and in a dry run anything that may write is blocked rather than guessed "
                f"about. Nothing was run.{_whole(c)} {_RUN_DIRECTLY}",
                c.rule,
                dry_run=cause,
            )
        return Verdict(
            "intercepted",
            f"crane dry-run: NOT executed: {what} ({_CAUSE_TEXT[cause]}). Nothing was written.{_whole(c)} "
            f"{_further(config, cause)}",
            c.rule,
            activate_sticky=True,
            dry_run=cause,
        )

    if c.target == "production":
        if config.env == "dev":
            # A staging session must never reach production; this is not a dry run, so the
            # sticky flag stays as it is (the model is told plainly that nothing ran).
            session = (
                "this session asked for staging and fell back to production credentials, so it keeps the "
                "staging guard (CRANE_ENV_REQUESTED=dev)" if config.fallback else
                "this is a staging session (CRANE_ENV=dev)"
            )
            hint = "Target the staging environment instead, or ask the user to start a production session."
            if is_unanalysed(c) or "assumed production" in _why(c):
                hint = _RUN_DIRECTLY  # production only because crane could not see: show it the steps
            return Verdict(
                "deny",
                f"crane: NOT executed: {what} targets production{_why(c)}, and {session}. "
                f"Nothing was run.{_whole(c)} {hint}",
                c.rule,
            )
        gate = config.production_gate
        if gate == "ask":
            return Verdict("ask", f"crane: {what} writes to production{_why(c)}. Run it?", c.rule)
        if gate == "deny":
            return Verdict(
                "deny",
                f"crane: NOT executed: {what} targets production{_why(c)}; production writes are denied "
                f"in this session (production_gate = \"deny\"). Nothing was run.{_whole(c)}",
                c.rule,
            )
        return Verdict("allow", "production write allowed (production_gate = \"off\")", c.rule)

    unseen = unseeable_finding(c)
    if unseen is not None and config.unseeable != "allow":
        return _unseeable(c, unseen, config, redact)

    if c.target == "unknown":
        return Verdict("allow", "external write with an unknown target: allowed live, audited", c.rule)
    return Verdict("allow", f"external write to {c.target}", c.rule)
