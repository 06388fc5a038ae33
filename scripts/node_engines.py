"""Say when the installed Node is older than a pinned test client declares it needs.

    python3 scripts/node_engines.py [CACHE_ROOT] [--node-version vX.Y.Z]

CACHE_ROOT defaults to ${CRANE_TEST_CACHE:-~/.cache/crane-test}. Every client installed there
(`<root>/<name>-<version>/package.json`, as scripts/install-*.sh make them) is read generically:
each package it depends on is looked up in its node_modules and that package's `engines.node`
range is checked against `node --version`. One line per client whose range Node does not meet,
on stdout; nothing when all fit (or when Node or the cache is missing: other checks report that).
Exit code 0 either way: this is information for the person running the tests, not a gate.

Standard library only; the semver subset is what package.json files use for `engines`:
`||` alternatives, space-separated comparators (>=, >, <=, <, =), `^`, `~`, `x`/`*` wildcards
and `a - b` ranges. An unreadable range is reported as such rather than guessed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

Version = tuple[int, int, int]
_PART = re.compile(r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+].*)?$")
_COMPARATOR = re.compile(r"^(>=|<=|>|<|=|\^|~)?\s*(\S+)$")


def parse_version(text: str) -> Version | None:
    match = _PART.match(text.strip())
    if not match or not all(p is not None and p.isdigit() for p in match.groups()):
        return None
    major, minor, patch = (int(p) for p in match.groups())
    return major, minor, patch


def _partial(text: str) -> tuple[list[int], int] | None:
    """The numbers given before any wildcard, and how many there are (`20.x` -> [20], 1)."""
    match = _PART.match(text.strip())
    if not match:
        return None
    numbers: list[int] = []
    for part in match.groups():
        if part is None or not part.isdigit():
            break
        numbers.append(int(part))
    return numbers, len(numbers)


def _bump(numbers: list[int], index: int) -> Version:
    """The smallest version above every version that starts with numbers[:index + 1]."""
    return _floor([*numbers[:index], numbers[index] + 1])


def _floor(numbers: list[int]) -> Version:
    padded = numbers + [0, 0, 0]
    return padded[0], padded[1], padded[2]


def _comparator(op: str, operand: str) -> list[tuple[str, Version]] | None:
    """A comparator as plain bounds ('>=', v) / ('<', v) / ('>', v) / ('<=', v)."""
    parsed = _partial(operand)
    if parsed is None:
        return None
    numbers, given = parsed
    if given == 0:
        return []  # `*`, `x`: anything
    low = _floor(numbers)
    if op == "^":
        first_nonzero = next((i for i, n in enumerate(numbers) if n != 0), given - 1)
        return [(">=", low), ("<", _bump(numbers, min(first_nonzero, given - 1)))]
    if op == "~":
        return [(">=", low), ("<", _bump(numbers, min(1, given - 1) if given > 1 else 0))]
    if op in ("", "="):  # an exact version, or every version that starts with the numbers given
        return [(">=", low), ("<=", low)] if given == 3 else [(">=", low), ("<", _bump(numbers, given - 1))]
    if op == ">=":
        return [(">=", low)]
    if op == "<":
        return [("<", low)]
    if op == ">":
        return [(">", low)] if given == 3 else [(">=", _bump(numbers, given - 1))]
    if op == "<=":
        return [("<=", low)] if given == 3 else [("<", _bump(numbers, given - 1))]
    return None


def _holds(version: Version, bound: tuple[str, Version]) -> bool:
    op, limit = bound
    return {">=": version >= limit, ">": version > limit, "<=": version <= limit, "<": version < limit}[op]


def satisfies(version: Version, spec: str) -> bool | None:
    """Whether `version` is in the range `spec`; None when the range cannot be read."""
    for alternative in spec.split("||"):
        alternative = alternative.strip()
        bounds: list[tuple[str, Version]] = []
        hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", alternative)
        if hyphen:
            low, high = _comparator(">=", hyphen.group(1)), _comparator("<=", hyphen.group(2))
            if low is None or high is None:
                return None
            bounds = low + high
        else:
            # ">= 20" is written with a space sometimes: glue operators to their operand.
            for token in re.sub(r"(>=|<=|>|<|=|\^|~)\s+", r"\1", alternative).split():
                match = _COMPARATOR.match(token)
                part = _comparator(match.group(1) or "", match.group(2)) if match else None
                if part is None:
                    return None
                bounds += part
        if all(_holds(version, bound) for bound in bounds):
            return True
    return False


def installed_node() -> Version | None:
    try:
        out = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_version(out.stdout) if out.returncode == 0 else None


def complaints(root: Path, node: Version) -> list[str]:
    lines = []
    for manifest in sorted(root.glob("*/package.json")):
        try:
            wanted = json.loads(manifest.read_text()).get("dependencies") or {}
        except (OSError, ValueError):
            continue
        for name in sorted(wanted):
            try:
                package = json.loads((manifest.parent / "node_modules" / name / "package.json").read_text())
            except (OSError, ValueError):
                continue
            engines = package.get("engines")
            spec = engines.get("node") if isinstance(engines, dict) else None
            if not isinstance(spec, str):
                continue
            ok = satisfies(node, spec)
            where = f"{name} {package.get('version', '?')} ({manifest.parent})"
            shown = "v" + ".".join(map(str, node))
            if ok is None:
                lines.append(f"node check: cannot read engines.node {spec!r} of {where}; Node here is {shown}")
            elif not ok:
                lines.append(f"NODE TOO OLD: Node {shown} does not meet engines.node {spec!r} of {where}; "
                             f"its end-to-end tests may fail. Install a Node that matches {spec!r}.")
    return lines


def main(argv: list[str]) -> int:
    args = list(argv)
    node: Version | None = None
    if "--node-version" in args:
        at = args.index("--node-version")
        node = parse_version(args[at + 1]) if at + 1 < len(args) else None
        del args[at:at + 2]
    else:
        node = installed_node()
    default = Path(os.environ.get("CRANE_TEST_CACHE") or Path.home() / ".cache" / "crane-test")
    root = Path(args[0]) if args else default
    if node is None or not root.is_dir():
        return 0
    for line in complaints(root, node):
        sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
