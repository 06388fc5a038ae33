"""Protected paths (denied in every mode), crane's own code and credential stores.

An agent does not change its own guard: writes to crane's config/state/cache, the session's
profile, agent settings (.claude/settings*.json, .gemini/, .codex/), git hooks (.git/hooks,
.git/config, core.hooksPath, .husky/) are `guard.protected-path`; crane's code reached another
way is `crane.secrets`; keyring files and APIs are `keyring.read`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crane.guard.model import Classification
from crane.guard.run.decide import decide
from crane.guard.see.classify import classify
from tests.guard.conftest import CONFIG

R, L, X = "read", "local_write", "external_write"
PROD, LOCAL = "production", "local"
P, K, C = "guard.protected-path", "keyring.read", "crane.secrets"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("protected")
    project = root / "project"
    for sub in (".claude", ".git/hooks", ".husky", ".githooks", "src"):
        (project / sub).mkdir(parents=True)
    (project / ".claude" / "settings.json").write_text("{}")
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / ".git" / "config").write_text("[core]\n\tbare = false\n\thooksPath = .githooks\n")
    odd = root / "odd"  # a hooksPath of the project root must not protect every file
    (odd / ".git").mkdir(parents=True)
    (odd / ".git" / "config").write_text("[core]\n\thooksPath = .\n")
    plain = root / "plain"
    (plain / "src").mkdir(parents=True)
    state = root / "state"
    state.mkdir()
    profiles = root / "profiles"
    profiles.mkdir()
    (profiles / "demo.toml").write_text("")
    return {"project": project, "plain": plain, "state": state, "profile": profiles / "demo.toml", "odd": odd}


def config(world: dict[str, Path]) -> Any:
    return CONFIG.replace(state_dir=str(world["state"]), profile_path=str(world["profile"]))


BASH: list[tuple[str, str, str, str | None, str]] = [
    # --- agent settings ---------------------------------------------------------------------
    ("echo '{}' > .claude/settings.json", X, PROD, P, "project"),
    ("echo x >> .claude/settings.local.json", X, PROD, P, "project"),
    ("cat > ~/.claude/settings.json <<'EOF'\n{}\nEOF", X, PROD, P, "plain"),
    ("cp /tmp/s.json .claude/settings.json", X, PROD, P, "project"),
    ("cp /tmp/settings.json .claude/", X, PROD, P, "project"),
    ("cp /tmp/s.json .claude/", L, LOCAL, "fs.write", "project"),
    ("mv .claude/settings.json /tmp/", X, PROD, P, "project"),
    ("rm .claude/settings.json", X, PROD, P, "project"),
    ("rm -rf .claude", X, PROD, P, "project"),
    ("rm -rf .", X, PROD, P, "project"),
    ("tee .claude/settings.json < /dev/null", X, PROD, P, "project"),
    ("echo '{}' | sudo tee -a .claude/settings.json", X, PROD, P, "project"),
    ("sed -i 's/crane/true/' .claude/settings.json", X, PROD, P, "project"),
    ("install -m 644 s.json .claude/settings.local.json", X, PROD, P, "project"),
    ("install -t .claude settings.json", X, PROD, P, "project"),
    ("ln -sf /tmp/evil.json .claude/settings.json", X, PROD, P, "project"),
    ("chmod 000 .claude/settings.json", X, PROD, P, "project"),
    ("truncate -s 0 .claude/settings.json", X, PROD, P, "project"),
    ("echo x > ./.claude/../.claude/settings.json", X, PROD, P, "project"),
    ("echo hi > .gemini/settings.json", X, PROD, P, "plain"),
    ("mkdir -p .codex && echo x > .codex/config.toml", X, PROD, P, "plain"),
    ("echo x > ~/.codex/hooks.json", X, PROD, P, "plain"),
    ("bash -c 'echo x > .claude/settings.json'", X, PROD, P, "project"),
    ("find .claude -name '*.json' -delete", X, PROD, P, "project"),
    ("npx wrangler deploy --env staging && echo x > .claude/settings.json", X, PROD, P, "project"),
    ("git checkout HEAD~3 -- .claude/settings.json", X, PROD, P, "project"),
    # --- git hooks and config ------------------------------------------------------------------
    ("cp hook.sh .git/hooks/pre-commit", X, PROD, P, "project"),
    ("echo 'npx wrangler deploy' > .git/hooks/post-checkout", X, PROD, P, "project"),
    ("chmod +x .git/hooks/pre-push", X, PROD, P, "project"),
    ("git config core.hooksPath .evil", X, PROD, P, "project"),
    ("git config --local core.hooksPath /tmp/h", X, PROD, P, "project"),
    ("git -C . config core.hooksPath x", X, PROD, P, "project"),
    ("git config --unset core.hooksPath", X, PROD, P, "project"),
    ("echo '[core]' >> .git/config", X, PROD, P, "project"),
    ("sed -i 's/x/y/' .git/config", X, PROD, P, "project"),
    ("dd if=/dev/zero of=.git/config", X, PROD, P, "project"),
    ("echo 'npx wrangler deploy' > .husky/pre-commit", X, PROD, P, "project"),
    ("git restore .husky/pre-commit", X, PROD, P, "project"),
    ("cp x .githooks/pre-commit", X, PROD, P, "project"),
    ("echo x > src/../.githooks/post-merge", X, PROD, P, "project"),
    # --- inline code ------------------------------------------------------------------------------
    ("python3 -c \"open('.claude/settings.json','w').write('{}')\"", X, PROD, P, "project"),
    ("node -e \"require('fs').writeFileSync('.claude/settings.json','{}')\"", X, PROD, P, "project"),
    ("perl -e 'unlink \".git/hooks/pre-commit\"'", X, PROD, P, "project"),
    ("python3 -c \"import os; os.remove(os.path.join('.git','hooks','pre-commit'))\"", X, PROD, P, "project"),
    ("python3 - <<'EOF'\nfrom pathlib import Path\nPath('.gemini/settings.json').write_text('{}')\nEOF", X, PROD, P,
     "plain"),
    ("ruby -e 'File.write(\".husky/pre-commit\", \"x\")'", X, PROD, P, "project"),
    # --- reads and ordinary local writes stay what they were --------------------------------------
    ("cat .claude/settings.json", R, LOCAL, None, "project"),
    ("ls .git/hooks", R, LOCAL, None, "project"),
    ("cat .git/config", R, LOCAL, None, "project"),
    ("git config core.hooksPath", R, LOCAL, None, "project"),
    ("git config --get core.hooksPath", R, LOCAL, None, "project"),
    ("git config user.email a@b.c", R, LOCAL, None, "project"),
    ("cp .claude/settings.json /tmp/backup.json", L, LOCAL, "fs.write", "project"),
    ("git add .claude/settings.json", L, LOCAL, "git.local", "project"),
    ("git commit -m 'update .claude/settings.json'", L, LOCAL, "git.local", "project"),
    ("echo x > settings.json", L, LOCAL, "shell.redirect", "project"),
    ("echo x > .claude/notes.md", L, LOCAL, "shell.redirect", "project"),
    ("echo x > .github/hooks.md", L, LOCAL, "shell.redirect", "project"),
    ("rm -rf node_modules dist", L, LOCAL, "fs.write", "project"),
    ("rm -rf .", L, LOCAL, "fs.write", "plain"),
    ("python3 -c \"print(open('.claude/settings.json').read())\"", R, LOCAL, None, "project"),
    ("sed -n 1,5p .git/config", R, LOCAL, None, "project"),
    # --- crane's own code, and credential stores -----------------------------------------------------
    ("python3 -c 'from crane.secrets import fetch; print(fetch())'", X, PROD, C, "plain"),
    ("python -c \"import crane.secrets.infisical as i\"", X, PROD, C, "plain"),
    ("python3 -m crane export --venture demo", X, PROD, C, "plain"),
    ("python -m crane.cli.main export", X, PROD, C, "plain"),
    ("uv run python -m crane run -- env", X, PROD, C, "plain"),
    ("python3 - <<'EOF'\nimport crane\nprint(crane.get_api_base())\nEOF", X, PROD, C, "plain"),
    (f"{sys.executable} -c 'print(1)'", X, PROD, C, "plain"),
    (f"{Path(sys.executable).parent}/python3 script.py", X, PROD, C, "plain"),
    ("python3 -c 'import keyring; print(keyring.get_password(\"crane\", \"infisical\"))'", X, PROD, K, "plain"),
    ("python3 - <<'EOF'\nimport keyring\nkeyring.get_password('crane', 'x')\nEOF", X, PROD, K, "plain"),
    ("secret-tool lookup service crane", X, PROD, K, "plain"),
    ("security find-generic-password -s crane -w", X, PROD, K, "plain"),
    ("cat ~/.local/share/keyrings/login.keyring", X, PROD, K, "plain"),
    ("cp ~/.local/share/python_keyring/crypted_pass.cfg /tmp/", X, PROD, K, "plain"),
    ("strings ~/Library/Keychains/login.keychain-db", X, PROD, K, "plain"),
    ("base64 < ~/.local/share/keyrings/default.keyring", X, PROD, K, "plain"),
    ("kwallet-query -r infisical kdewallet", X, PROD, K, "plain"),
    ("security list-keychains", R, LOCAL, None, "plain"),
    ("pip show keyring", R, LOCAL, None, "plain"),
    ("python3 -c \"print('crane')\"", R, LOCAL, None, "plain"),
    ("grep -rn 'from crane' launcher", R, LOCAL, None, "plain"),
    ("python3 -m pytest -q", R, LOCAL, None, "plain"),
    ("echo x > $HOME/.claude/settings.json", X, PROD, P, "plain"),
    ("echo x | tee -a \"${HOME}/.claude/settings.local.json\"", X, PROD, P, "plain"),
    ("cp hook \"$(git rev-parse --git-dir)/hooks/pre-commit\"", X, PROD, P, "project"),
    ("echo x > src/app.ts", L, LOCAL, "shell.redirect", "odd"),
    ("echo x > .git/hooks/pre-commit", X, PROD, P, "odd"),
]


def _materialise(command: str, world: dict[str, Path]) -> str:
    return command.replace("{state}", str(world["state"])).replace("{profile}", str(world["profile"]))


@pytest.mark.parametrize(("command", "kind", "target", "rule", "project"), BASH,
                         ids=[f"{c[4]}:{c[0][:60]}" for c in BASH])
def test_protected_corpus(world: dict[str, Path], command: str, kind: str, target: str, rule: str | None,
                          project: str) -> None:
    result = classify("Bash", {"command": command}, cwd=str(world[project]), config=config(world), environ={})
    assert (result.kind, result.target, result.rule) == (kind, target, rule), result.reason


@pytest.mark.parametrize("command", [
    "echo x > {state}/audit.jsonl", "rm -rf {state}", "cp evil.toml {profile}", "mv {state} /tmp/gone",
    "sqlite3 {state}/state.db 'x' > {state}/y", "rm -rf {state}/..", "echo x > \"$STATE/audit.jsonl\"",
])
def test_crane_state_and_profile(world: dict[str, Path], command: str) -> None:
    result = classify("Bash", {"command": _materialise(command, world)}, cwd=str(world["plain"]),
                      config=config(world), environ={"STATE": str(world["state"])})
    assert (result.kind, result.target, result.rule) == (X, PROD, P), result.reason


TOOLS: list[tuple[str, dict[str, Any], str | None]] = [
    ("Write", {"file_path": ".claude/settings.json", "content": "{}"}, P),
    ("Edit", {"file_path": "~/.claude/settings.json", "old_string": "a", "new_string": "b"}, P),
    ("MultiEdit", {"file_path": ".git/hooks/pre-commit", "edits": []}, P),
    ("NotebookEdit", {"notebook_path": ".codex/x.ipynb", "new_source": ""}, P),
    ("Write", {"file_path": ".githooks/pre-push", "content": "x"}, P),
    ("write_file", {"file_path": ".gemini/settings.json", "content": "{}"}, P),
    ("replace", {"file_path": ".husky/pre-push", "old_string": "a", "new_string": "b"}, P),
    ("apply_patch", {"input": "*** Begin Patch\n*** Update File: .claude/settings.json\n@@\n-a\n+b\n*** End Patch"}, P),
    ("Read", {"file_path": "~/.local/share/keyrings/login.keyring"}, K),
    ("Grep", {"pattern": "x", "path": "/root/.local/share/python_keyring"}, K),
    ("Write", {"file_path": "src/app.ts", "content": "x"}, "file.edit"),
    ("Write", {"file_path": ".claude/commands/deploy.md", "content": "x"}, "file.edit"),
    ("Read", {"file_path": ".claude/settings.json"}, None),
]


@pytest.mark.parametrize(("tool", "tool_input", "rule"), TOOLS, ids=[f"{t[0]}:{t[2]}:{i}" for i, t in enumerate(TOOLS)])
def test_file_tools(world: dict[str, Path], tool: str, tool_input: dict[str, Any], rule: str | None) -> None:
    result = classify(tool, tool_input, cwd=str(world["project"]), config=config(world), environ={})
    assert result.rule == rule, result.reason
    if rule in (P, K):
        assert (result.kind, result.target) == (X, PROD)


def test_state_dir_by_file_tool(world: dict[str, Path]) -> None:
    result = classify("Write", {"file_path": str(world["state"] / "state.db"), "content": ""},
                      cwd=str(world["plain"]), config=config(world), environ={})
    assert result.rule == P


@pytest.mark.parametrize("mode", [
    {"env": "dev"}, {"env": "prod"}, {"env": "prod", "production_gate": "off"}, {"env": "prod", "dry_run": True},
    {"env": "dev", "dry_run_scope": ("guard.protected-path",)},
])
def test_denied_in_every_mode(world: dict[str, Path], mode: dict[str, Any]) -> None:
    cfg = config(world).replace(**mode)
    result: Classification = classify("Bash", {"command": "echo '{}' > .claude/settings.json && ls"},
                                      cwd=str(world["project"]), config=cfg, environ={})
    for sticky in (False, True):
        verdict = decide(result, cfg, sticky_active=sticky, command="x")
        assert verdict.decision == "deny" and verdict.rule == P
        assert "does not change its own guard" in verdict.reason
        assert not verdict.activate_sticky


def test_corpus_size() -> None:
    assert len(BASH) + len(TOOLS) >= 90


DIRS = st.lists(st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True), max_size=3).map("/".join)
WRITERS = st.sampled_from(["echo x > {p}", "echo x >> {p}", "cp a.txt {p}", "tee {p} < /dev/null", "rm -f {p}",
                           "sed -i s/a/b/ {p}", "chmod 600 {p}", "touch {p}", "ln -sf /tmp/x {p}",
                           "bash -c 'echo x > {p}'", "mv a.txt {p}", "install a.txt {p}", "truncate -s0 {p}"])
PROTECTED = st.sampled_from([".claude/settings.json", ".claude/settings.local.json", ".gemini/settings.json",
                             ".codex/config.toml", ".git/hooks/pre-commit", ".git/config", ".husky/pre-push"])
ORDINARY = st.sampled_from([".claude/notes.md", "settings.json", "src/.git-keep", "hooks/pre-commit",
                            ".github/workflows/ci.yml", "config", ".gitconfig.example", "husky.txt"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(DIRS, WRITERS, PROTECTED)
def test_property_protected_writes_are_denied_anywhere(world: dict[str, Path], prefix: str, writer: str,
                                                       path: str) -> None:
    full = f"{prefix}/{path}" if prefix else path
    result = classify("Bash", {"command": writer.format(p=full)}, cwd=str(world["plain"]), config=config(world),
                      environ={})
    assert result.rule == P and (result.kind, result.target) == (X, PROD), result.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(DIRS, WRITERS, ORDINARY)
def test_property_ordinary_writes_stay_local(world: dict[str, Path], prefix: str, writer: str, path: str) -> None:
    full = f"{prefix}/{path}" if prefix else path
    result = classify("Bash", {"command": writer.format(p=full)}, cwd=str(world["plain"]), config=config(world),
                      environ={})
    assert result.kind == L and result.rule != P, result.reason
