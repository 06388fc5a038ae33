"""crane: the safe front door for AI coding agents.

The config module for agent code and tools: the single source of environment and URLs.

    from crane import get_api_base
    requests.get(f"{get_api_base()}/health")

Inside a session started by `crane launch`/`crane run` the answers come from the child's
`CRANE_ENV`, `CRANE_VENTURE_CODE` and `CRANE_PROFILE`; outside, from the same resolution rules as
the CLI (CRANE_ENV, CRANE_VENTURE, .crane.toml, the profile search path). Importing crane costs
only the standard library; nothing here imports the CLI's dependencies.
"""

from __future__ import annotations

import os
import sys

from crane.envname import display_name
from crane.errors import CraneError, NoVentureSelected

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would double crane's import cost
if TYPE_CHECKING:
    from crane.resolve import Resolution

__all__ = ["CraneError", "get_api_base", "get_crane_env", "get_environment_name", "get_url"]
__version__ = "0.1.0"

_warned: set[str] = set()


def _warn_once(warning: str) -> None:
    if warning not in _warned:  # once per process, not once per call
        _warned.add(warning)
        print(warning, file=sys.stderr)  # noqa: T201


def _resolution() -> Resolution:
    from crane.resolve import resolve

    res = resolve()
    for warning in res.warnings:
        _warn_once(warning)
    return res


def get_crane_env() -> str:
    """The effective environment, `prod` or `dev`.

    With a venture known (inside a crane child, or via CRANE_VENTURE / .crane.toml), this is the
    resolved environment after any fallback; with none, the normalised CRANE_ENV.
    """
    try:
        return _resolution().effective_env
    except NoVentureSelected:
        pass
    from crane.resolve import requested_environment

    warnings: list[str] = []
    env, _, _ = requested_environment(None, os.environ, warnings)
    for warning in warnings:
        _warn_once(warning)
    return env


def get_environment_name() -> str:
    """`production` or `staging`."""
    return display_name("dev" if get_crane_env() == "dev" else "prod")


def get_api_base() -> str:
    """The API base URL of the current venture in the effective environment."""
    return _resolution().api_base


def get_url(name: str) -> str:
    """A named URL from the profile's `[urls.<env>]` table; `get_url("api")` is `get_api_base()`."""
    res = _resolution()
    try:
        return res.urls[name]
    except KeyError:
        known = ", ".join(sorted(res.urls))
        raise CraneError(
            f"no URL named {name!r} for {res.venture} in {res.environment_name}",
            f"{res.profile.path} defines: {known}",
        ) from None
