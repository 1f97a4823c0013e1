"""Command groups of the later areas (codebook, agreement, export), kept out of cli.py."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Attach the area command groups to the main command."""
    from workbench.cli_codebook import codebook_group

    main.add_command(codebook_group)
    from workbench.cli_agreement import agreement

    main.add_command(agreement)
    from workbench.cli_export import register as register_export

    register_export(main)
