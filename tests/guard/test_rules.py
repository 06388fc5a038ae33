"""The rules file: valid, documented names, lazy loading agrees with a full parse, profile merging."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from crane.errors import ProfileError
from crane.guard.rules.data import RULES_FILE
from crane.guard.rules.engine import Arg as A
from crane.guard.rules.engine import RuleSet, evaluate, load_rules, parse_args, shipped_rules
from crane.guard.see.classify import classify_command
from crane.guard.see.prefilter import WRAPPER_NAMES, rule_program_names, shipped_program_names
from crane.guard.see.wrappers import SUBCOMMAND_WRAPPERS, WRAPPERS
from tests.guard.conftest import CONFIG

# Names the issue asks for; they are part of crane's interface (reasons, audit, dry_run_scope).
REQUIRED_NAMES = {
    "wrangler.deploy", "wrangler.versions.upload", "wrangler.versions.deploy", "wrangler.triggers.deploy",
    "wrangler.delete", "wrangler.rollback", "wrangler.secret.put", "wrangler.secret.delete",
    "wrangler.secret.bulk", "wrangler.d1.execute", "wrangler.d1.migrations.apply", "wrangler.d1.create",
    "wrangler.d1.delete", "wrangler.d1.time-travel.restore", "wrangler.kv.key.put", "wrangler.kv.key.delete",
    "wrangler.kv.bulk.put", "wrangler.kv.bulk.delete", "wrangler.kv.namespace", "wrangler.r2.object.put",
    "wrangler.r2.object.delete", "wrangler.r2.bulk.put", "wrangler.r2.bucket", "wrangler.queues",
    "wrangler.pages.deploy", "curl.write", "wget.write", "httpie.write", "git.push", "gh.pr.create",
    "gh.pr.merge", "gh.pr.close", "gh.issue.create", "gh.release.create", "gh.repo.create", "gh.repo.delete",
    "gh.api", "npm.publish", "pnpm.publish", "yarn.publish", "terraform.apply", "terraform.destroy",
    "kubectl.apply", "kubectl.delete", "kubectl.write", "aws.s3.write", "fly.deploy",
}


def test_shipped_rules_parse_and_validate() -> None:
    rules = shipped_rules()
    assert set(rules.names) >= REQUIRED_NAMES
    assert all(rule.name == rule.name.strip() and "." in rule.name for rule in rules.rules)


def test_lazy_loading_matches_a_full_parse() -> None:
    with open(RULES_FILE, "rb") as handle:
        document = tomllib.load(handle)
    full = [(r["name"], sorted({r["program"]} if isinstance(r["program"], str) else r["program"]))
            for r in document["rules"]]
    lazy = [(r.name, sorted(r.programs)) for r in RuleSet().rules]
    assert lazy == full
    programs = {p for _, ps in full for p in ps}
    assert shipped_program_names() == programs
    assert RuleSet().program_names == programs
    for name, table in document["programs"].items():
        assert RuleSet().facts(name).value_options == tuple(table.get("value_options", ()))


def test_wrapper_names_are_known_to_the_prefilter() -> None:
    assert set(WRAPPERS) | {program for program, _ in SUBCOMMAND_WRAPPERS} <= WRAPPER_NAMES


def test_profile_rule_replaces_the_shipped_rule_of_the_same_name() -> None:
    rules = load_rules([{"name": "git.push", "program": "git", "subcommand": "push", "target": "staging"}])
    pushes = [r for r in rules.for_program("git") if r.name == "git.push"]
    assert len(pushes) == 1 and pushes[0].target == "staging"  # the svn dcommit entry went with it
    config = CONFIG.replace(extra_rules=({"name": "git.push", "program": "git", "subcommand": "push",
                                          "target": "staging"},))
    assert classify_command("git push origin main", cwd="/", config=config, environ={}).target == "staging"


def test_profile_rules_come_first_and_can_add_programs() -> None:
    extra = (
        {"name": "deployer.ship", "program": ["deployer", "dply"], "subcommand": "ship|release",
         "target": "production", "read_options": ["--plan"]},
        {"name": "wrangler.deploy.canary", "program": "wrangler", "subcommand": "deploy", "write_options": ["--canary"],
         "target": "staging"},
    )
    config = CONFIG.replace(extra_rules=extra)
    cases = {
        "npx dply release now": ("external_write", "production", "deployer.ship"),
        "deployer ship --plan": ("read", "local", None),
        "wrangler deploy --canary --env production": ("external_write", "staging", "wrangler.deploy.canary"),
        "wrangler deploy --env production": ("external_write", "production", "wrangler.deploy"),
    }
    for command, expected in cases.items():
        result = classify_command(command, cwd="/", config=config, environ={})
        assert (result.kind, result.target, result.rule) == expected, command


def test_profile_rule_may_declare_a_read() -> None:
    config = CONFIG.replace(extra_rules=({"name": "gh.pr.create.draft", "program": "gh", "subcommand": "pr create",
                                          "write_options": ["--draft"], "kind": "read"},))
    assert classify_command("gh pr create --draft", cwd="/", config=config, environ={}).kind == "read"
    assert classify_command("gh pr create", cwd="/", config=config, environ={}).kind == "external_write"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"program": "x"}, "name"),
        ({"name": "x.y"}, "program"),
        ({"name": "x.y", "program": "x", "kind": "write"}, "kind"),
        ({"name": "x.y", "program": "x", "target": "prod"}, "target"),
        ({"name": "x.y", "program": "x", "subcommand": ["a"]}, "subcommand"),
        ({"name": "x.y", "program": "x", "write_options": "-d"}, None),  # a string is a one-item list
        ({"name": "x.y", "program": "x", "write_option": ["-d"]}, "unknown field"),
        ({"name": "x.y", "program": "x", "check": "magic"}, "check"),
        ({"name": "x.y", "program": "x", "min_positionals": "2"}, "min_positionals"),
    ],
)
def test_malformed_profile_rules_are_profile_errors(rule: dict[str, object], message: str | None) -> None:
    if message is None:
        load_rules([rule])
        return
    with pytest.raises(ProfileError, match=message):
        load_rules([rule], source="profile.toml")


def test_a_malformed_profile_rule_fails_loudly_not_open() -> None:
    config = CONFIG.replace(extra_rules=({"name": "bad", "program": 3},))
    assert rule_program_names(config.extra_rules) is None  # the prefilter steps aside ...
    with pytest.raises(ProfileError):
        classify_command("ls", cwd="/", config=config, environ={})  # ... and the hook denies on the error


def _args(*words: str) -> list[A]:
    return [A(w, w) for w in words]


def test_option_parsing_forms() -> None:
    parsed = parse_args(_args("-sSL", "-XPOST", "--data=x", "-e=production", "--env", "staging", "--", "-x"),
                        ("-X", "-e", "--env"))
    names = [(o.name, o.value.value if o.value else None) for o in parsed.options]
    assert ("-s", None) in names and ("-S", None) in names and ("-L", None) in names
    assert ("-X", "POST") in names and ("--data", "x") in names
    assert ("-e", "production") in names and ("--env", "staging") in names
    assert [p.value for p in parsed.positionals] == ["-x"]


def test_computed_words_match_any_subcommand() -> None:
    rule = next(r for r in RuleSet().for_program("wrangler") if r.name == "wrangler.deploy")
    verdict = evaluate(rule, [A(None, "$CMD")], RuleSet().facts("wrangler"))
    assert verdict is not None and verdict.kind == "external_write"


def test_the_rules_never_come_from_the_parsed_toml_cache(tmp_path: Path) -> None:
    """The cache is in the user's cache dir, within an agent's reach: a forged entry keyed on the
    rules file's path, mtime and size must not replace the rules (issue 7)."""
    import marshal
    import os
    import subprocess
    import sys

    from crane._toml import _cache_file, _stamp
    from crane.guard.rules.data import RULES_FILE

    path = os.path.abspath(RULES_FILE)
    cache = _cache_file(path)
    forged = Path(str(cache).replace(str(Path(cache).parent.parent), str(tmp_path), 1))
    forged.parent.mkdir(parents=True, exist_ok=True)
    forged.write_bytes(marshal.dumps((*_stamp(path, os.stat(path)), {"rules": [], "programs": {}})))
    code = ("from crane.guard.rules.engine import shipped_rules; print(len(shipped_rules().rules))")
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "launcher"), "CRANE_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    with open(RULES_FILE, "rb") as fh:
        assert int(proc.stdout) == len(tomllib.load(fh)["rules"]) > 0


def test_cached_rules_equal_a_fresh_parse() -> None:
    from crane.guard.rules.data import RULES_FILE
    from crane.guard.rules.engine import _shipped_document

    with open(RULES_FILE, "rb") as fh:
        assert _shipped_document() == tomllib.load(fh)
