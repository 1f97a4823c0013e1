"""`workbench agreement`: the agreement report of a project or round, or of a CSV file.

The same code as the web: project reports come from ``reliability.records``, file reports
from ``core.agreement``. Bad input is a one-line message naming the file and row on stderr with
exit status 1 (2 for wrong option combinations), never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

import click

from workbench import i18n
from workbench.cli.app import reading
from workbench.core.agreement import DEFAULT_SEED
from workbench.core.agreement import LEVELS
from workbench.core.agreement import AgreementInputError
from workbench.core.agreement import long_report
from workbench.core.agreement import matrix_report
from workbench.core.i18n import _


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _project_payload(
    project_slug: str, round_ref: str | None, bootstrap: int, seed: int, methods: bool
) -> dict[str, Any] | str:
    from workbench.accounts import users as accounts
    from workbench.reliability import records as agreement_data
    from workbench.reliability import reports as agreement_reports
    from workbench.reliability.round_refs import round_id_by_ref

    with reading() as session:
        project = accounts.project_by_slug(session, project_slug)
        round_id = round_id_by_ref(session, project, round_ref) if round_ref else None
        scope = agreement_data.scope_for(session, project, round_id=round_id)
        pr = agreement_reports.project_report(
            session, project, scope, bootstrap=bootstrap, seed=seed, breakdowns=not methods
        )
        if methods:
            # In the command line's language (WORKBENCH_LANG, then the locale), like its messages.
            language = i18n.command_line_language()
            paragraph, rows = agreement_reports.methods_from(pr, 3, language)
            return agreement_reports.methods_markdown(paragraph, rows, language)
        return agreement_reports.report_payload(pr, project)


def _text(result: dict[str, Any]) -> str:
    if "per_code" not in result:
        lines = []
        for key, value in result.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k}: {_num(v)}" for k, v in value.items()) or "—"
            elif isinstance(value, list):
                value = f"[{_num(value[0])}, {_num(value[1])}]"
            lines.append(f"{key}: {_num(value) if not isinstance(value, str) else value}")
        return "\n".join(lines)
    lines = [
        _(
            "%(passages)s passages (%(pairable)s pairable), %(coders)s coders; bootstrap "
            "%(bootstrap)s, seed %(seed)s",
            passages=result["passages"],
            pairable=result["pairable_passages"],
            coders=len(result["coders"]),
            bootstrap=result["bootstrap"],
            seed=result["seed"],
        ),
        "{:40} {:>7} {:>17}  {}".format(_("code"), "alpha", "95% CI", _("flag")),
    ]
    for code, rep in result["per_code"].items():
        ci = rep["presence"]["alpha_ci95"]
        shown = f"[{_num(ci[0])}, {_num(ci[1])}]" if ci else "—"
        lines.append(
            f"{code[:40]:40} {_num(rep['presence']['alpha']):>7} {shown:>17}  {rep['flag']}"
        )
    return "\n".join(lines)


@click.command(
    "agreement",
    help=_("Inter-coder agreement of a project (or round), a reliability matrix, or long codings."),
)
@click.option(
    "--project", "project_slug", help=_("Report on this project's codings (slug or name).")
)
@click.option("--round", "round_ref", help=_("With --project: only this round (id or exact name)."))
@click.option("--matrix", "matrix_path", help=_("A units × coders CSV (header row = coder names)."))
@click.option("--level", type=click.Choice(LEVELS), default="nominal", show_default=True)
@click.option(
    "--categories", help=_("With --matrix: allowed categories, comma-separated, in order.")
)
@click.option("--long", "long_path", help=_("A long CSV with passage_id,coder,code[,stance]."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON (undefined values are null)."))
@click.option("--methods", is_flag=True, help=_("With --project: the methods paragraph and table."))
@click.option("--bootstrap", type=click.IntRange(0, 10_000), default=1000, show_default=True)
@click.option("--seed", type=click.IntRange(0), default=DEFAULT_SEED, show_default=True)
def agreement(
    project_slug: str | None,
    round_ref: str | None,
    matrix_path: str | None,
    level: str,
    categories: str | None,
    long_path: str | None,
    as_json: bool,
    methods: bool,
    bootstrap: int,
    seed: int,
) -> None:
    """Inter-coder agreement of a project (or round), a reliability matrix, or long codings."""
    given = [
        name
        for name, v in (
            ("--project", project_slug),
            ("--matrix", matrix_path),
            ("--long", long_path),
        )
        if v
    ]
    if len(given) != 1:
        raise click.UsageError(_("Give exactly one of --project, --matrix or --long."))
    if round_ref and not project_slug:
        raise click.UsageError(_("--round needs --project."))
    if methods and not project_slug:
        raise click.UsageError(_("--methods needs --project."))
    if categories is not None and not matrix_path:
        raise click.UsageError(_("--categories goes with --matrix."))
    result: dict[str, Any] | str
    try:
        if matrix_path:
            cats = [c.strip() for c in categories.split(",")] if categories is not None else None
            result = matrix_report(matrix_path, level, cats, bootstrap=bootstrap, seed=seed)
        elif long_path:
            result = long_report(long_path, bootstrap=bootstrap, seed=seed)
        else:
            assert project_slug is not None
            result = _project_payload(project_slug, round_ref, bootstrap, seed, methods)
    except AgreementInputError as exc:
        raise click.ClickException(str(exc)) from None
    if isinstance(result, str):
        click.echo(result, nl=False)
    elif as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(_text(result))
