"""Errors the engine raises for a person to read.

Every refusal carries a sentence meant for the person who uploaded the file or
asked for the page, and the HTTP status the API layer should answer with, so the
web layer never has to invent wording of its own.
"""
from __future__ import annotations


class TsvError(Exception):
    """A refusal with a human sentence and the HTTP status that fits it."""

    status: int = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class UnreadableFile(TsvError):
    """The upload cannot become a table (empty, binary, too wide...)."""

    status = 400


class TooLarge(TsvError):
    """The upload is over the configured size limit."""

    status = 413


class NotFound(TsvError):
    """No table (or no such version of it) exists."""

    status = 404


class BadParameter(TsvError):
    """A query parameter that cannot be honoured."""

    status = 422
