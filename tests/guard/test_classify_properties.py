"""Properties of the classifier: disguises do not hide production writes, reads stay reads,
no text makes it raise or hang."""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crane.guard.model import KIND_RANK, Classification
from crane.guard.see.classify import classify, classify_command
from tests.guard.conftest import CONFIG

# Production writes that stay production wherever they run (explicit env or URL).
HANG_GUARD = 120  # seconds: catches a classifier that never finishes, not a slow machine

PRODUCTION_WRITES = [
    "wrangler deploy --env production",
    "npx wrangler deploy -e production",
    "wrangler versions deploy --env=production",
    "wrangler secret put API_TOKEN -e=production",
    "wrangler d1 execute DB --remote --env production --command 'DELETE FROM users'",
    "wrangler d1 migrations apply DB --remote -e production",
    "wrangler kv key put session abc --binding KV --remote --env production",
    "wrangler r2 object put assets/logo.png --file logo.png --remote --env production",
    "curl -X POST https://api.example.com/v1/items -d '{}'",
    "curl --json '{\"a\": 1}' https://api.example.com/v1/items",
    "git push origin production",
    "kubectl --context production apply -f app.yaml",
]
# Commands that must not be wrapped by program wrappers (the assignment is for the shell).
SHELL_ONLY_WRITES = ["CLOUDFLARE_ENV=production wrangler deploy"]

READS = [
    "ls -la",
    "cat README.md",
    "git status",
    "git log --oneline -5",
    "git diff",
    "rg -n TODO src",
    'grep "wrangler deploy" notes.md',
    'echo "git push"',
    "wrangler dev",
    "wrangler tail --env production",
    "wrangler whoami",
    "wrangler kv key get k --binding KV --remote --env production",
    "curl https://api.example.com/health",
    "gh pr list",
    "kubectl get pods",
]

WRAPPERS = [
    "nohup", "time", "nice -n 5", "timeout 30", "timeout -s KILL 5m", "sudo", "sudo -u deploy", "setsid",
    "stdbuf -oL", "command", "env", "env -i", "env FOO=1", "npx", "npx --yes", "npx -y", "pnpm exec",
    "pnpm dlx", "yarn dlx", "bunx", "npm exec --", "xargs", "xargs -0", "exec", "busybox", "chronic",
]


# (disguise, gives a simple command that can be prefixed again)
SHELL_DISGUISES: list[tuple[Callable[[str], str], bool]] = [
    (lambda c: f"bash -c {shlex.quote(c)}", True),
    (lambda c: f"sh -c {shlex.quote(c)}", True),
    (lambda c: f"zsh -c {shlex.quote(c)}", True),
    (lambda c: f"bash -lc {shlex.quote(c)}", True),
    (lambda c: f"( {c} )", False),
    (lambda c: f"{{ {c}; }}", False),
    (lambda c: f"echo $( {c} )", True),
    (lambda c: f"echo `{c}`" if "`" not in c else f"echo $( {c} )", True),
    (lambda c: f"cat <( {c} )", True),
    (lambda c: f"true && {c}", False),
    (lambda c: f"false || {c}", False),
    (lambda c: f"ls ; {c}", False),
    (lambda c: f"{c} ; echo done", False),
    (lambda c: f"{c} | tee out.log", False),
    (lambda c: f"echo go | {c}", False),
    (lambda c: f"if true; then {c}; fi", False),
    (lambda c: f"for i in 1; do {c}; done", False),
    (lambda c: f"f() {{ {c}; }}; f", False),
    (lambda c: f"bash <<'E{len(c)}'\n{c}\nE{len(c)}", False),  # a delimiter no inner heredoc uses
    (lambda c: f"echo {shlex.quote(c)} | bash", False),
    (lambda c: f"bash <<< {shlex.quote(c)}", True),
]
ENV_PREFIXES = ["FOO=1", "A=1 B='x y'", "WRANGLER_LOG=debug"]


def _quote_program(command: str) -> list[str]:
    program, _, rest = command.partition(" ")
    return [f"'{program}' {rest}", f'"{program}" {rest}', f"{program[0]}\\{program[1:]} {rest}"]


# xargs appends words the guard cannot see; they could be `-d` for curl, so it is not read-preserving.
READ_WRAPPERS = [w for w in WRAPPERS if not w.startswith("xargs")]


@st.composite
def disguised(draw: st.DrawFn, bases: list[str], shell_only: list[str], wrappers: list[str] = WRAPPERS) -> str:
    """A command wrapped in up to five layers: wrappers, env prefixes, shells, chains, continuations."""
    base = draw(st.sampled_from(bases + shell_only))
    if base in bases and draw(st.booleans()):
        base = draw(st.sampled_from([base, *_quote_program(base)]))
    command = base
    simple = True  # a simple command: prefixes and wrappers may go in front of it
    assigned = base in shell_only  # starts with NAME=value: only the shell may come in front
    for _ in range(draw(st.integers(0, 5))):
        choice = draw(st.integers(0, 3))
        if choice == 0 and simple and not assigned:
            command = f"{draw(st.sampled_from(wrappers))} {command}"
        elif choice == 1 and simple:
            command = f"{draw(st.sampled_from(ENV_PREFIXES))} {command}"
            assigned = True
        elif choice == 2:
            # A line continuation between the first two words (the first space is never quoted).
            command = command.replace(" ", " \\\n  ", 1)
        else:
            disguise, simple = draw(st.sampled_from(SHELL_DISGUISES))
            command = disguise(command)
            assigned = False
    return command


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(disguised(PRODUCTION_WRITES, SHELL_ONLY_WRITES))
def test_disguised_production_writes_are_caught(tmp_path_factory: pytest.TempPathFactory, command: str) -> None:
    result = classify("Bash", {"command": command}, cwd="/nonexistent", config=CONFIG, environ={})
    assert result.kind == "external_write", (command, result.reason)
    assert result.target == "production", (command, result.reason)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(disguised(READS, [], READ_WRAPPERS))
def test_disguised_reads_stay_reads(command: str) -> None:
    if "tee out.log" in command:  # tee writes its file: a local write, not a read
        return
    result = classify("Bash", {"command": command}, cwd="/nonexistent", config=CONFIG, environ={})
    assert result.kind == "read", (command, result.reason)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PRODUCTION_WRITES), st.sampled_from(READS), st.sampled_from([";", "&&", "||", "|", "&", "\n"]))
def test_a_write_in_any_chain_position_is_caught(write: str, read: str, op: str) -> None:
    for command in (f"{read} {op} {write}", f"{write} {op} {read}"):
        result = classify_command(command, cwd="/nonexistent", config=CONFIG, environ={})
        assert (result.kind, result.target) == ("external_write", "production"), (command, result.reason)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PRODUCTION_WRITES), st.sampled_from(READS))
def test_adding_reads_never_lowers_the_verdict(write: str, read: str) -> None:
    alone = classify_command(write, cwd="/nonexistent", config=CONFIG, environ={})
    both = classify_command(f"{read}; {write}; {read}", cwd="/nonexistent", config=CONFIG, environ={})
    assert KIND_RANK[both.kind] >= KIND_RANK[alone.kind]


SHELLISH = "$(){}[]<>|&;'\"\\`\n\t ab-=*?#!~%@:.,/0123456789wranglerdeploy"


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), st.text(alphabet=SHELLISH, max_size=120)))
def test_never_raises_on_any_text(command: str) -> None:
    result = classify("Bash", {"command": command}, cwd="/nonexistent", config=CONFIG, environ={})
    assert result.kind in ("read", "local_write", "external_write")


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=30),
    st.dictionaries(st.text(max_size=10), st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                                                       lambda inner: st.lists(inner, max_size=3)
                                                       | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                                                       max_leaves=10), max_size=5),
)
def test_never_raises_on_any_tool_call(tool_name: str, tool_input: dict[str, object]) -> None:
    for name in (tool_name, "Bash", "Write", f"mcp__x__{tool_name}"):
        result = classify(name, tool_input, cwd="/nonexistent", config=CONFIG, environ={})
        assert result.kind in ("read", "local_write", "external_write")


@pytest.mark.parametrize(
    "command",
    [
        "$(" * 3000 + "x" + ")" * 3000,
        "echo " + "$(echo " * 400 + "x" + ")" * 400,
        "(" * 5000 + "ls" + ")" * 5000,
        "{ " * 2000 + "ls; " + "}; " * 2000,
        "a | " * 5000 + "b",
        "ls " + "x " * 100_000,
        "x" * 300_000,
        "bash -c '" + "bash -c \\'" * 50 + "ls" + "\\'" * 50 + "'",
        "echo " + "'a'\"b\"" * 20_000,
        "if true; then " * 500 + "ls" + "; fi" * 500,
        "find . -exec " * 3000 + "ls",
        "xargs " * 5000 + "ls",
        "op run -- " * 3000 + "ls",
        "sudo " * 5000 + "wrangler deploy",
    ],
    ids=["nested-$(", "nested-echo-$(", "nested-parens", "nested-braces", "long-pipeline", "many-words",
         "one-huge-word", "nested-bash-c", "many-quotes", "nested-if", "nested-find-exec", "many-wrappers",
         "nested-dashdash", "many-sudo"],
)
def test_pathological_input_is_bounded(command: str) -> None:
    # Bounded means it finishes with an answer (its speed is bench/hook.py's business): an
    # exponential blow-up would never finish, so a generous hang guard is enough to catch it.
    results: list[Classification] = []
    worker = threading.Thread(target=lambda: results.append(
        classify("Bash", {"command": command}, cwd="/nonexistent", config=CONFIG, environ={})), daemon=True)
    worker.start()
    worker.join(HANG_GUARD)
    assert results, f"no answer within the {HANG_GUARD} s hang guard"
    assert results[0].kind in ("read", "external_write")


def test_too_complex_is_an_external_write() -> None:
    result = classify_command("$(" * 3000 + "x" + ")" * 3000, cwd="/nonexistent", config=CONFIG, environ={})
    assert result.is_external_write
    assert result.rule in ("shell.too-complex", "shell.parse-error")


def test_recursive_scripts_are_bounded(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"scripts": {"a": "npm run b", "b": "npm run a"}}')
    (tmp_path / "x.sh").write_text("bash x.sh\n")
    for command in ("npm run a", "bash x.sh", "source x.sh"):
        result = classify_command(command, cwd=str(tmp_path), config=CONFIG, environ={})
        assert result.is_external_write and result.rule == "shell.too-complex", command
