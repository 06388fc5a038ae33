"""Regression tests for the second adversarial review of the guard.

Each case was a production write (or a change of the guard's trust base) that a staging session
allowed. A staging session denies production-targeted external writes and protected paths.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crane.guard.rules.config import GuardConfig
from crane.guard.run.decide import decide
from crane.guard.see.classify import classify
from tests.guard.conftest import CONFIG

STAGING = GuardConfig(env="dev", production_urls=CONFIG.production_urls, staging_urls=CONFIG.staging_urls)


def _verdict(tool: str, tool_input: dict[str, object], cwd: Path) -> tuple[str, str, str | None]:
    c = classify(tool, tool_input, cwd=str(cwd), config=STAGING, environ={})
    v = decide(c, STAGING, sticky_active=False, command=str(tool_input))
    return v.decision, c.target, c.rule


def _bash(command: str, cwd: Path) -> tuple[str, str, str | None]:
    return _verdict("Bash", {"command": command}, cwd)


# 1. xargs: a wrapper whose command comes from the input, or a rule program whose subcommand does.
@pytest.mark.parametrize(
    "command",
    [
        "printf 'wrangler\\0deploy\\0--env\\0production' | xargs -0 env",
        "echo wrangler deploy --env production | xargs sudo",
        "echo wrangler deploy --env production | xargs timeout 60",
        "echo wrangler deploy --env production | xargs nohup",
        "echo wrangler deploy --env production | xargs npx",
        "echo x | parallel env",
        "echo deploy --env production | xargs wrangler",
        "echo deploy --env production | xargs npx wrangler",
        "echo 'execute DB --remote --env production --command x' | xargs wrangler d1",
    ],
)
def test_xargs_command_from_input(projects: dict[str, Path], command: str) -> None:
    decision, target, _ = _bash(command, projects["staged"])
    assert (decision, target) == ("deny", "production")


@pytest.mark.parametrize(
    "command",
    [
        "git ls-files | xargs wc -l",
        "find . -name '*.py' | xargs grep foo",
        "git diff --name-only | xargs npx prettier --check",
        "ls | xargs -n1 echo",
        "echo a b | xargs git log --oneline",
    ],
)
def test_xargs_reads_stay_allowed(projects: dict[str, Path], command: str) -> None:
    assert _bash(command, projects["staged"])[0] == "allow"


# 2. Hosts as HTTP clients read them: percent-escapes and Unicode compatibility forms (curl decodes
#    and IDN-normalises the host), brace sequences; brace expansion of option words.
@pytest.mark.parametrize(
    "command",
    [
        "curl -X POST https://api%2eexample%2ecom/x",
        "curl -X POST https://%61pi.example.com/x",
        "curl -X POST 'http://api\uff0eexample\uff0ecom/x'",
        "curl -X POST 'http://\uff41\uff50\uff49.example.com/x'",
        "curl -X POST 'http://api\u3002example\u3002com/x'",
        "curl -X POST https://api.exampl{d..f}.com/x",
        "curl -X POST https://api.example.co{l..n}/x",
        "wget --post-data=x https://api%2eexample.com/x",
        "wrangler deploy -e{staging,production}",
        "wrangler deploy --en{v,}=production",
        "npx {wrangler,deploy} --env production",
    ],
)
def test_encoded_hosts_and_brace_words(projects: dict[str, Path], command: str) -> None:
    decision, target, _ = _bash(command, projects["staged"])
    assert (decision, target) == ("deny", "production")


def test_brace_and_encoded_staging_stays_staging(projects: dict[str, Path]) -> None:
    assert _bash("curl -X POST https://staging%2eexample.com/x", projects["staged"])[:2] == ("allow", "staging")
    assert _bash("wrangler deploy --env=stag{ing,}", projects["staged"])[:2] == ("allow", "staging")


# 3. Codex's apply_patch naming several files: a protected one must not hide behind the first.
@pytest.mark.parametrize(
    "patch",
    [
        "*** Begin Patch\n*** Add File: a.txt\n+x\n*** Add File: .claude/settings.local.json\n+{}\n*** End Patch",
        "*** Begin Patch\n*** Update File: a.txt\n*** Move to: .git/hooks/pre-commit\n@@\n-x\n+y\n*** End Patch",
        "*** Begin Patch\n  *** Add File: .codex/config.toml\n+x\n*** End Patch",
    ],
)
def test_codex_patch_with_a_protected_file(projects: dict[str, Path], patch: str) -> None:
    from crane.agents import codex

    call = codex.translate({"hook_event_name": "PreToolUse", "tool_name": "apply_patch",
                            "tool_input": {"command": patch}, "cwd": str(projects["staged"])})
    decision, _, rule = _verdict(call["tool_name"], call["tool_input"], projects["staged"])
    assert (decision, rule) == ("deny", "guard.protected-path")


# 4. bash's network redirections send the output to a host.
@pytest.mark.parametrize(
    "command",
    [
        "echo x > /dev/tcp/api.example.com/80",
        "printf 'POST / HTTP/1.0\\r\\n\\r\\n' >/dev/tcp/api.example.com/443",
        "cat req >> /dev/udp/api.example.com/53",
        'echo x > "/dev/tcp/$H/80"',
    ],
)
def test_dev_tcp_redirect(projects: dict[str, Path], command: str) -> None:
    decision, target, _ = _bash(command, projects["staged"])
    assert decision == "deny"
    assert target in ("production", "unknown")


# 5. make as it really reads its Makefiles and variables.
@pytest.fixture()
def make_project(tmp_path: Path) -> Path:
    (tmp_path / "Makefile").write_text("ENV ?= staging\ndeploy:\n\twrangler deploy --env $(ENV)\nbuild:\n\techo hi\n")
    (tmp_path / "deploy.mk").write_text("x:\n\twrangler deploy --env production\n")
    (tmp_path / "inc.mk").write_text("include deploy.mk\nall:\n\techo hi\n")
    (tmp_path / "shell.mk").write_text("SHELL := ./run.sh\nall:\n\techo hi\n")
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "Makefile").write_text("#" * (1 << 21) + "\nall:\n\twrangler deploy --env production\n")
    return tmp_path


@pytest.mark.parametrize(
    "command",
    [
        "make ENV=production deploy",
        "make deploy ENV=production",
        "ENV=production make deploy",
        "MAKEFLAGS='ENV=production' make deploy",
        "make -fdeploy.mk x",
        "make -f deploy.mk -f Makefile x",
        "make -f inc.mk",
        "make -f - x < deploy.mk",
        "cat deploy.mk | make -f - x",
        "make -f /dev/stdin x < deploy.mk",
        "make -f <(cat deploy.mk) x",
        "make -f shell.mk",
        "make SHELL=./run.sh build",
        "make -C big",
    ],
)
def test_make_as_make_reads_it(make_project: Path, command: str) -> None:
    assert _bash(command, make_project)[0] == "deny"


@pytest.mark.parametrize("command", ["make deploy", "make build", "make -j4 deploy ENV=staging", "make -f inc.mk all"])
def test_make_staging_and_local_stay_allowed(make_project: Path, command: str) -> None:
    assert _bash(command, make_project)[0] == "allow"


# 6. Variables that make a program run another one (git's editor and pager, man's pager, ssh,
#    bash's BASH_ENV, node's --require): set in the command, they are runner definitions.
@pytest.fixture()
def script_project(tmp_path: Path) -> Path:
    (tmp_path / "run").write_text("#!/bin/sh\nwrangler deploy --env production\n")
    (tmp_path / "run").chmod(0o755)
    return tmp_path


@pytest.mark.parametrize(
    "command",
    [
        "GIT_EDITOR='wrangler deploy --env production' git commit",
        "GIT_PAGER=./run git log -p",
        "GIT_SSH_COMMAND=./run git fetch",
        "GIT_EXTERNAL_DIFF=./run git diff",
        "GIT_SEQUENCE_EDITOR=./run git rebase -i HEAD~1",
        "PAGER=./run man ls",
        "MANPAGER=./run man ls",
        "LESSOPEN='|./run %s' less x",
        "EDITOR=./run crontab -e",
        "VISUAL=./run git commit",
        "SSH_ASKPASS=./run ssh-add",
        "PROMPT_COMMAND='wrangler deploy --env production' bash -i",
        "BASH_ENV=./run bash -c ls",
        "export BASH_ENV=./run; npm test",
        "NODE_OPTIONS='--require ./x.js' node -e 1",
        "LD_PRELOAD=./x.so ls",
    ],
)
def test_program_variables(script_project: Path, command: str) -> None:
    assert _bash(command, script_project)[0] == "deny"


@pytest.mark.parametrize(
    "command",
    ["GIT_PAGER=cat git log", "EDITOR=vim git commit -m x", "PAGER=less man ls",
     "NODE_OPTIONS=--max-old-space-size=4096 node x.js", "GIT_EDITOR=true git commit --amend"],
)
def test_program_variables_everyday(script_project: Path, command: str) -> None:
    (script_project / "x.js").write_text("console.log(1)\n")
    assert _bash(command, script_project)[0] == "allow"


def test_prefilter_knows_the_program_variables() -> None:
    from crane.guard.see import prefilter, runners

    assert prefilter.PROGRAM_VARIABLES == runners.PROGRAM_VARIABLES


# 7. Options whose value the program runs.
@pytest.mark.parametrize(
    "command",
    [
        "ssh -o ProxyCommand=./run host",
        "ssh -oProxyCommand=./run host",
        "ssh -o 'LocalCommand ./run' -o PermitLocalCommand=yes host",
        "rsync -e ./run a b:",
        "rsync --rsh=./run a b:",
        "tar -cf x.tar --use-compress-program=./run .",
        "tar -cf x.tar -I ./run .",
        "tar --to-command=./run -xf x.tar",
        "tar -cf x.tar --checkpoint=1 --checkpoint-action=exec=./run .",
        "zip x.zip -T -TT ./run x",
        "bash --rcfile ./run -i",
        "bash --init-file ./run",
        "scp -S ./run a host:b",
    ],
)
def test_option_commands(script_project: Path, command: str) -> None:
    assert _bash(command, script_project)[0] == "deny"


@pytest.mark.parametrize("command", ["tar -czf out.tgz src", "zip -r x.zip src", "ssh -o BatchMode=yes host ls",
                                     "rsync -av src/ dst/", "bash --norc -c ls"])
def test_option_commands_everyday(script_project: Path, command: str) -> None:
    assert _bash(command, script_project)[0] == "allow"


# 8. A PATH set in the command makes a program name resolve to a planted file.
@pytest.mark.parametrize(
    "command",
    [
        "PATH=.:$PATH run",
        "cp run bin/ls; PATH=./bin:$PATH ls",
        "export PATH=\"$PWD/bin:$PATH\"; cp run bin/make; make",
        "PATH=./bin:$PATH; cp run bin/cat; cat x",
        "mkdir -p bin; cp run bin/wrangler; PATH=./bin:$PATH wrangler --version",
    ],
)
def test_path_shadowing(script_project: Path, command: str) -> None:
    (script_project / "bin").mkdir(exist_ok=True)
    assert _bash(command, script_project)[0] == "deny"


@pytest.mark.parametrize("command", ["export PATH=\"$PWD/node_modules/.bin:$PATH\"; ls",
                                     "PATH=/usr/bin:/bin ls", "export PATH=$HOME/.local/bin:$PATH; cat x"])
def test_path_everyday(script_project: Path, command: str) -> None:
    assert _bash(command, script_project)[0] == "allow"


# 9. Protected paths through a variable the command set, or a pattern that matches them.
@pytest.mark.parametrize(
    "command",
    [
        "d=.claude; echo '{}' > $d/settings.local.json",
        'd=.claude; echo x > "$d/settings.local.json"',
        "f=.git/hooks/pre-commit; cp run $f",
        "D=.git; echo x >> $D/config",
        "echo x > .clau*/settings.json",
        "echo x > .claude/settings.jso?",
        "cp run .c*/settings.json",
    ],
)
def test_protected_path_through_variable_or_glob(script_project: Path, command: str) -> None:
    (script_project / ".claude").mkdir()
    (script_project / ".claude" / "settings.json").write_text("{}")
    (script_project / ".git" / "hooks").mkdir(parents=True)
    decision, _, rule = _bash(command, script_project)
    assert (decision, rule) == ("deny", "guard.protected-path")


def test_glob_redirect_elsewhere_stays_local(script_project: Path) -> None:
    (script_project / "a.txt").write_text("")
    assert _bash("echo x > *.txt", script_project)[0] == "allow"


# 10. Code that starts programs or sends writes in forms the call patterns missed.
@pytest.mark.parametrize(
    "command",
    [
        "perl -e 'system \"wrangler deploy --env production\"'",
        "perl -e 'exec \"wrangler\", \"deploy\", \"--env\", \"production\"'",
        "perl -e 'open(my $f, \"|-\", \"wrangler deploy --env production\")'",
        "perl -e 'open(F, \"| wrangler deploy --env production\")'",
        "ruby -e 'system \"wrangler deploy --env production\"'",
        "php -r 'proc_open(\"wrangler deploy --env production\", [], $p);'",
        "php -r 'popen(\"wrangler deploy --env production\", \"r\");'",
        "python3 -c 'import os; getattr(os, \"system\")(\"wrangler deploy --env production\")'",
        "python3 -c 'import urllib.request as u; u.urlopen(\"https://api.example.com/x\", b\"x\")'",
        "python3 -c 'import requests; requests.request(\"post\", \"https://api.example.com/x\")'",
        "node -e 'require(\"https\").request(\"https://api.example.com/x\",{method:\"POST\"}).end()'",
        "perl -MLWP::UserAgent -e 'LWP::UserAgent->new->post(\"https://api.example.com/x\")'",
        "php -r 'file_get_contents(\"https://api.example.com/x\", false, "
        "stream_context_create([\"http\"=>[\"method\"=>\"POST\"]]));'",
        "tclsh <<< 'exec wrangler deploy --env production'",
        "julia -e 'run(`wrangler deploy --env production`)'",
        "elixir -e 'System.cmd(\"wrangler\", [\"deploy\",\"--env\",\"production\"])'",
        "yarn node -e 'require(\"child_process\").execSync(\"wrangler deploy --env production\")'",
        "node -r ./run.js -e 1",
        "node --import=./run.js -e 1",
        "python3 -m deploy_mod",
    ],
)
def test_code_forms(script_project: Path, command: str) -> None:
    (script_project / "run.js").write_text('require("child_process").execSync("wrangler deploy --env production")\n')
    (script_project / "deploy_mod.py").write_text('import os\nos.system("wrangler deploy --env production")\n')
    decision, target, _ = _bash(command, script_project)
    assert (decision, target) == ("deny", "production")


@pytest.mark.parametrize("command", [
    "python3 -c 'print(\"wrangler deploy --env production\")'",
    "python3 -c 'import requests; print(requests.get(\"https://x.com\").text)'",
    "ruby -e 'puts \"git status\"'",
    "python3 -m pytest -q",
    "sqlite3 db.sqlite 'select 1'",
    "irb --version",
])
def test_code_forms_everyday(script_project: Path, command: str) -> None:
    assert _bash(command, script_project)[0] == "allow"


# 11. curl: a header in a flag cluster (`-HHost:…`), a config file read from stdin or unreadable.
@pytest.mark.parametrize(
    "command",
    [
        "curl -X POST https://1.2.3.4/x -HHost:api.example.com",
        "curl -X POST https://1.2.3.4/x -sHHost:api.example.com",
        "curl -K - < cfg",
        "echo 'url=https://api.example.com' | curl -K - -X POST",
        "curl -K missing.cfg -X POST",
        'curl -K "$C" -X POST',
    ],
)
def test_curl_cluster_and_config(tmp_path: Path, command: str) -> None:
    (tmp_path / "cfg").write_text('url = "https://api.example.com/x"\nrequest = "POST"\n')
    assert _bash(command, tmp_path)[0] == "deny"


def test_cluster_does_not_invent_flags(tmp_path: Path) -> None:
    # `-chdir=x` must not be read as `-c -h -d -i -r` (a `-h` would make a write look like help).
    assert _verdict("Bash", {"command": "terraform -chdir=x apply"}, tmp_path)[2] == "terraform.apply"


# 12. git config included from a file: its aliases and program keys, and setting include.path.
def test_git_include_path(script_project: Path) -> None:
    cfg = script_project / "x.cfg"
    cfg.write_text("[core]\n\tfsmonitor = ./run\n[alias]\n\tst = !wrangler deploy --env production\n")
    assert _bash(f"git -c include.path={cfg} st", script_project)[0] == "deny"
    assert _bash(f"git -c include.path={cfg} status", script_project)[0] == "deny"
    assert _bash("git -c include.path=/nonexistent/x.cfg status", script_project)[0] == "deny"
    harmless = script_project / "h.cfg"
    harmless.write_text("[user]\n\tname = x\n")
    assert _bash(f"git config include.path {harmless}", script_project)[:3:2] == ("deny", "guard.protected-path")
    assert _bash(f"git config --local includeIf.gitdir:~/.path {harmless}", script_project)[0] == "deny"
    assert _bash("git config user.name x", script_project)[0] == "allow"


# 13. A patch file applied by git or patch that writes a protected path.
@pytest.mark.parametrize("command", ["git apply p.diff", "git apply g.diff", "patch -p1 < p.diff",
                                     "patch -p1 -i g.diff", "git am < p.diff", "patch -p1 --input=g.diff"])
def test_patch_files_with_protected_paths(tmp_path: Path, command: str) -> None:
    (tmp_path / "p.diff").write_text("--- a/.claude/settings.local.json\n+++ b/.claude/settings.local.json\n"
                                     "@@ -0,0 +1 @@\n+{}\n")
    (tmp_path / "g.diff").write_text("diff --git a/.git/hooks/pre-commit b/.git/hooks/pre-commit\n"
                                     "new file mode 100755\n--- /dev/null\n+++ b/.git/hooks/pre-commit\n"
                                     "@@ -0,0 +1 @@\n+x\n")
    assert _bash(command, tmp_path)[:3:2] == ("deny", "guard.protected-path")


@pytest.mark.parametrize("command", ["git apply ok.diff", "patch -p1 < ok.diff", "git apply --check ok.diff"])
def test_patch_files_elsewhere(tmp_path: Path, command: str) -> None:
    (tmp_path / "ok.diff").write_text("--- a/src/x.py\n+++ b/src/x.py\n@@ -1 +1 @@\n-a\n+b\n")
    assert _bash(command, tmp_path)[0] == "allow"


# 14. Unpacking archives into protected paths, or archives whose members are protected paths.
@pytest.mark.parametrize("command", ["tar -xf evil.tar", "tar xf evil.tar", "unzip evil.zip", "unzip -o evil.zip",
                                     "bsdtar -xf evil.zip", "tar -xf x.tar --directory=.git/hooks",
                                     "unzip x.zip -d .git/hooks"])
def test_archives_with_protected_paths(tmp_path: Path, command: str) -> None:
    import tarfile
    import zipfile

    (tmp_path / "src" / ".claude").mkdir(parents=True)
    (tmp_path / "src" / ".claude" / "settings.local.json").write_text("{}")
    with tarfile.open(tmp_path / "evil.tar", "w") as archive:
        archive.add(tmp_path / "src" / ".claude", arcname=".claude")
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zipped:
        zipped.write(tmp_path / "src" / ".claude" / "settings.local.json", ".claude/settings.local.json")
    assert _bash(command, tmp_path)[:3:2] == ("deny", "guard.protected-path")


@pytest.mark.parametrize("command", ["tar -xzf ok.tgz", "tar -czf out.tgz src", "unzip -l ok.zip", "tar -tf ok.tgz"])
def test_archives_elsewhere(tmp_path: Path, command: str) -> None:
    import tarfile

    (tmp_path / "ok.txt").write_text("hi")
    with tarfile.open(tmp_path / "ok.tgz", "w:gz") as archive:
        archive.add(tmp_path / "ok.txt", arcname="ok.txt")
    assert _bash(command, tmp_path)[0] == "allow"


# 15. Shell builtins that bind a name to a file or load code, and a pager's start-up command.
@pytest.mark.parametrize("command", ["hash -p ./run ls; ls", "enable -f ./x.so echo", "less +'!./run' x"])
def test_builtins_that_run_files(script_project: Path, command: str) -> None:
    assert _bash(command, script_project)[0] == "deny"


@pytest.mark.parametrize("command", ["hash -r", "enable -n echo", "less +G x", "git log | less"])
def test_builtins_everyday(script_project: Path, command: str) -> None:
    assert _bash(command, script_project)[0] == "allow"


# 16. Package managers: script-shell, npm explore, pnpm exec --shell-mode, yarn run -T.
@pytest.mark.parametrize("command", [
    "npm run build --script-shell ./run",
    "npm_config_script_shell=./run npm run build",
    "npm explore lodash -- wrangler deploy --env production",
    "pnpm -c exec 'wrangler deploy --env production'",
    "pnpm --shell-mode exec 'wrangler deploy --env production'",
    "yarn run -T wrangler deploy --env production",
])
def test_package_manager_runners(script_project: Path, command: str) -> None:
    (script_project / "package.json").write_text('{"name": "app", "scripts": {"build": "tsc"}}')
    assert _bash(command, script_project)[0] == "deny"


def test_npmrc_script_shell(script_project: Path) -> None:
    (script_project / "package.json").write_text('{"name": "app", "scripts": {"build": "tsc"}}')
    assert _bash("npm run build", script_project)[0] == "allow"
    (script_project / ".npmrc").write_text("script-shell=./run\n")
    assert _bash("npm run build", script_project)[0] == "deny"


# 17. Codex's exec_command run in another directory (`workdir`): its config decides.
def test_codex_workdir(projects: dict[str, Path]) -> None:
    from crane.agents import codex

    mono = projects["mono"]
    call = codex.translate({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": str(mono),
                            "tool_input": {"command": "npx wrangler deploy", "workdir": "apps/api"}})
    decision, target, _ = _verdict(call["tool_name"], call["tool_input"], Path(call["cwd"]))
    assert (decision, target) == ("deny", "production")


# 18. Inline code that runs a file of the project (written by an earlier tool call).
@pytest.mark.parametrize("command", [
    "python3 -c 'import deploy_lib'",
    "python3 -c 'import os, deploy_lib'",
    "python3 -c 'from lib import ship'",
    "python3 -c 'import lib.ship'",
    "python3 -c 'import runpy; runpy.run_path(\"deploy_lib.py\")'",
    "python3 -c 'exec(open(\"deploy_lib.py\").read())'",
    "node -e 'require(\"./ship\")'",
])
def test_inline_code_runs_project_files(tmp_path: Path, command: str) -> None:
    body = 'import subprocess\nsubprocess.run(["wrangler", "deploy", "--env", "production"])\n'
    (tmp_path / "deploy_lib.py").write_text(body)
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "lib" / "ship.py").write_text(body)
    (tmp_path / "ship.js").write_text('require("child_process").execSync("wrangler deploy --env production")\n')
    assert _bash(command, tmp_path)[:2] == ("deny", "production")


@pytest.mark.parametrize("command", ["python3 -c 'import json; print(1)'", "python3 -c 'from os import path'",
                                     "node -e 'require(\"fs\")'"])
def test_inline_code_library_imports(tmp_path: Path, command: str) -> None:
    assert _bash(command, tmp_path)[0] == "allow"


# 19. bash functions imported from the environment, and mapfile's callback.
@pytest.mark.parametrize("command", [
    "env 'BASH_FUNC_f%%=() { wrangler deploy --env production; }' bash -c f",
    "env -- 'BASH_FUNC_f%%=() { wrangler deploy --env production; }' bash -c f",
    "mapfile -C 'wrangler deploy --env production #' -c 1 a < x",
    "readarray -C 'wrangler deploy --env production #' -c 1 a < x",
])
def test_environment_functions_and_callbacks(tmp_path: Path, command: str) -> None:
    assert _bash(command, tmp_path)[:2] == ("deny", "production")


@pytest.mark.parametrize("command", ["env FOO=1 ls", "env A=b=c ls", "mapfile -t lines < x"])
def test_environment_functions_everyday(tmp_path: Path, command: str) -> None:
    assert _bash(command, tmp_path)[0] == "allow"


# 20. The user's shell start-up files and global git/npm config run code for every later command
#     (Codex runs each command through a login shell; `git status` runs core.fsmonitor).
@pytest.mark.parametrize("command", [
    "printf '[core]\\n\\tfsmonitor=./run\\n' >> ~/.gitconfig",
    "printf '[core]\\n\\tpager=./run\\n' >> ~/.config/git/config",
    "echo 'wrangler deploy --env production' >> ~/.profile",
    "cp x ~/.bashrc",
    "echo 'script-shell=./run' > ~/.npmrc",
])
def test_home_startup_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert _bash(command, tmp_path)[:3:2] == ("deny", "guard.protected-path")
    assert _verdict("Write", {"file_path": str(tmp_path / ".gitconfig"), "content": ""}, tmp_path)[0] == "deny"
    assert _bash("echo x > ~/notes.txt", tmp_path)[0] == "allow"


# 21. Cloud CLIs' own logins (wrangler's OAuth token, AWS, gcloud, ...) bypass the environment split.
@pytest.mark.parametrize("command", [
    "cat ~/.wrangler/config/default.toml",
    "cat ~/.config/.wrangler/config/default.toml",
    "base64 < ~/.aws/credentials",
    "cp ~/.docker/config.json /tmp/x",
    "cat ~/.netrc",
])
def test_cloud_credential_stores(tmp_path: Path, command: str) -> None:
    assert _bash(command, tmp_path)[:3:2] == ("deny", "keyring.read")
    path = command.split()[-1] if command.startswith("cat") else None
    if path is not None:
        assert _verdict("Read", {"file_path": path}, tmp_path)[0] == "deny"


@pytest.mark.parametrize("command", ["ls .wrangler", "cat .wrangler/deploy/config.json", "rm -rf .wrangler/tmp"])
def test_project_wrangler_dir_stays_local(tmp_path: Path, command: str) -> None:
    assert _bash(command, tmp_path)[0] == "allow"


# 22. nix run: a nixpkgs program is that program; a project's or another flake's app is unseeable.
def test_nix_run(tmp_path: Path) -> None:
    assert _bash("nix run nixpkgs#wrangler -- deploy --env production", tmp_path)[:2] == ("deny", "production")
    assert _bash("nix run .#deploy", tmp_path)[0] == "deny"
    assert _bash("nix run github:x/y#wrangler -- deploy", tmp_path)[0] == "deny"
    assert _bash("nix run nixpkgs#hello", tmp_path)[0] == "allow"


# 23. Tunnels and remote dev servers: later "local" requests reach production.
@pytest.mark.parametrize("command", [
    "ssh -fNL 8443:api.example.com:443 host",
    "ssh -L 8443:api.example.com:443 -N host",
    "ssh -o LocalForward='8443 api.example.com:443' host",
])
def test_ssh_tunnel_to_production(tmp_path: Path, command: str) -> None:
    assert _bash(command, tmp_path)[:2] == ("deny", "production")


def test_wrangler_dev_remote(projects: dict[str, Path]) -> None:
    assert _bash("wrangler dev --remote --env production", projects["staged"])[:2] == ("deny", "production")
    assert _bash("wrangler dev --env production", projects["staged"])[0] == "allow"  # local simulation
    assert _bash("wrangler dev --remote --env staging", projects["staged"])[:2] == ("allow", "staging")
