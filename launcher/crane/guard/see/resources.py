"""Production resources by name: a write that names one targets production whatever `--env` says.

The wrangler config the guard already reads says what production is made of: for each
production environment (`guard.production_envs`; the top level when none is defined) the
worker's name (its `name`, else wrangler's `<top name>-<env>`), D1 `database_name` and
`database_id`, R2 `bucket_name`, KV namespace `id` and queue names. The profile adds its own
(`[guard] production_resources`): stacks, buckets, apps, databases of any tool.

For a wrangler write this module answers, besides what `crane.guard.see.wrangler` decided from
the environment:

- an argument that names a production resource (`--name shop`, `r2 object put shop-assets/k`,
  `kv key put --namespace-id <id>`, `d1 delete shop-db`, `queues delete jobs`);
- the environment chosen resolves to a production resource (`[env.staging]` with the
  production worker's name, or a D1/KV binding pointing at the production database/namespace);
- a Pages deploy to the production branch (`[guard] pages_production_branch`, default `main`),
  or with no `--branch` from a checkout of that branch or outside git (wrangler then deploys to
  the production branch);
- a resource name computed at run time (`--name "$N"`, `d1 delete "$DB"`; creating one is not);
- a config the guard cannot read (too large, unparsable) or a redirect to a generated config
  (`.wrangler/deploy/config.json`, which bakes in one environment and overrides `--env`): for
  writes whose environment comes from the config, production.

Standard library only; nothing is read unless a wrangler write reaches here.
"""

from __future__ import annotations

import os
import re

from crane.guard.see.wrangler import COMPUTED, find_config
from crane.profiles import parents

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

    from crane.guard.model import Target
    from crane.guard.rules.config import GuardConfig
    from crane.guard.rules.engine import ParsedArgs, Rule

# Options whose value names a resource (the worker, a database, a namespace, a bucket, a queue).
NAME_OPTIONS = ("--name", "--script-name", "--namespace-id", "--database", "--database-id", "--bucket",
                "--queue", "--preview-id")
# Rules whose worker is the environment's worker (deploy, secrets, rollback, ...).
WORKER_RULES = frozenset({
    "wrangler.deploy", "wrangler.versions.upload", "wrangler.versions.deploy", "wrangler.triggers.deploy",
    "wrangler.delete", "wrangler.rollback", "wrangler.secret.put", "wrangler.secret.delete",
    "wrangler.secret.bulk", "wrangler.write",
})
PAGES_DEPLOY = "wrangler.pages.deploy"
MAX_HEAD_BYTES = 4096


def profile_mention(texts: Iterable[str], config: GuardConfig) -> str | None:
    """Which of the profile's `production_resources` these words name, as a whole name."""
    names = [n.strip() for n in config.production_resources if n.strip()]
    if not names:
        return None
    pattern = _name_pattern(tuple(names))
    for text in texts:
        found = pattern.search(text)
        if found:
            return f"names production resource {found.group(0)}"
    return None


_patterns: dict[tuple[str, ...], re.Pattern[str]] = {}


def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    pattern = _patterns.get(names)
    if pattern is None:
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        # A whole name: `shop` is not in `shop-assets`, `myshop` or `shop_v2`; `s3://shop/k` names it.
        pattern = re.compile(rf"(?<![A-Za-z0-9_.-])(?:{alternatives})(?![A-Za-z0-9_-]|\.[A-Za-z0-9])", re.IGNORECASE)
        _patterns[names] = pattern
    return pattern


def production_identifiers(document: Mapping[str, Any], config: GuardConfig) -> dict[str, str]:
    """identifier (lower case) -> what it is, for every production resource in a wrangler config."""
    found: dict[str, str] = {}
    envs = document.get("env")
    envs = envs if isinstance(envs, dict) else {}
    production = {p.lower() for p in config.production_envs}
    tables: list[tuple[str | None, Mapping[str, Any]]] = [
        (str(name), table)
        for name, table in envs.items()
        if str(name).lower() in production and isinstance(table, dict)
    ]
    if not tables:
        tables = [(None, document)]
    for env, table in tables:
        worker = worker_name(document, env)
        if worker:
            found[worker.lower()] = f"production worker {worker}"
        for kind, identifier in bindings(table):
            found.setdefault(identifier.lower(), f"production {kind} {identifier}")
    return found


def worker_name(document: Mapping[str, Any], env: str | None) -> str | None:
    """The worker an environment deploys: its own `name`, else `<top name>-<env>` (wrangler's rule)."""
    top = document.get("name")
    top = top if isinstance(top, str) and top else None
    if env is None:
        return top
    envs = document.get("env")
    table = envs.get(env) if isinstance(envs, dict) else None
    own = table.get("name") if isinstance(table, dict) else None
    if isinstance(own, str) and own:
        return own
    return f"{top}-{env}" if top else None


def bindings(table: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, identifier) of the D1, R2, KV and queue resources one environment table binds."""
    out: list[tuple[str, str]] = []

    def entries(key: str) -> list[Mapping[str, Any]]:
        value = table.get(key)
        return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []

    for entry in entries("d1_databases"):
        for field in ("database_name", "database_id"):
            if isinstance(entry.get(field), str) and entry[field]:
                out.append(("D1 database", entry[field]))
    for entry in entries("r2_buckets"):
        if isinstance(entry.get("bucket_name"), str) and entry["bucket_name"]:
            out.append(("R2 bucket", entry["bucket_name"]))
    for entry in entries("kv_namespaces"):
        if isinstance(entry.get("id"), str) and entry["id"]:
            out.append(("KV namespace", entry["id"]))
    queues = table.get("queues")
    if isinstance(queues, dict):
        for key in ("producers", "consumers"):
            value = queues.get(key)
            for entry in value if isinstance(value, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("queue"), str) and entry["queue"]:
                    out.append(("queue", entry["queue"]))
    return out


def _binding_table(document: Mapping[str, Any], env: str | None) -> Mapping[str, Any] | None:
    if env is None:
        return document
    envs = document.get("env")
    table = envs.get(env) if isinstance(envs, dict) else None
    return table if isinstance(table, dict) else None


def named_words(rule: Rule, args: ParsedArgs) -> list[str]:
    """The words of a wrangler command that may name a resource: operands after the subcommand
    (an R2 path's bucket too) and the values of the name options."""
    words: list[str] = []
    for arg in args.positionals[len(rule.subcommand) :]:
        if arg.value is None:
            continue
        words.append(arg.value)
        if "/" in arg.value:
            words.append(arg.value.split("/", 1)[0])
    for arg in args.values(NAME_OPTIONS):
        if arg.value is not None:
            words.append(arg.value)
    return words


def wrangler_production(
    rule: Rule,
    args: ParsedArgs,
    cloudflare_env: frozenset[str | None],
    cwd: str | None,
    config: GuardConfig,
) -> tuple[Target, str] | None:
    """("production", why) when this wrangler write reaches a production resource by name; else None."""
    env_rule = rule.target == "wrangler"
    found = find_config(args, cwd)
    document: Mapping[str, Any] | None = None
    if isinstance(found, str):
        if env_rule and "generated config" in found:
            return "production", f"{found}, which overrides --env: assumed production"
    else:
        path, document = found
        if document is None and env_rule:
            why = f"{os.path.basename(path)} cannot be read (too large or unparsable): assumed production"
            return "production", why
    words = named_words(rule, args)
    computed = []
    for arg in (*args.positionals[len(rule.subcommand) :], *args.values(NAME_OPTIONS)):
        if arg.value is not None:
            continue
        head = arg.raw.lstrip("'\"").split("/", 1)[0]
        if "/" in arg.raw and head and not any(c in head for c in "$`'\"\\"):
            words.append(head)  # `"bucket/$KEY"`: the bucket is fixed
        else:
            computed.append(arg.raw)
    if computed and not any(a.value == "create" for a in args.positionals):
        return "production", f"resource name {computed[0]} computed at run time: assumed production"
    mention = profile_mention(words, config)
    if mention:
        return "production", mention
    identifiers = production_identifiers(document, config) if document is not None else {}
    for word in words:
        what = identifiers.get(word.lower())
        if what is not None:
            return "production", f"names {what}"
    if rule.name == PAGES_DEPLOY:
        return _pages(args, cwd, config)
    if document is None or not env_rule:
        return None
    return _resolved(rule, args, cloudflare_env, document, identifiers, config)


def _resolved(
    rule: Rule,
    args: ParsedArgs,
    cloudflare_env: frozenset[str | None],
    document: Mapping[str, Any],
    identifiers: Mapping[str, str],
    config: GuardConfig,
) -> tuple[Target, str] | None:
    """The environment's own resources are production ones: a staging env with the production
    worker's name, or a binding that points at the production database or namespace."""
    production = {p.lower() for p in config.production_envs}
    flags = [f.value for f in args.values(("--env", "-e"))]
    if flags:
        envs: set[str | None] = {v or None for v in flags}
    else:
        envs = {v or None for v in cloudflare_env}
    if None in envs and not flags and COMPUTED in cloudflare_env:
        return None  # computed: wrangler_target already said production
    for env in envs:
        if env is not None and (env == COMPUTED or env.lower() in production):
            continue
        if rule.name in WORKER_RULES:
            worker = worker_name(document, env)
            if worker and worker.lower() in identifiers and not args.values(("--name",)):
                return "production", f"{_env_label(env)} deploys the {identifiers[worker.lower()]}"
        table = _binding_table(document, env)
        if table is None:
            continue
        chosen = {a.value for a in args.positionals[len(rule.subcommand) : len(rule.subcommand) + 1] if a.value}
        chosen |= {a.value for a in args.values(("--binding",)) if a.value}
        for kind, identifier in _bound(table, chosen):
            what = identifiers.get(identifier.lower())
            if what is not None:
                return "production", f"{_env_label(env)} binds {kind} to the {what}"
    return None


def _bound(table: Mapping[str, Any], chosen: set[str]) -> list[tuple[str, str]]:
    """The D1 databases and KV namespaces that binding names (or database names) resolve to."""
    out: list[tuple[str, str]] = []
    for key, fields in (("d1_databases", ("database_id", "database_name")), ("kv_namespaces", ("id",))):
        value = table.get(key)
        for entry in value if isinstance(value, list) else []:
            if not isinstance(entry, dict):
                continue
            names = {entry.get("binding"), entry.get("database_name")}
            if names & chosen:
                out.extend((key.split("_")[0], entry[f]) for f in fields if isinstance(entry.get(f), str))
    return out


def _env_label(env: str | None) -> str:
    return "the top level" if env is None else f"--env {env}"


def _pages(args: ParsedArgs, cwd: str | None, config: GuardConfig) -> tuple[Target, str] | None:
    """A Pages deploy goes to production when its branch is the production branch.

    Without `--branch`, wrangler takes the git branch of the working directory, and outside git
    it deploys to the project's production branch.
    """
    wanted = config.pages_production_branch
    branches = args.values(("--branch",))
    if branches:
        branch = branches[-1].value
        if branch is None:
            return "production", "Pages branch computed at run time: assumed production"
        if branch == wanted:
            return "production", f"Pages production branch {wanted}"
        return None
    current = git_branch(cwd)
    if current is None:
        return "production", f"no --branch and no git branch known: Pages deploys to the production branch ({wanted})"
    if current == wanted:
        return "production", f"no --branch: the checkout is on the Pages production branch {wanted}"
    return None


def git_branch(cwd: str | None) -> str | None:
    """The branch checked out at `cwd` (from `.git/HEAD`, worktrees included); None if unknown."""
    if cwd is None:
        return None
    for directory in parents(cwd, 64):
        dotgit = os.path.join(directory, ".git")
        head = None
        if os.path.isdir(dotgit):
            head = os.path.join(dotgit, "HEAD")
        elif os.path.isfile(dotgit):
            text = _head_text(dotgit)
            if text is None or not text.startswith("gitdir:"):
                return None
            gitdir = text.partition(":")[2].strip()
            head = os.path.join(directory, gitdir, "HEAD")  # an absolute gitdir stays absolute
        if head is None:
            continue
        text = _head_text(head)
        if text is None or not text.startswith("ref: refs/heads/"):
            return None  # detached or unreadable
        return text[len("ref: refs/heads/") :].strip()
    return None


def _head_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(MAX_HEAD_BYTES).strip()
    except (OSError, UnicodeDecodeError):
        return None
