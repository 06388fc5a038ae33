#!/bin/sh
# Install the pinned Claude Code client (kept for callers of the old name).
# Usage: scripts/install-claude-code.sh [DIR]; see install-agent-client.sh.
exec sh "$(dirname "$0")/install-agent-client.sh" claude "$@"
