"""The guard at run time: hook, decision, run state, audit, alerts, redaction, install."""
