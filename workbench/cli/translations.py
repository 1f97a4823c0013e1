"""`workbench link`, `alignment` and `quotes`: linked versions, aligned passages, quotations."""

from __future__ import annotations

import json

import click

from workbench.cli.app import writing
from workbench.core.i18n import _


@click.command(
    "link",
    help=_(
        "Link two documents: versions of one statement (translation: source is the "
        "original) or a report (source) and the statement it reports on (target)."
    ),
)
@click.option("--project", "project_slug", required=True, help=_("Project slug or name."))
@click.option("--source", "source_ref", required=True, help=_("Document id or exact title."))
@click.option("--target", "target_ref", required=True, help=_("Document id or exact title."))
@click.option("--kind", type=click.Choice(["translation", "report"]), required=True)
def link_cmd(project_slug: str, source_ref: str, target_ref: str, kind: str) -> None:
    """Link two documents: versions of one statement (translation: source is the original) or a
    report (source) and the statement it reports on (target)."""
    from workbench.accounts import users as accounts
    from workbench.translations import links

    with writing() as session:
        project = accounts.project_by_slug(session, project_slug)
        source = links.find_document(session, project, source_ref)
        target = links.find_document(session, project, target_ref)
        link = links.link_documents(session, project, source, target, kind, None)
        if kind == "translation":
            shown = _("Linked '%(source)s' → '%(target)s' as translation (link %(id)s).")
        else:
            shown = _("Linked '%(source)s' → '%(target)s' as report (link %(id)s).")
        click.echo(shown % {"source": source.title, "target": target.title, "id": link.id})


@click.command(
    "alignment",
    help=_(
        "Print the aligned passages of a document and its other version (aligned on first use)."
    ),
)
@click.option("--project", "project_slug", required=True, help=_("Project slug or name."))
@click.option("--document", "document_ref", required=True, help=_("Document id or exact title."))
@click.option("--other", "other_ref", help=_("The other version, when there are several."))
@click.option("--realign", is_flag=True, help=_("Align afresh, dropping corrections."))
@click.option("--json", "as_json", is_flag=True, help=_("Print the pairs as JSON."))
def alignment_cmd(
    project_slug: str, document_ref: str, other_ref: str | None, realign: bool, as_json: bool
) -> None:
    """Print the aligned passages of a document and its other version (aligned on first use)."""
    from workbench.accounts import users as accounts
    from workbench.core.errors import NotFound
    from workbench.translations import alignments
    from workbench.translations import links

    with writing() as session:
        project = accounts.project_by_slug(session, project_slug)
        document = links.find_document(session, project, document_ref)
        candidates = [v for v in links.links_of(session, document) if v.kind == "translation"]
        if other_ref is not None:
            other = links.find_document(session, project, other_ref)
            candidates = [v for v in candidates if v.other_id == other.id]
        if not candidates:
            raise NotFound(
                _(
                    "'%(title)s' is linked to no other version (workbench link).",
                    title=document.title,
                )
            )
        if len(candidates) > 1:
            names = "; ".join(f"{v.other_id}: {v.other_title}" for v in candidates)
            raise click.ClickException(
                _("Several versions are linked; choose one with --other (%(names)s).", names=names)
            )
        link = links.get_link(session, project, candidates[0].link_id)
        if realign:
            alignments.realign(session, link, None)
        pairs = alignments.views(session, link)
        rows = [
            {
                "source": [u.text for u in p.source],
                "target": [u.text for u in p.target],
                "relation": p.relation,
            }
            for p in pairs
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for number, row in enumerate(rows, 1):
        click.echo(f"{number}. {row['relation']}")
        for text in row["source"]:
            click.echo(f"   < {text}")
        for text in row["target"]:
            click.echo(f"   > {text}")


@click.command(
    "quotes",
    help=_("Trace a report's quotations of the statements it is linked to (or of any statement)."),
)
@click.option("--project", "project_slug", required=True, help=_("Project slug or name."))
@click.option("--document", "document_ref", required=True, help=_("The report: id or exact title."))
@click.option("--everywhere", is_flag=True, help=_("Trace against every statement of the project."))
@click.option("--json", "as_json", is_flag=True, help=_("Print the quotations as JSON."))
def quotes_cmd(project_slug: str, document_ref: str, everywhere: bool, as_json: bool) -> None:
    """Trace a report's quotations of the statements it is linked to (or of any statement)."""
    from workbench.accounts import users as accounts
    from workbench.translations import links
    from workbench.translations import tracing

    with writing() as session:
        project = accounts.project_by_slug(session, project_slug)
        report = links.find_document(session, project, document_ref)
        found = tracing.trace(session, project, report, everywhere=everywhere)
        rows = [
            {
                "report_text": q.report_text,
                "statement_document": q.statement_title,
                "statement_text": q.statement_text,
                "kind": q.kind,
                "score": q.score,
            }
            for q in found
            if q.report_id == report.id
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for row in rows:
        click.echo(f"[{row['kind']} {row['score']}] {row['report_text']}")
        click.echo(f"    ← {row['statement_document']}: {row['statement_text']}")
    click.echo(_("%(n)s quotations.", n=len(rows)), err=True)
