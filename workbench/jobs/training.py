"""Suggestion training outside the request: ``python -m workbench.jobs.training PROJECT_ID``.

Training runs the same steps as `workbench suggest train` (``quality.suggestions``: read the
training data, fit outside any transaction, store in a short write), in a process (or, in
tests, a thread) started after the request that asked for it has committed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading

from workbench.models import Project
from workbench.models import User
from workbench.quality import suggestions
from workbench.unit_of_work import Database

MODULE = "workbench.jobs.training"


def run_training(project_id: int, actor_id: int | None, database_url: str) -> None:
    """Train the project's suggestion models and store them."""
    database = Database(database_url)
    options = suggestions.TrainingOptions()
    try:
        # Read, then fit outside any transaction, then store in a short write: coders keep
        # coding while the classifiers train.
        with database.reading() as session:
            project = session.get(Project, project_id)
            if project is None:
                return
            data = suggestions.training_data(session, project)
        models = suggestions.fit(data, options)
        with database.writing() as session:
            project = session.get(Project, project_id)
            if project is None:
                return
            actor = session.get(User, actor_id) if actor_id is not None else None
            suggestions.store_model(session, project, actor, data, models, options)
    finally:
        database.dispose()


def launch_training(
    project_id: int, actor_id: int | None, *, database_url: str, runner: str = "subprocess"
) -> None:
    """Run the training in a new process (default) or in a thread of this one (tests)."""
    if runner == "thread":
        threading.Thread(
            target=run_training, args=(project_id, actor_id, database_url), daemon=True
        ).start()
        return
    args = [sys.executable, "-m", MODULE, str(project_id)]
    if actor_id is not None:
        args += ["--actor", str(actor_id)]
    process = subprocess.Popen(
        args,
        env=dict(os.environ, WORKBENCH_DATABASE_URL=database_url),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    threading.Thread(target=process.wait, daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    """Entry point: python -m workbench.jobs.training PROJECT_ID [--actor USER_ID]."""
    parser = argparse.ArgumentParser(description="Train a project's suggestion models.")
    parser.add_argument("project_id", type=int)
    parser.add_argument("--actor", type=int, default=None)
    args = parser.parse_args(argv)
    from workbench.config import env_settings

    url = env_settings().get("DATABASE_URL")
    if not url:
        raise SystemExit("WORKBENCH_DATABASE_URL is not set")
    run_training(args.project_id, args.actor, url)


if __name__ == "__main__":
    main()
