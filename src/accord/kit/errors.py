"""Errors that the CLI maps to exit codes (contracts.md: 1 = a reported problem, 2 = unusable input)."""

from __future__ import annotations

from dataclasses import dataclass


class AccordError(Exception):
    """Base class. ``exit_code`` tells the CLI what to return."""

    exit_code = 1


class InputError(AccordError):
    """Unusable arguments or input (bad JSON, unknown column, unknown policy): exit 2."""

    exit_code = 2


class ProblemError(AccordError):
    """The command ran but found a problem it reports: exit 1."""

    exit_code = 1


@dataclass(frozen=True)
class RowError:
    file: str
    row: int | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.reason}"


class ValidationFailed(ProblemError):
    """Bad rows: every one is listed, nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} bad row(s); nothing was written")
