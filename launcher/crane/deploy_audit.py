"""Where does a bare `wrangler deploy` go? A read of the project's wrangler configs.

The single most effective fix in crane's source system was making a bare `wrangler deploy` hit
staging: the top level of the config is staging and production is a named environment
(`[env.production]`), so only an explicit `--env production` reaches production. This module
finds the wrangler configs of the project (the working directory and the workspace's packages)
and says, for each, which way a bare deploy goes, with the one-line fix where it goes to
production. It reads files only; the guard judges the same configs the same way
(`crane.guard.see.wrangler`).
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crane.guard.see.wrangler import CONFIG_NAMES, REDIRECT_CONFIG, read_config

MAX_PACKAGES = 200  # a workspace glob matching more directories than this is cut short
SAFE = "staging"
UNSAFE = "production"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class DeployDefault:
    config: str  # path of the wrangler config
    default: str  # SAFE, UNSAFE or UNKNOWN
    detail: str
    fix: str | None  # one line, where the default is not staging


def audit_project(cwd: str, production_envs: Sequence[str] = ("production",)) -> list[DeployDefault]:
    """One verdict per wrangler config in `cwd` and in the workspace packages it declares."""
    return [judge(path, production_envs) for path in find_configs(cwd)]


def judge(path: str, production_envs: Sequence[str]) -> DeployDefault:
    directory = os.path.dirname(path)
    if os.path.isfile(os.path.join(directory, REDIRECT_CONFIG)):
        return DeployDefault(path, UNKNOWN, "a generated config (.wrangler/deploy/config.json) redirects deploys",
                             "check the build that writes .wrangler/deploy/config.json; the guard treats it as "
                             "production")
    document = read_config(path)
    if document is None:
        return DeployDefault(path, UNKNOWN, "cannot be read or parsed (the guard assumes production)",
                             "fix the file's syntax")
    envs = document.get("env")
    defined = sorted(str(e) for e in envs) if isinstance(envs, dict) else []
    wanted = {p.lower() for p in production_envs}
    production = [e for e in defined if e.lower() in wanted]
    if production:
        return DeployDefault(path, SAFE, f"bare `wrangler deploy` goes to the top level (staging); production "
                             f"is [env.{production[0]}]", None)
    named = f" (environments: {', '.join(defined)})" if defined else ""
    table = "[env.production]" if path.endswith(".toml") else '"env": {"production": {...}}'
    return DeployDefault(path, UNSAFE, f"bare `wrangler deploy` goes to PRODUCTION: the top level is the "
                         f"production Worker{named}",
                         f"move the production settings into {table} and make the top level staging, so "
                         f"production needs `--env production`")


def find_configs(cwd: str) -> list[str]:
    """The wrangler config of `cwd` and of each workspace package, in a stable order."""
    found: list[str] = []
    for directory in [cwd, *workspace_packages(cwd)]:
        for name in CONFIG_NAMES:  # wrangler's own order: the first one it finds is used
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                found.append(os.path.normpath(path))
                break
    return list(dict.fromkeys(found))


def workspace_packages(cwd: str) -> list[str]:
    """Directories matched by package.json `workspaces` and pnpm-workspace.yaml `packages`."""
    patterns = [*_npm_workspaces(os.path.join(cwd, "package.json")),
                *_pnpm_workspaces(os.path.join(cwd, "pnpm-workspace.yaml"))]
    directories: list[str] = []
    for pattern in patterns:
        if pattern.startswith("!") or os.path.isabs(pattern) or ".." in pattern.split("/"):
            continue  # exclusions and paths outside the project
        for match in sorted(glob.glob(os.path.join(cwd, pattern))):
            if os.path.isdir(match) and len(directories) < MAX_PACKAGES:
                directories.append(match)
    return directories


def _npm_workspaces(path: str) -> Iterable[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return []
    workspaces = data.get("workspaces") if isinstance(data, dict) else None
    if isinstance(workspaces, dict):  # yarn's {"packages": [...]}
        workspaces = workspaces.get("packages")
    return [w for w in workspaces if isinstance(w, str)] if isinstance(workspaces, list) else []


def _pnpm_workspaces(path: str) -> Iterable[str]:
    """The `packages:` list of pnpm-workspace.yaml (its simple block-list form; no YAML library)."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    patterns: list[str] = []
    inside = False
    for line in lines:
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        if not line[0].isspace():
            inside = stripped == "packages:"
            continue
        item = stripped.strip()
        if inside and item.startswith("- "):
            patterns.append(item[2:].strip().strip("'\""))
    return patterns
