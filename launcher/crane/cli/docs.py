"""`crane docs` and `crane completion`: where the documentation is, and shell completion scripts."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from crane.errors import CraneError

GUIDES = {
    "guide.md": "user guide: install, init, profiles, environments and fallback, commands",
    "configuration.md": "every profile field, .crane.toml key, variable and exit code",
    "guard.md": "what the guard decides, its rules, how it fails",
    "threat-model.md": "what the guard defends against, and what it does not",
}


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def docs_dir() -> Path | None:
    """The docs shipped in the wheel (crane/_docs), else those of the source checkout crane runs from."""
    import crane

    package = Path(crane.__file__).resolve().parent
    for candidate in (package / "_docs", package.parent.parent / "docs"):
        if (candidate / "guide.md").is_file():
            return candidate
    return None


def register(app: typer.Typer) -> None:
    @app.command()
    def docs() -> int:
        """Say where crane's documentation is (Markdown files, readable in any editor or pager).

        Example: crane docs
        """
        found = docs_dir()
        if found is None:
            raise CraneError("crane's documentation is not installed with this copy of crane",
                             "read it in the source repository's docs/ directory")
        from crane.cli.table import table

        typer.echo(f"crane's documentation (Markdown) is in {found}:")
        rows = [[f"  {found / name}", what] for name, what in GUIDES.items() if (found / name).is_file()]
        for line in table(["", ""], rows)[1:]:
            typer.echo(line)
        return 0

    @app.command()
    def completion(shell: Annotated[Shell, typer.Argument(help="bash, zsh or fish.")]) -> int:
        """Print the shell completion script (crane --install-completion installs it for the current shell).

        Example: crane completion bash > ~/.local/share/bash-completion/completions/crane
        """
        from typer._completion_shared import get_completion_script

        typer.echo(get_completion_script(prog_name="crane", complete_var="_CRANE_COMPLETE", shell=shell.value))
        return 0
