"""Typed refusals raised by the domain rules and the services.

Every refusal carries a Vietnamese message for the clerk and, where one field is at fault, the name of that
field so the GUI can show the message beside it and the CLI can name it on stderr.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal: the input or the requested transition is not allowed. Nothing has been written."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationError(DomainError):
    """A value typed by a person is malformed (an ID number, a phone, a date, ...)."""


class TransitionError(DomainError):
    """The dossier's lifecycle does not allow this action in its current status."""


class NotFoundError(DomainError):
    """An unknown dossier code, procedure code or user."""
