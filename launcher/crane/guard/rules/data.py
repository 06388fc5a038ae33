"""The shipped rules file as data: where it is, its parsed table (once per process), and which
programs a rule is about. Shared by the prefilter (every hook run) and the rule engine, so the
file is located, loaded and read the same way, and only once. Standard library only.
"""

from __future__ import annotations

import os
from functools import lru_cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RULES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules.toml")


@lru_cache(maxsize=1)
def shipped_document() -> dict[str, Any]:
    """rules.toml, parsed from its bytes (raises TomlError or OSError). Do not mutate.

    Not through crane's parsed-TOML cache: a forged cache entry would rewrite the guard's rules.
    """
    from crane._toml import load_toml

    return load_toml(RULES_FILE, cache=False)


def programs_of(rule: object) -> frozenset[str] | None:
    """A rule table's `program` names, lower-cased; None unless it is a name or a list of names."""
    program = rule.get("program") if isinstance(rule, dict) else None
    if isinstance(program, str):
        return frozenset((program.lower(),))
    if isinstance(program, list) and all(isinstance(p, str) for p in program):
        return frozenset(p.lower() for p in program)
    return None
