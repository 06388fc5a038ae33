"""The prefilter clears only what the full classifier calls a read, and never loads tree-sitter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crane.guard.rules.engine import load_rules
from crane.guard.see.classify import classify_command
from crane.guard.see.prefilter import is_harmless, sensitive_programs
from tests.guard.conftest import CONFIG

RULES = load_rules()
SENSITIVE = sensitive_programs(RULES.program_names)
REPO = Path(__file__).resolve().parents[2]

CLEARED = [
    "ls -la",
    "ls",
    "cat README.md",
    "pytest -q tests/test_x.py",
    "python -m pytest -q 2>&1 | tail -20",
    "head -n 50 src/app.ts",
    "wc -l *.py",
    "echo 'hello world'",
    "echo \"a | b; c\"",
    "ls; pwd",
    "ls && pwd || echo fail",
    "sleep 1 &",
    "FOO=bar printenv FOO",
    "ruff check launcher >/dev/null",
    "jq .name package.json",
    "",
    "git status",
    "git status --short",
    "git log --oneline -20",
    "git diff HEAD~1 -- src/app.py",
    "git show HEAD:README.md | head -5",
    "git status && git diff --stat",
    "git blame README.md",
    "git rev-parse --abbrev-ref HEAD",
]

NOT_CLEARED = [
    "wrangler deploy",
    "npx wrangler deploy",
    "w'r'angler deploy",
    '"wrangler" deploy',
    "WRANGLER deploy",
    "curl https://example.com",
    "rm -rf x",
    "npm test",
    "pnpm lint",
    "yarn",
    "bun run x",
    "make",
    "bash -c ls",
    "sh deploy.sh",
    "ls | sh",
    "eval ls",
    "source env.sh",
    ". env.sh",
    "env -S ls",
    "xargs ls",
    "sudo ls",
    "timeout 5 ls",
    "echo $HOME",
    "echo `ls`",
    "echo $(ls)",
    "ls \\\n -la",
    "w\\rangler deploy",
    "ls\npwd",
    "(ls)",
    "{ ls; }",
    "cat <<EOF\nx\nEOF",
    "ls > out.txt",
    "ls < in.txt",
    "echo 'unbalanced",
    "ls ;; pwd",
    "ls &&",
    "| ls",
    "if true; then ls; fi",
    "time ls",
    "wr*ler deploy",
    "b?sh x",
    "ls *",
    "cat x # comment",
    "echo hi!",
    "ls -la " + "x" * 5000,
    "echo ü",
    "drizzle-kit push",
    "git-lfs pull",
]


# Read-only git calls the prefilter must NOT clear: the full parse decides.
NOT_CLEARED_GIT = [
    "git push",
    "git status; git push origin main",
    "git status && wrangler deploy",
    "git -c alias.st=!sh st",
    "git -C other status",
    "/usr/bin/git status",
    "./git status",
    "git diff wrangler.toml",
    "git log | xargs curl -X POST",
    "git commit -m wip",
    "gIt status",
]


@pytest.mark.parametrize("command", NOT_CLEARED_GIT)
def test_git_calls_that_are_not_cleared(command: str) -> None:
    assert not is_harmless(command, SENSITIVE)


_GIT_READS = ["git status", "git log", "git diff", "git show", "git blame", "git describe", "git shortlog",
              "git rev-parse", "git ls-files"]
_GIT_TAILS = ["", " --short", " -5", " HEAD", " -- src", " deploy", " wrangler", " push", " --output=x",
              " -c x", " 2>&1", " | head", " && ls", " ; git push", " | sh", " && npm publish"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_GIT_READS), st.sampled_from(_GIT_TAILS)), min_size=1, max_size=3),
       st.sampled_from([" && ", "; ", " | ", " || "]))
def test_cleared_git_reads_are_reads_for_the_full_classifier(parts: list[tuple[str, str]], joiner: str) -> None:
    _assert_sound(joiner.join(a + b for a, b in parts))


@pytest.mark.parametrize("command", CLEARED)
def test_cleared(command: str) -> None:
    assert is_harmless(command, SENSITIVE)


@pytest.mark.parametrize("command", NOT_CLEARED)
def test_not_cleared(command: str) -> None:
    assert not is_harmless(command, SENSITIVE)


def test_profile_rule_programs_are_sensitive() -> None:
    rules = load_rules([{"name": "deployer.ship", "program": "deployer", "subcommand": "ship"}])
    assert not is_harmless("deployer ship", sensitive_programs(rules.program_names))
    assert is_harmless("deployer ship", SENSITIVE)


def test_cleared_commands_are_reads() -> None:
    for command in CLEARED:
        assert classify_command(command, cwd="/nonexistent", config=CONFIG, environ={}, prefilter=False).kind == "read"


# The property: whatever the prefilter clears, the full classifier calls a read.

_WORDS = [
    "ls", "cat", "echo", "grep", "pytest", "python", "README.md", "-la", "-n", "x", "a.txt", "src/",
    "if", "then", "fi", "for", "do", "done", "in", "time", "!", ".", "..", "*", "?", "*.py", "w*", "b?sh",
    "FOO=1", "A=", "=", "-", "--", "'", '"', "''", '""', "'a b'", '"a;b"', "2>&1", ">/dev/null", ">", "<",
    ";", ";;", "&", "&&", "|", "||", "|&", "(", ")", "{", "}", "[", "]", "$", "`", "\\", "#", "~", "%", "^",
    "@", "+", ",", ":", "wrangler", "git", "npm", "bash", "sh", "rm", "deploy", "env", "export", "cd",
    "local", "unset", "declare", "case", "esac", "while", "until", "select", "function", "coproc", "&>/dev/null",
    "x=", "a@b", "1@2", "%", "-x", "+x", "2>/dev/null", "./run", "/bin/ls", "~/x", "a,b", "k:v", "^x",
]
_SEPARATORS = [" ", "  ", "\t", "", ";", " ; ", " && ", " | ", " || ", " & ", "\n"]


@st.composite
def shellish(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SEPARATORS)), max_size=8))
    return "".join(word + sep for word, sep in parts)


ALPHABET = "abcls -_./:=,@+%^~*?'\";&|\t$`\\(){}<>#!\n2"


def _assert_sound(command: str) -> None:
    if not is_harmless(command, SENSITIVE):
        return
    result = classify_command(command, cwd="/nonexistent", config=CONFIG, environ={}, prefilter=False)
    assert not result.is_external_write, result.reason
    assert result.kind == "read", (result.kind, result.reason)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shellish())
@example("echo if")
@example("ls & ")
@example("A=1")
@example("'' x")
@example("./ +k0")  # found by hypothesis: `./` is not `.`
@example("u\t==")  # tree-sitter-bash: a last argument `==` is a parse error
@example("declare 1@2")
@example("x=|3")
@example("- t@2")
@example("FOO=1 &>/dev/null")
@example("2@")
@example("?/")
def test_prefilter_is_sound_on_shellish_text(command: str) -> None:
    _assert_sound(command)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_prefilter_is_sound_on_random_text(command: str) -> None:
    _assert_sound(command)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_prefilter_is_sound_on_any_text(command: str) -> None:
    _assert_sound(command)


def test_prefilter_is_sound_with_profile_rules() -> None:
    config = CONFIG.replace(extra_rules=({"name": "tool.ship", "program": "shipit"},))
    result = classify_command("shipit now", cwd="/nonexistent", config=config, environ={})
    assert result.is_external_write and result.rule == "tool.ship"


def test_plain_read_does_not_load_tree_sitter(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from crane.guard.see.classify import classify\n"
        "from crane.guard.rules.config import GuardConfig\n"
        "assert 'tree_sitter' not in sys.modules\n"
        "for c in ('ls -la', 'git status', 'git log --oneline -5'):\n"
        "    r = classify('Bash', {'command': c}, cwd='/', config=GuardConfig(), environ={})\n"
        "    assert r.kind == 'read', r\n"
        "assert 'tree_sitter' not in sys.modules and 'tree_sitter_bash' not in sys.modules\n"
        "r = classify('Bash', {'command': 'npx wrangler deploy'}, cwd='/', config=GuardConfig(), environ={})\n"
        "assert 'tree_sitter._binding' in sys.modules\n"
    )
    env = {"PYTHONPATH": str(REPO / "launcher"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO)


def test_import_is_stdlib_and_crane_only(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import crane.guard.see.classify\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "stdlib = sys.stdlib_module_names\n"
        "third = sorted(m for m in new if m != 'crane' and m not in stdlib and not m.startswith('_'))\n"
        "assert not third, third\n"
    )
    env = {"PYTHONPATH": str(REPO / "launcher"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO)
