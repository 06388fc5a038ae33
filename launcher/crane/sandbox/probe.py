"""Can the sandbox run here? bubblewrap present, namespaces allowed, coreutils env new enough.

One trial run of the real thing answers the last two at once (a few milliseconds); the answer's
reason names what to install or change. CRANE_BWRAP names another bubblewrap executable (tests
point it at a missing one to see the unprotected path).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

INSTALL_HINT = "install bubblewrap: sudo apt-get install bubblewrap (Fedora: dnf install bubblewrap)"


@dataclass(frozen=True)
class Availability:
    ok: bool
    bwrap: str | None
    reason: str  # why not, or which bubblewrap


def find_bwrap(environ: Mapping[str, str]) -> str | None:
    named = environ.get("CRANE_BWRAP", "").strip()
    if named:
        return named if os.path.isfile(named) and os.access(named, os.X_OK) else None
    return shutil.which("bwrap", path=environ.get("PATH", os.defpath))


def availability(environ: Mapping[str, str] | None = None) -> Availability:
    environ = os.environ if environ is None else environ
    if sys.platform == "darwin":
        return Availability(False, None, "macOS has no crane sandbox yet (planned: a Seatbelt profile)")
    if not sys.platform.startswith("linux"):
        return Availability(False, None, f"no crane sandbox on {sys.platform}")
    bwrap = find_bwrap(environ)
    if bwrap is None:
        return Availability(False, None, f"bubblewrap (bwrap) is not installed; {INSTALL_HINT}")
    env_tool = shutil.which("env", path="/usr/bin:/bin") or "/usr/bin/env"
    trial = [env_tool, "--ignore-signal=INT", bwrap, "--ro-bind", "/", "/", "--unshare-pid", "--die-with-parent",
             "--cap-drop", "ALL", "--", env_tool, "--default-signal=INT", "true"]
    try:
        done = subprocess.run(trial, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Availability(False, bwrap, f"bubblewrap could not be started ({exc.__class__.__name__})")
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[0][:200]
        return Availability(False, bwrap, f"bubblewrap cannot create a sandbox here ({first}); user namespaces "
                                          "may be disabled (sysctl kernel.unprivileged_userns_clone, "
                                          "AppArmor's apparmor_restrict_unprivileged_userns), or coreutils "
                                          "env is older than 8.31")
    return Availability(True, bwrap, bwrap)
