"""Task files other runners read: `deno task` (deno.json), `just` (justfile), `task` (Taskfile.yml),
`cargo make` (Makefile.toml). Each returns the shell lines a task runs (its dependencies first),
None when there is no such file, or [] when the task is not defined.

Deliberately small readers (no YAML library: the hook imports only the standard library);
bounded like the other file readers.

Standard library only.
"""

from __future__ import annotations

import json
import os
import re

from crane.guard.see.scripts import read_first, read_text
from crane.guard.see.wrangler import strip_jsonc

MAX_TASK_LINES = 400
MAX_TASK_DEPTH = 12


def deno_tasks(directory: str, name: str) -> list[str] | None:
    for file in ("deno.json", "deno.jsonc", "package.json"):
        text = read_text(os.path.join(directory, file))
        if text is None:
            continue
        try:
            document = json.loads(strip_jsonc(text))
        except (ValueError, RecursionError):
            return None
        key = "scripts" if file == "package.json" else "tasks"
        tasks = document.get(key) if isinstance(document, dict) else None
        if not isinstance(tasks, dict):
            continue
        lines: list[str] = []
        _deno_visit(tasks, name, lines, set(), 0)
        return lines
    return None


def _deno_visit(tasks: dict[str, object], name: str, lines: list[str], seen: set[str], depth: int) -> None:
    if name in seen or depth > MAX_TASK_DEPTH:
        return
    seen.add(name)
    task = tasks.get(name)
    if isinstance(task, dict):
        for dependency in task.get("dependencies", []) or []:
            if isinstance(dependency, str):
                _deno_visit(tasks, dependency, lines, seen, depth + 1)
        task = task.get("command")
    if isinstance(task, str):
        lines.append(task)


def just_recipes(directory: str, justfile: str | None, names: list[str]) -> list[str] | None:
    """Lines of `just` recipes; `{{var}}` and parameters stay as computed words (`$X`)."""
    text = read_first(directory, (justfile,) if justfile else ("justfile", "Justfile", ".justfile"))
    if text is None:
        return None
    recipes: dict[str, tuple[list[str], list[str]]] = {}
    order: list[str] = []
    current: str | None = None
    for line in text.splitlines():
        if line.startswith((" ", "\t")) and current is not None:
            if line.strip():
                recipes[current][1].append(line.strip())
            continue
        current = None
        header = re.match(r"^@?([A-Za-z_][A-Za-z0-9_-]*)(?:\s+[^:=]*)?\s*:(?!=)\s*(.*)$", line)
        if header and not line.startswith(("set ", "export ", "alias ", "import ", "mod ")):
            current = header.group(1)
            dependencies = list(re.findall(r"[A-Za-z_][A-Za-z0-9_-]*", header.group(2).split("&&")[0]))
            recipes[current] = (dependencies, [])
            order.append(current)
        alias = re.match(r"^alias\s+([A-Za-z_][A-Za-z0-9_-]*)\s*:=\s*([A-Za-z_][A-Za-z0-9_-]*)", line)
        if alias and alias.group(2) in recipes:
            recipes[alias.group(1)] = recipes[alias.group(2)]
    wanted = names or order[:1]
    lines: list[str] = []

    def visit(name: str, seen: set[str], depth: int) -> None:
        if name in seen or depth > MAX_TASK_DEPTH or len(lines) > MAX_TASK_LINES or name not in recipes:
            return
        seen.add(name)
        dependencies, body = recipes[name]
        for dependency in dependencies:
            visit(dependency, seen, depth + 1)
        if body and body[0].startswith("#!"):
            lines.append("\n".join(body[1:]) if _is_shell(body[0]) else f"__crane_unseen_code {body[0][2:]}")
            return
        for raw in body:
            line = re.sub(r"\{\{[^}]*\}\}", "$JUST_VALUE", raw.lstrip("@-").strip())
            if line and not line.startswith("#"):
                lines.append(line)

    for name in wanted:
        visit(name, set(), 0)
    return lines


def _is_shell(shebang: str) -> bool:
    return re.search(r"\b(?:sh|bash|zsh|dash|ksh)\b", shebang) is not None


def taskfile_tasks(directory: str, name: str) -> list[str] | None:
    """Commands of a go-task task (Taskfile.yml): its `cmds` lines and `deps`, read line by line."""
    text = read_first(directory,
                      ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "taskfile.yaml", "Taskfile.dist.yml"))
    if text is None:
        return None
    tasks: dict[str, list[str]] = {}
    deps: dict[str, list[str]] = {}
    in_tasks = False
    current: str | None = None
    indent = 0
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        level = len(line) - len(line.lstrip())
        stripped = line.strip()
        if level == 0:
            in_tasks = stripped.startswith("tasks:")
            current = None
            continue
        if not in_tasks:
            continue
        task = re.match(r"^([A-Za-z0-9_:.-]+)\s*:\s*(.*)$", stripped)
        if current is None or level <= indent:
            if task:
                current, indent = task.group(1), level
                tasks[current], deps[current] = [], []
                if task.group(2) and not task.group(2).startswith(("{", "[")):
                    tasks[current].append(task.group(2).strip("'\""))
            continue
        command = re.match(r"^-?\s*(?:cmd\s*:\s*)?(.+)$", stripped)
        key = re.match(r"^-?\s*([a-z_]+)\s*:\s*(.*)$", stripped)
        if key and key.group(1) in ("task",):
            deps[current].append(key.group(2).strip("'\""))
        elif key and key.group(1) == "deps":
            deps[current].extend(d.strip(" '\"") for d in key.group(2).strip("[]").split(",") if d.strip())
        elif key and key.group(1) != "cmd":
            continue
        elif stripped.startswith("-") and command:
            tasks[current].append(command.group(1).strip().strip("'\""))
    lines: list[str] = []

    def visit(task_name: str, seen: set[str], depth: int) -> None:
        if task_name in seen or depth > MAX_TASK_DEPTH or task_name not in tasks:
            return
        seen.add(task_name)
        for dependency in deps.get(task_name, []):
            visit(dependency, seen, depth + 1)
        lines.extend(re.sub(r"\{\{[^}]*\}\}", "$TASK_VALUE", c) for c in tasks[task_name])

    visit(name or "default", set(), 0)
    return lines


def cargo_make_tasks(directory: str, name: str) -> list[str] | None:
    """Commands of a cargo-make task (Makefile.toml): `command` + `args`, `script`, `dependencies`."""
    path = os.path.join(directory, "Makefile.toml")
    text = read_text(path)
    if text is None:
        return None
    import tomllib

    try:
        document = tomllib.loads(text)
    except (ValueError, RecursionError):
        return ["__crane_unseen_code Makefile.toml"]
    tasks = document.get("tasks") if isinstance(document, dict) else None
    if not isinstance(tasks, dict):
        return []
    lines: list[str] = []

    def visit(task_name: str, seen: set[str], depth: int) -> None:
        if task_name in seen or depth > MAX_TASK_DEPTH:
            return
        seen.add(task_name)
        task = tasks.get(task_name)
        if not isinstance(task, dict):
            return
        for dependency in task.get("dependencies", []) or []:
            if isinstance(dependency, str):
                visit(dependency, seen, depth + 1)
        command = task.get("command")
        if isinstance(command, str):
            import shlex

            args = [a for a in task.get("args", []) or [] if isinstance(a, str)]
            lines.append(shlex.join([command, *args]))
        script = task.get("script")
        if isinstance(script, str):
            lines.append(script)
        elif isinstance(script, list):
            lines.extend(s for s in script if isinstance(s, str))
        elif isinstance(script, dict):
            lines.append("__crane_unseen_code script")
        for key in ("run_task",):
            value = task.get(key)
            if isinstance(value, str):
                visit(value, seen, depth + 1)
            elif isinstance(value, dict) and isinstance(value.get("name"), str):
                visit(value["name"], seen, depth + 1)

    visit(name or "default", set(), 0)
    return lines
