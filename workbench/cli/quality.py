"""`workbench drift` and `workbench suggest`: coding quality over time and coding suggestions.

Both print JSON with ``--json`` (undefined statistics are null) or a readable table; domain
errors are one-line messages with exit status 1 (``cli.errors``).
"""

from __future__ import annotations

import json
from typing import Any

import click

from workbench.cli.app import reading
from workbench.cli.app import writing
from workbench.core.agreement import DEFAULT_SEED
from workbench.core.drift import AGAINST
from workbench.core.i18n import _


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}"


def _ci(pair: Any) -> str:
    return "—" if not pair else f"[{pair[0]:.2f}, {pair[1]:.2f}]"


def _drift_text(payload: dict[str, Any]) -> str:
    lines = [
        _(
            "against %(against)s, windows of %(window)s passages (step %(step)s), threshold "
            "α %(threshold)s, allowed drop κ %(drop)s",
            against=payload["against"],
            window=payload["window"],
            step=payload["step"],
            threshold=format(payload["threshold"], ".2f"),
            drop=format(payload["drop"], ".2f"),
        )
    ]
    for coder in payload["coders"]:
        cert = coder["certification"]
        lines.append("")
        if cert is not None:
            compared = _(
                "%(coder)s: %(n)s compared passages, certification κ %(kappa)s",
                coder=coder["coder"],
                n=coder["passages"],
                kappa=format(cert, ".3f"),
            )
        else:
            compared = _(
                "%(coder)s: %(n)s compared passages", coder=coder["coder"], n=coder["passages"]
            )
        lines.append(compared)
        lines.append(
            "  {:22} {:>8} {:>8} {:>6} ".format(_("window"), _("first"), _("last"), _("units"))
            + f"{'alpha':>7} {'95% CI':>15} {'kappa':>7}"
        )
        for w in coder["windows"]:
            lines.append(
                f"  {w['label'][:22]:22} {w['first_passage']:>8} {w['last_passage']:>8} "
                f"{w['units']:>6} {_num(w['alpha']):>7} {_ci(w['alpha_ci95']):>15} "
                f"{_num(w['kappa']):>7}"
            )
        for flag in coder["flags"]:
            lines.append("  " + _("FLAG %(text)s", text=flag["message"]))
    return "\n".join(lines)


@click.command(
    "drift",
    help=_("Each coder's agreement over the order they coded in, in windows, with drift flags."),
)
@click.option("--project", "project_slug", required=True, help=_("Project slug or name."))
@click.option("--against", type=click.Choice(AGAINST), default="consensus", show_default=True)
@click.option(
    "--window",
    type=click.IntRange(2, 10_000),
    default=20,
    show_default=True,
    help=_("Passages per window, in the order each coder coded them."),
)
@click.option(
    "--step",
    type=click.IntRange(1, 10_000),
    default=None,
    help=_("Passages from one window's start to the next (default: the window)."),
)
@click.option("--per-document", is_flag=True, help=_("One window per document instead."))
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=0.8,
    show_default=True,
    help=_("Flag a window whose α is below this."),
)
@click.option(
    "--drop",
    type=click.FloatRange(0, 2),
    default=0.2,
    show_default=True,
    help=_("Flag a window whose κ is this far below the coder's certification κ."),
)
@click.option("--bootstrap", type=click.IntRange(0, 10_000), default=500, show_default=True)
@click.option("--seed", type=click.IntRange(0), default=DEFAULT_SEED, show_default=True)
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON (undefined values are null)."))
def drift_cmd(
    project_slug: str,
    against: str,
    window: int,
    step: int | None,
    per_document: bool,
    threshold: float,
    drop: float,
    bootstrap: int,
    seed: int,
    as_json: bool,
) -> None:
    """Each coder's agreement over the order they coded in, in windows, with drift flags."""
    from workbench.accounts import users as accounts
    from workbench.quality.drift import DriftSettings
    from workbench.quality.drift import project_drift

    if step is not None and step > window:
        raise click.UsageError(_("--step may not be larger than --window."))
    settings = DriftSettings(
        against=against,
        window=window,
        step=step,
        per_document=per_document,
        threshold=threshold,
        drop=drop,
        replicates=bootstrap,
        seed=seed,
    )
    with reading() as session:
        project = accounts.project_by_slug(session, project_slug)
        payload = project_drift(session, project, settings).to_json()
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        click.echo(_drift_text(payload))


@click.group(
    "suggest",
    help=_("Coding suggestions: train per-code classifiers and report how good they are."),
)
def suggest_group() -> None:
    """Coding suggestions: train per-code classifiers and report how good they are."""


def _suggest_text(rows: list[dict[str, Any]]) -> str:
    lines = [
        "{:36} {:>5} {:>5} {:>6} {:>6} {:>6}  {}".format(
            _("code"), _("pos"), _("neg"), _("prec"), _("recall"), "F1", _("ready")
        )
    ]
    for r in rows:
        lines.append(
            f"{r['code'][:36]:36} {r.get('positives', 0):>5} {r.get('negatives', 0):>5} "
            f"{_num(r.get('precision')):>6} {_num(r.get('recall')):>6} {_num(r.get('f1')):>6}  "
            + (_("ready") if r["ready"] else _("not ready: %(reason)s", reason=r["reason"]))
        )
    return "\n".join(lines)


def _train_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--threshold",
                type=click.FloatRange(0, 1, min_open=True),
                default=0.8,
                show_default=True,
                help=_("Cross-validated F1 a code needs to be ready."),
            ),
            click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True),
            click.option(
                "--min-examples",
                type=click.IntRange(2, 10_000),
                default=10,
                show_default=True,
                help=_("Positive and negative training passages a code needs."),
            ),
            click.option("--seed", type=click.IntRange(0), default=0, show_default=True),
        ]
    ):
        command = option(command)
    return command


def _train(slug: str, threshold: float, folds: int, min_examples: int, seed: int) -> None:
    from workbench.accounts import users as accounts
    from workbench.quality import suggestions

    options = suggestions.TrainingOptions(threshold, folds, min_examples, seed)
    # Read, fit with no transaction open, then store: coders are never held up by training.
    with reading() as session:
        project = accounts.project_by_slug(session, slug)
        data = suggestions.training_data(session, project)
    models = suggestions.fit(data, options)
    with writing() as session:
        project = accounts.project_by_slug(session, slug)
        row = suggestions.store_model(session, project, None, data, models, options)
        click.echo(_("Trained on %(n)s labelled passages.", n=row.passages), err=True)


@suggest_group.command(
    "train", help=_("Train every code's classifier on the project's codings and evaluate it.")
)
@click.option("--project", "project_slug", required=True, help=_("Project slug or name."))
@_train_options
def suggest_train(
    project_slug: str, threshold: float, folds: int, min_examples: int, seed: int
) -> None:
    """Train every code's classifier on the project's codings and evaluate it."""
    _train(project_slug, threshold, folds, min_examples, seed)


@suggest_group.command(
    "evaluate",
    help=_(
        "Cross-validated precision, recall and F1 per code, training data and "
        "readiness.\n\nTrains first when the project has no stored model (or with "
        "--retrain)."
    ),
)
@click.option("--project", "project_slug", required=True, help=_("Project slug or name."))
@click.option("--code", help=_("Only this code (its path or its name)."))
@click.option("--retrain", is_flag=True, help=_("Train again first, even if a model is stored."))
@_train_options
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON (undefined values are null)."))
def suggest_evaluate(
    project_slug: str,
    code: str | None,
    retrain: bool,
    threshold: float,
    folds: int,
    min_examples: int,
    seed: int,
    as_json: bool,
) -> None:
    """Cross-validated precision, recall and F1 per code, training data and readiness.

    Trains first when the project has no stored model (or with --retrain)."""
    from workbench.accounts import users as accounts
    from workbench.quality import suggestions

    with reading() as session:
        project = accounts.project_by_slug(session, project_slug)
        missing = suggestions.stored_model(session, project) is None
    if missing or retrain:
        _train(project_slug, threshold, folds, min_examples, seed)
    with reading() as session:
        project = accounts.project_by_slug(session, project_slug)
        rows = suggestions.evaluations(session, project, code)
    if as_json:
        click.echo(json.dumps({"codes": rows}, ensure_ascii=False, indent=2))
    else:
        click.echo(_suggest_text(rows))


@suggest_group.command(
    "assisted", help=_("How many codings were assisted, and α per code with and without them.")
)
@click.option("--project", "project_slug", required=True, help=_("Project slug or name."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON (undefined values are null)."))
def suggest_assisted(project_slug: str, as_json: bool) -> None:
    """How many codings were assisted, and α per code with and without them."""
    from workbench.accounts import users as accounts
    from workbench.quality.assisted import assisted_agreement

    with reading() as session:
        project = accounts.project_by_slug(session, project_slug)
        result = assisted_agreement(session, project)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(
        _(
            "%(assisted)s of %(codings)s codings were assisted.",
            assisted=result["assisted"],
            codings=result["codings"],
        )
    )
    click.echo("{:40} {:>8} {:>10}".format(_("code"), _("α with"), _("α without")))
    for code, row in result["per_code"].items():
        click.echo(f"{code[:40]:40} {_num(row['alpha_with']):>8} {_num(row['alpha_without']):>10}")
