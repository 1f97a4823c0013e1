"""`workbench user` and `workbench project`: accounts, projects and their members."""

from __future__ import annotations

import click

from workbench.cli.app import writing

ROLE = click.Choice(["lead", "coder"])


@click.group()
def user() -> None:
    """Manage accounts."""


@user.command("add")
@click.argument("username")
@click.option("--name", "display_name", help="Full name shown to the team.")
@click.option("--admin", is_flag=True, help="Instance admin: may create projects and users.")
@click.option("--password", help="Password (default: a random one, printed once).")
@click.option("--project", help="Also add the user to this project (slug or name).")
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
    click.echo(f"Created user {username}" + ("" if password else f" with password: {secret}"))


@click.group("project")
def project_group() -> None:
    """Manage projects."""


@project_group.command("create")
@click.argument("name")
@click.option("--lead", "lead_name", help="Username of the project's lead.")
@click.option("--description", default="")
def project_create(name: str, lead_name: str | None, description: str) -> None:
    """Create a project; prints its slug (used by --project elsewhere)."""
    from workbench.accounts import users as accounts

    with writing() as session:
        lead = accounts.user_by_name(session, lead_name) if lead_name else None
        project = accounts.create_project(session, name, lead=lead, description=description)
        slug = project.slug
    click.echo(f"Created project '{name}' with slug: {slug}")


@project_group.command("add-member")
@click.argument("project")
@click.argument("username")
@click.option("--role", type=ROLE, default="coder", show_default=True)
def project_add_member(project: str, username: str, role: str) -> None:
    """Give an existing account a role in a project (imports attribute codings to members only)."""
    from workbench.accounts import users as accounts

    with writing() as session:
        account = accounts.user_by_name(session, username)
        accounts.add_member(session, accounts.project_by_slug(session, project), account, role)
    click.echo(f"{username} is now a {role} in '{project}'")
