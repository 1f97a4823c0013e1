"""Suggestions on a synthetic project: a keyword code is ready, a random code is not."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import insert

from tests.db.quality_fixtures import keyword_project
from tests.db.quality_fixtures import passages_of
from workbench.cli import main
from workbench.core.errors import Conflict
from workbench.models import Assignment
from workbench.models import ReliabilityRound
from workbench.quality import suggestions


@pytest.fixture()
def coded(session, make_user, make_project, import_text):
    return keyword_project(session, make_user, make_project, import_text)


def test_keyword_code_is_ready_and_random_code_is_not(session, coded) -> None:
    project, lead, _, partnership, randomly = coded
    data = suggestions.training_data(session, project)
    assert len(data.passage_ids) == 160
    row = suggestions.train_project(session, project, lead)
    assert row.passages == 160
    by_code = {e["code"]: e for e in suggestions.evaluations(session, project)}
    good, bad = by_code["Partnership"], by_code["Random"]
    assert good["f1"] >= 0.9 and good["ready"] is True
    assert good["positives"] + good["negatives"] == 160
    assert good["dictionary"]["f1"] == 1.0
    assert bad["ready"] is False and "below the threshold" in bad["reason"]
    with pytest.raises(Conflict, match="not ready"):
        suggestions.set_enabled(session, project, lead, randomly.id, True)
    suggestions.set_enabled(session, project, lead, partnership.id, True)
    suggestions.set_enabled(session, project, lead, partnership.id, True)  # idempotent
    assert suggestions.enabled_code_ids(session, project) == {partnership.id}


def test_suggestions_are_withheld_where_they_could_leak_or_in_rounds(
    session, coded, import_text
) -> None:
    project, lead, ann, partnership, _ = coded
    # A model stored before cross-fitting (here: trained while the project was not blind) has
    # only models that saw every label: in a blind project no suggestion on a passage whose
    # codings trained it.
    project.blind = False
    suggestions.train_project(session, project, lead)
    project.blind = True
    suggestions.set_enabled(session, project, lead, partnership.id, True)
    session.commit()
    trained = [(p.id, p.text) for p in passages_of(session, project)]
    assert suggestions.suggestions_for(session, project, ann, trained) == {}
    import_text(
        project,
        [("new.txt", b"We support a public-private partnership on this.\n\nNothing else here.")],
    )
    fresh = [(p.id, p.text) for p in passages_of(session, project) if p.id not in dict(trained)]
    shown = suggestions.suggestions_for(session, project, ann, fresh)
    assert list(shown) == [fresh[0][0]]
    assert [s.code for s in shown[fresh[0][0]]] == ["Partnership"]
    rnd = ReliabilityRound(project_id=project.id, name="R1")
    session.add(rnd)
    session.flush()
    session.execute(
        insert(Assignment).values(
            project_id=project.id, passage_id=fresh[0][0], coder_id=ann.id, round_id=rnd.id
        )
    )
    assert suggestions.suggestions_for(session, project, ann, fresh) == {}
    project.blind = False
    unblind = suggestions.suggestions_for(session, project, ann, trained)
    assert unblind and all(s[0].code == "Partnership" for s in unblind.values())


def test_a_blind_projects_trained_passages_are_scored_by_models_that_never_saw_them(
    session, coded
) -> None:
    # Withheld, they told a blind coder which passages others had coded alike; scored by the
    # models of the other half, their suggestions echo no coding of their own.
    project, lead, ann, partnership, _ = coded
    row = suggestions.train_project(session, project, lead)
    suggestions.set_enabled(session, project, lead, partnership.id, True)
    session.commit()
    trained = [(p.id, p.text) for p in passages_of(session, project)]
    assert set(row.settings["trained_passages"]) == {pid for pid, _ in trained}
    models = suggestions.loaded_models(row)
    assert len(models.held_out) == 2
    shown = suggestions.suggestions_for(session, project, ann, trained)
    assert shown, "a keyword code is predicted out of fold too"
    for pid, text in trained:
        half = suggestions.half_of(pid)
        expected = models.suggest([text], ["Partnership"], half=half)[0]
        assert {s.code: s.probability for s in shown.get(pid, [])} == expected
    # The models fitted on every label would give other probabilities for the same passages.
    main = [models.suggest([text], ["Partnership"])[0] for _, text in trained]
    assert main != [{s.code: s.probability for s in shown.get(pid, [])} for pid, _ in trained]


def test_cli_evaluate_prints_scores_and_readiness(app, db_url, monkeypatch, coded) -> None:
    project = coded[0]
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    runner = CliRunner()
    result = runner.invoke(
        main, ["suggest", "evaluate", "--project", project.slug, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    rows = {r["code"]: r for r in json.loads(result.stdout)["codes"]}
    assert rows["Partnership"]["ready"] is True and rows["Partnership"]["f1"] >= 0.9
    assert rows["Random"]["ready"] is False
    assert {"precision", "recall", "f1", "positives", "negatives", "ready"} <= set(rows["Random"])
    one = runner.invoke(
        main, ["suggest", "evaluate", "--project", project.slug, "--code", "Random", "--json"]
    )
    assert [r["code"] for r in json.loads(one.stdout)["codes"]] == ["Random"]
    bad = runner.invoke(main, ["suggest", "evaluate", "--project", project.slug, "--code", "Nope"])
    assert bad.exit_code == 1 and "Nope" in bad.output


def test_the_training_job_on_the_queue_stores_what_training_in_one_session_would(
    session, coded, db_url, tmp_path
) -> None:
    from workbench.jobs import runner
    from workbench.jobs import training
    from workbench.jobs.files import FileStore
    from workbench.models import ExportJob
    from workbench.models import SuggestionModel

    project, lead, _, _, _ = coded
    job, created = training.start_training(session, project, lead, per_user=2, per_project=4)
    again, created_again = training.start_training(
        session, project, lead, per_user=2, per_project=4
    )
    assert created and not created_again and again.id == job.id  # one training at a time
    session.commit()
    assert training.training_state(session, project).running
    # What a queue worker does with the job's id: read, fit, then one short write.
    runner.run_job(job.id, db_url, FileStore("database", str(tmp_path)))
    session.rollback()
    done = session.get(ExportJob, job.id)
    assert done is not None and done.status == "done", done.error if done else None
    assert done.options["result"] == {"codes": 2, "ready": ["Partnership"]}
    state = training.training_state(session, project)
    assert state.job is not None and state.job.id == job.id and not state.running
    stored = session.query(SuggestionModel).filter_by(project_id=project.id).one()
    background = (stored.passages, stored.evaluations, stored.trained_by_id)
    suggestions.train_project(session, project, lead)
    session.flush()
    session.refresh(stored)
    assert background == (stored.passages, stored.evaluations, lead.id)
    assert stored.passages == 160


def test_a_training_job_ended_meanwhile_stores_nothing(session, coded, db_url, tmp_path) -> None:
    from workbench.jobs import export_jobs
    from workbench.jobs import runner
    from workbench.jobs import training
    from workbench.jobs.files import FileStore

    project, lead, _, _, _ = coded
    job, _ = training.start_training(session, project, lead, per_user=2, per_project=4)
    export_jobs.finish(session, job.id, "failed", error="stopped by hand")
    session.commit()
    runner.run_job(job.id, db_url, FileStore("database", str(tmp_path)))
    session.rollback()
    assert suggestions.stored_model(session, project) is None


def test_the_train_command_stores_the_model(session, coded, db_url, monkeypatch) -> None:
    project, _, _, _, _ = coded
    session.commit()
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["suggest", "train", "--project", project.slug])
    assert result.exit_code == 0, result.output
    assert "Trained on 160 labelled passages." in result.output
    session.rollback()
    assert suggestions.stored_model(session, project) is not None
