"""`workbench user` and `workbench project`: accounts, projects and their members."""

from __future__ import annotations

import click

from workbench.cli.app import writing
from workbench.core.i18n import _

ROLE = click.Choice(["lead", "coder"])


@click.group(help=_("Manage accounts."))
def user() -> None:
    """Manage accounts."""


@user.command("add", help=_("Create an account (and optionally give it a role in a project)."))
@click.argument("username")
@click.option("--name", "display_name", help=_("Full name shown to the team."))
@click.option("--admin", is_flag=True, help=_("Instance admin: may create projects and users."))
@click.option("--password", help=_("Password (default: a random one, printed once)."))
@click.option("--project", help=_("Also add the user to this project (slug or name)."))
@click.option("--role", type=ROLE, default="coder", show_default=True)
def user_add(
    username: str,
    display_name: str | None,
    admin: bool,
    password: str | None,
    project: str | None,
    role: str,
) -> None:
    """Create an account (and optionally give it a role in a project)."""
    from workbench.accounts import users as accounts

    secret = password or accounts.random_password()
    with writing() as session:
        account = accounts.create_user(
            session, username, secret, display_name=display_name, is_admin=admin
        )
        if project:
            accounts.add_member(session, accounts.project_by_slug(session, project), account, role)
    if password:
        click.echo(_("Created user %(name)s", name=username))
    else:
        click.echo(
            _("Created user %(name)s with password: %(password)s", name=username, password=secret)
        )


@click.group("project", help=_("Manage projects."))
def project_group() -> None:
    """Manage projects."""


@project_group.command(
    "create", help=_("Create a project; prints its slug (used by --project elsewhere).")
)
@click.argument("name")
@click.option("--lead", "lead_name", help=_("Username of the project's lead."))
@click.option("--description", default="")
def project_create(name: str, lead_name: str | None, description: str) -> None:
    """Create a project; prints its slug (used by --project elsewhere)."""
    from workbench.accounts import users as accounts

    with writing() as session:
        lead = accounts.user_by_name(session, lead_name) if lead_name else None
        project = accounts.create_project(session, name, lead=lead, description=description)
        slug = project.slug
    click.echo(_("Created project '%(name)s' with slug: %(slug)s", name=name, slug=slug))


@project_group.command(
    "add-member",
    help=_(
        "Give an existing account a role in a project (imports attribute codings to members only)."
    ),
)
@click.argument("project")
@click.argument("username")
@click.option("--role", type=ROLE, default="coder", show_default=True)
def project_add_member(project: str, username: str, role: str) -> None:
    """Give an existing account a role in a project (imports attribute codings to members only)."""
    from workbench.accounts import users as accounts

    with writing() as session:
        account = accounts.user_by_name(session, username)
        accounts.add_member(session, accounts.project_by_slug(session, project), account, role)
    if role == "lead":
        click.echo(_("%(user)s is now a lead in '%(project)s'", user=username, project=project))
    else:
        click.echo(_("%(user)s is now a coder in '%(project)s'", user=username, project=project))
