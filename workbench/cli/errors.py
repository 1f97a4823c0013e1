"""The one translation of a domain error into the message a command prints."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from workbench.core.errors import DomainError


def message(exc: DomainError) -> str:
    """The error's message, then each of its details on a line of its own."""
    return "\n".join([str(exc), *[f"  - {detail}" for detail in exc.details]])


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn a domain error raised in the block into a clean message and exit status 1."""
    try:
        yield
    except DomainError as exc:
        raise click.ClickException(message(exc)) from None
