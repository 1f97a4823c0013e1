"""The one error type the agreement package raises for bad input data."""

from __future__ import annotations


class AgreementInputError(ValueError):
    """Input that cannot be turned into reliability data; the message names where it went wrong."""
