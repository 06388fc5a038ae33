"""The one error root for crane, and the exit codes it maps to.

Every failure a user can meet is a `CraneError` (or a subclass) carrying a one-line message and
an optional hint that says what to do next. The CLI catches them in exactly one place and turns
them into an exit code; nothing else prints tracebacks (only `--debug` / `CRANE_DEBUG=1` does).
Messages must never contain a secret value: name the key, the file or the field instead.
"""

from __future__ import annotations


class ExitCode:
    """Exit codes with meaning. Plain ints, not an IntEnum: `enum` would add ~1 ms to `import crane`."""

    OK = 0
    FAILURE = 1  # a run-time failure: secrets, refused fallback, nested launch, failing check
    USAGE = 2  # an invalid invocation or configuration
    NOT_FOUND = 127  # the command to run does not exist (same convention as the shell)
    INTERRUPTED = 130  # 128 + SIGINT


class CraneError(Exception):
    """A failure the user can act on: message, optional hint, and the exit code it means."""

    exit_code: int = ExitCode.FAILURE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(CraneError):
    """Bad flags, bad configuration, unknown venture: the invocation itself is wrong."""

    exit_code = ExitCode.USAGE


class ProfileError(UsageError):
    """A profile file that cannot be used; the message names the file and the field."""

    def __init__(self, path: str, message: str, hint: str | None = None) -> None:
        super().__init__(f"{path}: {message}", hint)
        self.path = path


class SecretsError(CraneError):
    """Secrets could not be fetched completely; nothing is launched."""


class FallbackRefused(CraneError):
    """Staging was asked for, is not available, and falling back to production is not allowed."""


class NestedLaunchError(CraneError):
    """A crane launch from inside a crane child, without --nested."""


class CommandNotFound(CraneError):
    exit_code = ExitCode.NOT_FOUND


class NoVentureSelected(UsageError):
    """No --venture, CRANE_VENTURE or .crane.toml, and nobody at a terminal to choose."""
