"""`workbench agreement` through click's CliRunner, on files and on the test database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.models import ReliabilityRound

from .conftest import Team
from .test_agreement_flow import CB
from .test_agreement_flow import PPP
from .test_agreement_flow import make_coded_round


@pytest.fixture()
def coded_round(client_factory, team: Team, session) -> tuple[Any, ReliabilityRound]:
    """A coded reliability round (see test_agreement_flow)."""
    return make_coded_round(client_factory, team, session)


KRIPPENDORFF_2011 = """A,B,C,D
1,1,,1
2,2,3,2
3,3,3,3
3,3,3,3
2,2,2,2
1,2,3,4
4,4,4,4
1,1,2,1
2,2,2,2
,5,5,5
,,1,1
,3,,
"""
KEYS = {
    "percent_agreement",
    "cohen_kappa",
    "cohen_kappa_pairwise",
    "scott_pi",
    "fleiss_kappa",
    "gwet_ac1",
    "cohen_kappa_mean",
    "light_kappa",
    "weighted_kappa_linear",
    "weighted_kappa_quadratic",
    "gwet_ac2_linear",
    "gwet_ac2_quadratic",
}


@pytest.fixture()
def run(db_url: str):
    def invoke(*args: str):
        env = {"WORKBENCH_DATABASE_URL": db_url, "WORKBENCH_SECRET_KEY": "cli-test"}
        return CliRunner().invoke(main, ["agreement", *args], env=env, catch_exceptions=False)

    return invoke


@pytest.fixture()
def k2011(tmp_path: Path) -> Path:
    path = tmp_path / "reliability.csv"
    path.write_text(KRIPPENDORFF_2011, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("level", "categories", "published"),
    [("nominal", None, 0.743), ("ordinal", "1,2,3,4,5", 0.815), ("interval", None, 0.849)],
)
def test_matrix_prints_every_coefficient_key(run, k2011, level, categories, published) -> None:
    args = ["--matrix", str(k2011), "--level", level, "--json", "--bootstrap", "200"]
    if categories:
        args += ["--categories", categories]
    result = run(*args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == KEYS | {f"krippendorff_alpha_{level}", f"krippendorff_alpha_{level}_ci95"}
    assert round(data[f"krippendorff_alpha_{level}"], 3) == published
    assert data["cohen_kappa"] is None  # four coders: Cohen's κ is for two
    assert set(data["cohen_kappa_pairwise"]) == {"A|B", "A|C", "A|D", "B|C", "B|D", "C|D"}
    low, high = data[f"krippendorff_alpha_{level}_ci95"]
    assert low <= data[f"krippendorff_alpha_{level}"] <= high


def test_bad_files_give_a_message_not_a_traceback(run, tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("A,B\n1,2\n3\n", encoding="utf-8")
    result = run("--matrix", str(ragged), "--json")
    assert result.exit_code == 1
    assert "ragged.csv: row 3: 1 cells, expected 2" in result.stderr
    assert "Traceback" not in result.output
    text = tmp_path / "text.csv"
    text.write_text("A,B\n1,high\n", encoding="utf-8")
    result = run("--matrix", str(text), "--level", "interval", "--json")
    assert result.exit_code == 1 and "row 2, coder 'B'" in result.stderr
    result = run("--matrix", str(tmp_path / "missing.csv"), "--json")
    assert result.exit_code == 1 and "no such file" in result.stderr
    long_bad = tmp_path / "long.csv"
    long_bad.write_text("passage_id,coder,code,stance\n1,a,X,9\n", encoding="utf-8")
    result = run("--long", str(long_bad), "--json")
    assert result.exit_code == 1 and "row 2" in result.stderr
    result = run("--json")
    assert result.exit_code == 2 and "exactly one of" in result.stderr


def test_single_coder_gives_nulls(run, tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text("A\n1\n2\n", encoding="utf-8")
    result = run("--matrix", str(one), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["krippendorff_alpha_nominal"] is None and data["percent_agreement"] is None


def test_long_report(run, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "passage_id,coder,code,stance\n1,a,X,1\n1,b,X,1\n2,a,,\n2,b,,\n3,a,X,2\n3,b,,\n",
        encoding="utf-8",
    )
    result = run("--long", str(path), "--json", "--bootstrap", "0")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["passages"] == 3 and set(data["per_code"]) == {"X"}
    # X: a = 1,0,1; b = 1,0,0 → n=6 with 3 ones: D_o = 2/6, D_e = 2*3*3/30 → α = 1 - (1/3)/(3/5).
    assert data["per_code"]["X"]["presence"]["alpha"] == pytest.approx(1 - (1 / 3) / (3 / 5))


def test_project_report_matches_the_web(run, coded_round, team: Team) -> None:
    lead, rnd = coded_round
    result = run("--project", team.slug, "--json", "--bootstrap", "100", "--seed", "9")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    web = json.loads(
        lead.get(f"/p/{team.slug}/agreement/report.json?bootstrap=100&seed=9").get_data()
    )
    assert data == web
    assert data["per_code"][CB]["presence"]["alpha"] == 1.0
    assert data["per_code"][PPP]["presence"]["alpha"] == 0.0
    assert data["seed"] == 9 and data["bootstrap"] == 100
    by_round = run("--project", team.slug, "--round", "Round 1", "--json", "--bootstrap", "0")
    assert json.loads(by_round.stdout)["round_id"] == rnd.id
    methods = run("--project", team.slug, "--round", str(rnd.id), "--methods", "--bootstrap", "0")
    assert methods.stdout.startswith("Intercoder reliability was assessed on 3 passages")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WORKBENCH_LANG", "zh_Hans")  # the command line's language writes it
        chinese = run(
            "--project", team.slug, "--round", str(rnd.id), "--methods", "--bootstrap", "0"
        )
    assert chinese.stdout.startswith("编码员间信度以3个段落为样本进行评估")
    text = run("--project", team.slug, "--bootstrap", "0")
    assert text.exit_code == 0 and CB[:40] in text.stdout
    assert run("--project", "nope", "--json").exit_code == 1
    assert "No single round" in run("--project", team.slug, "--round", "zzz").stderr


def test_matrix_gives_weighted_kappa_ac2_and_lights_kappa(run, tmp_path: Path) -> None:
    """Two coders, four units, ordered categories 1 < 2 < 3, computed by hand:
    A = 1, 2, 3, 1 and B = 1, 3, 3, 2.
    Cohen's κ (= Light's κ for one pair): p_o = 2/4, p_e = .5·.25 + .25·.25 + .25·.5 = .3125,
    κ = .1875 / .6875 = 3/11.
    Weighted κ, linear weights 1 - |i-j|/2: p_o = (1 + .5 + 1 + .5)/4 = .75, p_e = .5 → 1/2;
    quadratic weights 1 - (i-j)²/4: p_o = .875, p_e = .59375 → 9/13.
    AC2 (Gwet): π = (3/8, 2/8, 3/8), Σπ(1-π) = .65625; linear: T_w = 5, p_e = 5/6 · .65625,
    AC2 = (.75 - .546875) / .453125 = 13/29; quadratic: T_w = 6, p_e = .65625 → 7/11."""
    path = tmp_path / "two.csv"
    path.write_text("A,B\n1,1\n2,3\n3,3\n1,2\n", encoding="utf-8")
    result = run("--matrix", str(path), "--level", "ordinal", "--categories", "1,2,3", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["cohen_kappa"] == pytest.approx(3 / 11)
    assert data["light_kappa"] == data["cohen_kappa_mean"] == pytest.approx(3 / 11)
    assert data["weighted_kappa_linear"] == pytest.approx(1 / 2)
    assert data["weighted_kappa_quadratic"] == pytest.approx(9 / 13)
    assert data["gwet_ac2_linear"] == pytest.approx(13 / 29)
    assert data["gwet_ac2_quadratic"] == pytest.approx(7 / 11)
    # Categories without an order (text, none given) have no weighted coefficients.
    words = tmp_path / "words.csv"
    words.write_text("A,B\nyes,yes\nno,yes\nno,no\n", encoding="utf-8")
    data = json.loads(run("--matrix", str(words), "--json").stdout)
    assert data["weighted_kappa_linear"] is None and data["gwet_ac2_quadratic"] is None
    assert data["light_kappa"] == data["cohen_kappa"]
