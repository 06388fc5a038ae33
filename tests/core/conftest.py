"""Core suite: always test the crane in this checkout, also when another copy is installed."""

from __future__ import annotations

import sys

from tests.core.helpers import LAUNCHER

if str(LAUNCHER) not in sys.path:
    sys.path.insert(0, str(LAUNCHER))
