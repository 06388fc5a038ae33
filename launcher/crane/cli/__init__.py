"""crane's command line: typer commands, one module each, thin (parse, call core, render)."""
