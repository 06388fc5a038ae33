"""Secret names that change how programs load or run code, refused unless a profile allows them.

A secret is data for the agent's code, but a few environment variable names are instructions to
the dynamic loader, an interpreter, a shell or git: whoever can write a secret with such a name
(anyone with write access to the Infisical folder or the dotenv file, or an agent that edits a
dotenv file) would run code in every process of the session, the guard's hook included. So
they are refused, naming the key and never the value, unless the profile lists the exact name
in `[secrets] allow_loader_vars`.

The line drawn: a name is here when its value makes a program load a library or module, run a
command or read startup code WITHOUT anything else happening (starting the program, or a
routine action like git commit or paging output). Build-time and install-time settings (CC,
MAKEFLAGS, PIP_INDEX_URL, NPM_CONFIG_*) and TLS trust (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS) are
not: they change what gets built or trusted, not what a running program loads. Names are
compared case-insensitively (npm and Windows read variables that way, and a lower-case twin of
a loader name is never a legitimate secret). PATH, HOME, SHELL, XDG_* and the other names
launch.py reserves are not listed: they are never injected at all (skipped with a warning), and
no profile setting changes that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from crane.errors import SecretsError

# Exact names, by who obeys them.
LOADER_NAMES: frozenset[str] = frozenset({
    # glibc: gconv modules are shared objects loaded by iconv
    "GCONV_PATH",
    # shells: startup files, prompt and trace strings are executed or expanded with $(...)
    "BASH_ENV", "ENV", "PROMPT_COMMAND", "PS0", "PS1", "PS2", "PS4", "SHELLOPTS", "BASHOPTS", "ZDOTDIR",
    # Python
    "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONPLATLIBDIR", "PYTHONBREAKPOINT",
    "PYTHONWARNINGS", "PYTHONPYCACHEPREFIX", "PYTHONEXECUTABLE",
    # Node
    "NODE_OPTIONS", "NODE_PATH", "NODE_REPL_EXTERNAL_MODULE",
    # Ruby, Perl, Lua, Tcl
    "RUBYOPT", "RUBYLIB", "GEM_HOME", "GEM_PATH",
    "PERL5OPT", "PERL5LIB", "PERLLIB", "PERL5DB",
    "LUA_INIT", "LUA_PATH", "LUA_CPATH", "TCLLIBPATH",
    # JVM and .NET
    "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH", "DOTNET_STARTUP_HOOKS",
    # OpenSSL configuration can load engines and providers (shared objects)
    "OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES",
    # git and ssh run these commands (commit, push, fetch, log)
    "GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS", "GIT_EXEC_PATH", "GIT_EDITOR", "GIT_PAGER",
    "GIT_PROXY_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_TEMPLATE_DIR", "GIT_DIR", "SSH_ASKPASS",
    # programs other tools start on routine actions
    "EDITOR", "VISUAL", "PAGER", "MANPAGER", "LESSOPEN", "LESSCLOSE", "BROWSER",
})
# Whole families: the dynamic loaders (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, ...; macOS DYLD_*),
# git's environment config (GIT_CONFIG, GIT_CONFIG_COUNT/KEY_n/VALUE_n, GIT_CONFIG_PARAMETERS,
# GIT_CONFIG_GLOBAL/SYSTEM), exported bash functions, .NET profilers.
LOADER_PREFIXES: tuple[str, ...] = ("LD_", "DYLD_", "GIT_CONFIG", "BASH_FUNC_", "CORECLR_PROFILER", "COR_PROFILER")


def is_loader_var(name: str) -> bool:
    upper = name.upper()
    return upper in LOADER_NAMES or upper.startswith(LOADER_PREFIXES)


def refuse_loader_vars(secrets: Mapping[str, str] | Iterable[str], allowed: Iterable[str], context: str,
                       profile_path: str | None = None) -> None:
    """SecretsError naming every refused key (never a value) unless the profile allows it."""
    allow = set(allowed)
    refused = sorted(name for name in secrets if is_loader_var(name) and name not in allow)
    if not refused:
        return
    where = f" in {profile_path}" if profile_path else ""
    listed = ", ".join(f'"{name}"' for name in refused)
    raise SecretsError(
        f"refusing secret{'s' if len(refused) > 1 else ''} {', '.join(refused)}: "
        f"{'these names change' if len(refused) > 1 else 'this name changes'} how programs load code "
        f"({context})",
        f"rename the secret in its source, or, if it is meant to be there, allow it explicitly{where}: "
        f"[secrets] allow_loader_vars = [{listed}]",
    )
