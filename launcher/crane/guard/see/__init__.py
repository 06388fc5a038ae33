"""What a tool call would do: shell parsing, wrappers and runners, script files, wrangler, targets."""
