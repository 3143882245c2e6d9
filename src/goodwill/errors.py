"""Errors a user may see. Each carries one clear sentence; the CLI prints it, exit status 1."""

from __future__ import annotations


class GoodwillError(Exception):
    """Base of every error meant for the user (never shown with a traceback)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class StoreError(GoodwillError):
    """The database cannot be opened, created, migrated or reached."""


class StoreBusy(StoreError):
    """Another process holds the database's write lock (a write waited and gave up)."""

    def __init__(self) -> None:
        super().__init__("another goodwill command is writing; try again")


class NotFound(GoodwillError):
    """No record matches what the user named."""


class Ambiguous(GoodwillError):
    """A name matches several records; the message lists them."""


class InvalidInput(GoodwillError):
    """A field has a value goodwill cannot accept; `field` names it for forms."""

    def __init__(self, field: str, value: object, why: str) -> None:
        self.field = field
        self.value = value
        self.why = why
        super().__init__(f"invalid {field} {value!r}: {why}")


class ImportFailed(GoodwillError):
    """An import stopped; the database was left as it was."""
