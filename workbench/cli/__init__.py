"""The `workbench` command: one module per area, each command group attached here and only here.

The database is chosen by WORKBENCH_DATABASE_URL. Every command runs in the app the factory
builds (``cli.app``), writes in one unit of work, and prints a domain error as a message
(``cli.errors``). Area services are imported inside the commands, so `workbench --help` stays fast.
"""

from __future__ import annotations

import click

from workbench import i18n
from workbench.core import i18n as messages

# Click reads the commands' help texts when their modules are imported: the catalog of the
# language the user's system asks for is chosen first, so `workbench --help` speaks it.
messages.activate(i18n.catalog(i18n.command_line_language()))

from workbench.cli import accounts  # noqa: E402
from workbench.cli import codebooks  # noqa: E402
from workbench.cli import documents  # noqa: E402
from workbench.cli import interchange  # noqa: E402
from workbench.cli import quality  # noqa: E402
from workbench.cli import reliability  # noqa: E402
from workbench.cli import server  # noqa: E402
from workbench.cli import translations  # noqa: E402
from workbench.core.i18n import _  # noqa: E402


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    help=_(
        "Workbench: team coding of UN counter-terrorism statements. The database is chosen by "
        "WORKBENCH_DATABASE_URL (default: a SQLite file in ./instance); the language of messages "
        "by WORKBENCH_LANG (en, zh_Hans; default: the system's)."
    ),
)
@click.pass_context
def main(ctx: click.Context) -> None:
    """The workbench's command line."""
    # Messages of the areas (errors, summaries) in the language the user's system asks for,
    # for this run only: a caller that runs several commands in one process gets its own back.
    token = messages.activate(i18n.catalog(i18n.command_line_language()))
    ctx.call_on_close(lambda: messages.restore(token))


for command in (
    server.db,
    server.serve,
    server.worker,
    accounts.user,
    accounts.project_group,
    documents.demo,
    documents.import_cmd,
    documents.passages_cmd,
    codebooks.codebook_group,
    reliability.agreement,
    interchange.export_cmd,
    interchange.coding_sheet_cmd,
    interchange.import_codings_cmd,
    interchange.import_project_cmd,
    translations.link_cmd,
    translations.alignment_cmd,
    translations.quotes_cmd,
    quality.drift_cmd,
    quality.suggest_group,
):
    main.add_command(command)

__all__ = ["main"]
