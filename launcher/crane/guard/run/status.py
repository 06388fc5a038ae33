"""One run's guard status for the agent: the calls it denied or intercepted, and its alerts.

Answered by the session's guard supervisor (its read-only `op=status` request, sent by `crane
mcp`'s `crane_run_status`) and, where no supervisor runs, by `crane mcp` itself from the state
dir. Read-only: the audit log is scanned as it is (no index written), the alerts log read from its
end, dropped client alerts left where they are. Redacted before it is clipped (a clipped secret
would no longer be recognised), and bounded: the newest MAX_ROWS of each, MAX_TEXT characters a
field, with the totals.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crane.guard.run.redact import Redactor

MAX_ROWS = 50
MAX_TEXT = 500
DECISION_KEYS = ("time", "tool", "command", "decision", "rule", "target", "reason")


def run_status(state_dir: str, run_id: str, redactor: Redactor) -> dict[str, Any]:
    """`{"run_id", "decisions", "decisions_total", "alerts", "alerts_total"}`, JSON-ready."""
    from crane.guard.run.alerts import read_alerts
    from crane.guard.run.audit import read_audit

    decisions: deque[dict[str, Any]] = deque(maxlen=MAX_ROWS)
    decisions_total = 0
    for record in read_audit(state_dir, run_id):
        if record.get("decision") not in (None, "allow"):
            decisions_total += 1
            decisions.append({key: record.get(key) for key in DECISION_KEYS})
    alerts = [{"time": a.time.isoformat() if a.time else None, "kind": a.kind, "error": a.error, "tool": a.tool}
              for a in read_alerts(state_dir) if a.run_id == run_id]
    status = {"run_id": run_id, "decisions": list(decisions), "decisions_total": decisions_total,
              "alerts": alerts[-MAX_ROWS:], "alerts_total": len(alerts)}
    clipped: dict[str, Any] = _clip(redactor.redact_obj(status))
    return clipped


def _clip(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"
    if isinstance(value, dict):
        return {key: _clip(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clip(item) for item in value]
    return value
