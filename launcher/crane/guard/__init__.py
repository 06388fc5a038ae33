"""crane's agent guard: classify each tool call, decide, and fail closed on any error of its own."""
