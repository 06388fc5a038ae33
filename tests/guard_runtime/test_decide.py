"""The decision table: one pure function, every branch."""

from __future__ import annotations

from typing import Any

import pytest

from crane.guard.model import Classification, Finding, combine
from crane.guard.rules.config import GuardConfig
from crane.guard.run.decide import decide, describe, is_unanalysed


def c(kind: str, target: str, rule: str | None = None, text: str = "cmd", why: str = "") -> Classification:
    return combine((Finding(kind, target, rule, "prog", text, why),))  # type: ignore[arg-type]


PARSE = combine(
    (Finding("external_write", "unknown", None, "?", "$(x) deploy", "parse error: treated as an external write"),),
    "parse error: treated as an external write",
)

DEV: dict[str, Any] = {"env": "dev"}
PROD: dict[str, Any] = {"env": "prod"}
DRY: dict[str, Any] = {"dry_run": True}
SCOPE: dict[str, Any] = {"dry_run_scope": ("wrangler.r2.object.put",)}

# classification, config changes, sticky flag, expected decision, expected activate_sticky
CASES: list[tuple[str, Classification, dict[str, Any], bool, str, bool]] = [
    ("read", c("read", "local"), {}, False, "allow", False),
    ("read in dry run", c("read", "local"), DRY, True, "allow", False),
    ("read of production", c("read", "production"), DEV, False, "allow", False),
    ("local write default", c("local_write", "local"), {}, False, "allow", False),
    ("local write ask", c("local_write", "local"), {"local_writes": "ask"}, False, "ask", False),
    ("local write deny", c("local_write", "local"), {"local_writes": "deny"}, False, "deny", False),
    ("local write in dry run", c("local_write", "local"), DRY, True, "allow", False),
    ("staging write live", c("external_write", "staging", "wrangler.deploy"), DEV, False, "allow", False),
    ("unknown write live", c("external_write", "unknown", "wrangler.deploy"), PROD, False, "allow", False),
    ("unknown write live, dev", c("external_write", "unknown", "wrangler.deploy"), DEV, False, "allow", False),
    ("local-target external live", c("external_write", "local", "x"), PROD, False, "allow", False),
    ("prod write, staging session", c("external_write", "production", "wrangler.deploy"), DEV, False, "deny",
     False),
    ("prod write, gate ask", c("external_write", "production", "wrangler.deploy"), PROD, False, "ask", False),
    ("prod write, gate deny", c("external_write", "production", "wrangler.deploy"),
     {**PROD, "production_gate": "deny"}, False, "deny", False),
    ("prod write, gate off", c("external_write", "production", "wrangler.deploy"),
     {**PROD, "production_gate": "off"}, False, "allow", False),
    ("dry run, first write", c("external_write", "staging", "wrangler.deploy"), DRY, False, "intercepted", True),
    # Every interception also extends the flag (activate_sticky), not only the first.
    ("dry run, flag already set", c("external_write", "staging", "wrangler.deploy"), DRY, True, "intercepted",
     True),
    ("sticky only", c("external_write", "staging", "wrangler.kv.key.put"), {}, True, "intercepted", True),
    ("sticky beats gate off", c("external_write", "production", "x"), {**PROD, "production_gate": "off"}, True,
     "intercepted", True),
    ("scope rule", c("external_write", "unknown", "wrangler.r2.object.put"), SCOPE, False, "intercepted", True),
    ("scope, other rule", c("external_write", "unknown", "wrangler.d1.execute"), SCOPE, False, "allow", False),
    ("scope, no rule", c("external_write", "unknown", None), SCOPE, False, "allow", False),
    ("dry run beats staging-session deny", c("external_write", "production", "wrangler.deploy"), {**DEV, **DRY},
     False, "intercepted", True),
    ("dry run beats ask", c("external_write", "production", "wrangler.deploy"), {**PROD, **DRY}, False,
     "intercepted", True),
    ("unparsable in dry run", PARSE, DRY, False, "deny", False),
    ("unparsable, sticky", PARSE, {}, True, "deny", False),
    # What cannot be seen (issue 8): denied in a staging session, asked in a production one.
    ("unparsable live", PARSE, PROD, False, "ask", False),
    ("unparsable live, staging", PARSE, DEV, False, "deny", False),
    ("computed live, staging", c("external_write", "unknown", "shell.computed"), DEV, False, "deny", False),
    ("inline code live, production", c("external_write", "unknown", "shell.inline-code"), PROD, False, "ask", False),
    ("computed URL live, staging", c("external_write", "unknown", "curl.write", why="URL computed at run time"),
     DEV, False, "deny", False),
    ("unseeable allowed by profile", PARSE, {**DEV, "unseeable_staging": "allow"}, False, "allow", False),
    ("unseeable asked in staging by profile", PARSE, {**DEV, "unseeable_staging": "ask"}, False, "ask", False),
    ("unseeable denied in production by profile", PARSE, {**PROD, "unseeable_production": "deny"}, False, "deny",
     False),
    ("unseeable production target stays a staging deny", c("external_write", "production", "shell.computed"), DEV,
     False, "deny", False),
    ("unseeable in dry run", c("external_write", "unknown", "shell.inline-code"), DRY, False, "deny", False),
    ("prod write, fallback session", c("external_write", "production", "wrangler.deploy"),
     {**DEV, "fallback": True}, False, "deny", False),
]


@pytest.mark.parametrize(("name", "classification", "changes", "sticky", "decision", "activate"), CASES,
                         ids=[case[0] for case in CASES])
def test_decision_table(name: str, classification: Classification, changes: dict[str, Any], sticky: bool,
                        decision: str, activate: bool) -> None:
    verdict = decide(classification, GuardConfig(**changes), sticky_active=sticky, command="the command")
    assert (verdict.decision, verdict.activate_sticky) == (decision, activate)
    assert verdict.rule == classification.rule
    if decision != "allow":
        assert verdict.reason.startswith("crane")


def test_intercepted_reason_is_honest() -> None:
    text = "npx wrangler r2 object put bucket/key --file x"
    verdict = decide(c("external_write", "unknown", "wrangler.r2.object.put", text), GuardConfig(dry_run=True),
                     sticky_active=False)
    assert verdict.reason.startswith(f"crane dry-run: NOT executed: {text} (")
    assert "Nothing was written." in verdict.reason
    assert "Every further write to an external system in this run is intercepted too" in verdict.reason
    assert "do not record this step as done" in verdict.reason
    assert "success" not in verdict.reason.lower()
    assert verdict.dry_run == "run"


@pytest.mark.parametrize(("sticky", "changes", "cause", "words"), [
    (True, {}, "sticky", "an earlier write in this run was intercepted"),
    (False, {"dry_run": True}, "run", "this run is a dry run"),
    (False, SCOPE, "scope", "dry-run scope"),
])
def test_dry_run_cause_is_named(sticky: bool, changes: dict[str, Any], cause: str, words: str) -> None:
    verdict = decide(c("external_write", "unknown", "wrangler.r2.object.put"), GuardConfig(**changes),
                     sticky_active=sticky)
    assert verdict.dry_run == cause
    assert words in verdict.reason


def test_unparsable_in_dry_run_says_why() -> None:
    verdict = decide(PARSE, GuardConfig(dry_run=True), sticky_active=False)
    assert verdict.decision == "deny"
    assert "parse error" in verdict.reason
    assert "NOT executed" in verdict.reason and "Nothing was run" in verdict.reason
    assert is_unanalysed(PARSE)
    assert not is_unanalysed(c("external_write", "unknown", "x", why="no --env"))


def test_staging_session_denial_names_production_and_the_session() -> None:
    verdict = decide(c("external_write", "production", "wrangler.deploy", "wrangler deploy -e production",
                       "--env production"), GuardConfig(env="dev"), sticky_active=False)
    assert verdict.reason.startswith("crane: NOT executed: wrangler deploy -e production targets production "
                                     "(--env production)")
    assert "staging session" in verdict.reason
    assert verdict.dry_run is None and not verdict.activate_sticky


def test_describe_prefers_the_deciding_finding_and_stays_one_short_line() -> None:
    read = Finding("read", "local", None, "ls", "ls")
    write = Finding("external_write", "production", "wrangler.deploy", "wrangler",
                    "wrangler deploy\n  --env production")
    assert describe(combine((read, write)), "ls && wrangler deploy ...") == "wrangler deploy --env production"
    assert describe(combine(()), "fallback summary") == "fallback summary"
    long = describe(c("external_write", "unknown", "x", "y" * 1000), "")
    assert len(long) == 300 and long.endswith("…")
    assert describe(combine(()), "") == "(empty command)"


@pytest.mark.parametrize("rule", ["shell.parse-error", "shell.too-complex", "shell.computed"])
def test_the_classifiers_unanalysed_rules_are_recognised(rule: str) -> None:
    cl = c("external_write", "unknown", rule, "$cmd deploy", why="program name computed at run time")
    assert is_unanalysed(cl)
    assert decide(cl, GuardConfig(dry_run=True), sticky_active=False).decision == "deny"


def test_compound_commands_say_no_part_ran() -> None:
    read = Finding("read", "local", None, "ls", "ls")
    write = Finding("external_write", "unknown", "wrangler.kv.key.put", "wrangler", "wrangler kv key put k v")
    verdict = decide(combine((read, write)), GuardConfig(dry_run=True), sticky_active=False)
    assert "No part of the command ran." in verdict.reason
    single = decide(combine((write,)), GuardConfig(dry_run=True), sticky_active=False)
    assert "No part" not in single.reason


def test_an_unseeable_part_decides_even_behind_a_known_write() -> None:
    known = Finding("external_write", "unknown", "git.push", "git", "git push", "")
    hidden = Finding("external_write", "unknown", "shell.computed", "", 'eval "$X"', "eval runs a command built at "
                     "run time")
    verdict = decide(combine((known, hidden)), GuardConfig(env="dev"), sticky_active=False)
    assert verdict.decision == "deny"
    assert 'eval "$X"' in verdict.reason and "Run the steps directly" in verdict.reason
    assert "staging session" in verdict.reason and "No part of the command ran" in verdict.reason


def test_unseeable_reason_in_a_production_session_asks() -> None:
    verdict = decide(PARSE, GuardConfig(env="prod"), sticky_active=False)
    assert verdict.decision == "ask" and "cannot see" in verdict.reason


def test_fallback_session_denial_says_why() -> None:
    verdict = decide(c("external_write", "production", "wrangler.deploy", "wrangler deploy"),
                     GuardConfig(env="dev", fallback=True), sticky_active=False)
    assert "asked for staging and fell back to production" in verdict.reason


def test_production_assumed_because_unseen_tells_the_agent_to_run_the_steps_directly() -> None:
    cl = c("external_write", "production", "shell.computed", "ls | xargs",
           why="runs commands taken from its input, which cannot be seen: assumed production")
    verdict = decide(cl, GuardConfig(env="dev"), sticky_active=False)
    assert verdict.decision == "deny" and "Run the steps directly" in verdict.reason
