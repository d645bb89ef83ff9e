"""Errors that the CLI turns into a one-line message instead of a traceback."""


class DeriveError(Exception):
    """Base class of every error `derive` reports to a user."""

    exit_code = 2


class InputError(DeriveError):
    """Bad input: the message names the field and says how to fix it."""


class FieldError(InputError):
    """A single field of a problem failed validation."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message

    def in_problem(self, problem_id: str) -> "InputError":
        """The same error, located in the problem with id `problem_id`."""
        return InputError(f"problem {problem_id!r}, field {self.field!r}: {self.detail}")


class VerificationError(DeriveError):
    """A derived step failed its numeric or exact check: a bug, never shown as an answer."""

    exit_code = 1
