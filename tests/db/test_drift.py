"""The drift monitor on a synthetic project: one coder drifts after 60 passages, one does not."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.db.quality_fixtures import drifting_project
from workbench.cli import main
from workbench.core.errors import ValidationError
from workbench.quality.drift import DriftSettings
from workbench.quality.drift import project_drift


@pytest.fixture()
def drifting(session, make_user, make_project, import_text):
    return drifting_project(session, make_user, make_project, import_text)


def test_drifter_is_flagged_from_the_window_after_passage_60(session, drifting) -> None:
    project, ids = drifting
    report = project_drift(session, project, DriftSettings(against="consensus", window=20))
    by_coder = {c.coder: c for c in report.coders}
    assert by_coder["steady"].flags == ()
    assert all(w.alpha == 1.0 for w in by_coder["steady"].windows)
    drifter = by_coder["drifter"]
    flagged = sorted({f.window for f in drifter.flags})
    assert flagged == [3, 4]
    assert drifter.windows[3].first_passage == ids[60]
    assert drifter.windows[2].last_passage == ids[59]


def test_against_coders_and_bad_settings(session, drifting) -> None:
    project, _ = drifting
    report = project_drift(session, project, DriftSettings(against="coders", window=50))
    assert {c.coder: len(c.windows) for c in report.coders} == {"drifter": 2, "steady": 2}
    assert all(c.windows[0].alpha == 1.0 and c.windows[1].alpha < 0.8 for c in report.coders)
    assert project_drift(session, project, DriftSettings(against="gold")).coders[0].windows == ()
    with pytest.raises(ValidationError, match="window"):
        project_drift(session, project, DriftSettings(window=1))


def test_cli_prints_windows_and_flags_as_json(app, db_url, monkeypatch, drifting) -> None:
    project, ids = drifting
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    args = ["drift", "--project", project.slug, "--against", "consensus", "--window", "20"]
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    drifter = next(c for c in payload["coders"] if c["coder"] == "drifter")
    window = drifter["windows"][3]
    assert {"first_passage", "last_passage", "units", "alpha", "kappa"} <= set(window)
    assert window["first_passage"] == ids[60] and window["units"] == 20 * 4
    assert [f["window"] for f in drifter["flags"]] == [3, 4]
    text = CliRunner().invoke(main, args, catch_exceptions=False)
    assert "FLAG" in text.output and text.exit_code == 0
    bad = CliRunner().invoke(main, ["drift", "--project", "nope"])
    assert bad.exit_code == 1 and "Traceback" not in bad.output
