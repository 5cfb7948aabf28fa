"""The directory's commands: `salesfit import-staff`, `import-kpis` and `fairness`."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import cli
from app.db import make_engine
from app.models import KpiValue, Person, Team
from tests.test_cli import database_url  # noqa: F401  (the fixture)

runner = CliRunner()
HEADER = "full_name,email,team,manager_email,current_role,hire_date\n"


def _org(url: str) -> None:
    for email, role in (("boss@acme.ru", "manager"), ("hr@acme.ru", "hr")):
        result = runner.invoke(
            cli, ["create-user", "--email", email, "--role", role, "--org", "acme"]
        )
        assert result.exit_code == 0, result.output


def _people(url: str) -> dict[str, str]:
    with Session(make_engine(url)) as session:
        return {p.email or "": p.full_name for p in session.exec(select(Person))}


def test_import_staff_is_a_dry_run_until_applied(database_url: str, tmp_path: Path) -> None:  # noqa: F811
    _org(database_url)
    file = tmp_path / "staff.csv"
    file.write_text(
        HEADER
        + "Анна Петрова,anna@acme.ru,Входящие продажи,boss@acme.ru,passive,2021-03-15\n"
        + "Иван Смирнов,ivan@acme.ru,Входящие продажи,,passive,\n",
        encoding="utf-8",
    )
    dry = runner.invoke(cli, ["import-staff", str(file), "--org", "acme"])
    assert dry.exit_code == 0, dry.output
    assert "New people (would be added): 2" in dry.stdout
    assert "line 2: anna@acme.ru Анна Петрова" in dry.stdout
    assert "New teams (would be created): Входящие продажи" in dry.stdout
    assert "Dry run: nothing was changed" in dry.stdout
    assert _people(database_url) == {}

    applied = runner.invoke(cli, ["import-staff", str(file), "--org", "acme", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "Imported: 2 added, 0 changed, 1 teams created" in applied.stdout
    assert _people(database_url) == {"anna@acme.ru": "Анна Петрова", "ivan@acme.ru": "Иван Смирнов"}

    # Windows-1251 with semicolons, as Russian Excel saves it: a rename is listed, not applied
    renamed = file.read_text(encoding="utf-8").replace("Анна Петрова", "Анна Сидорова")
    file.write_bytes(renamed.replace(",", ";").encode("cp1251"))
    listed = runner.invoke(cli, ["import-staff", str(file), "--org", "acme"])
    assert listed.exit_code == 0, listed.output
    assert "read as Windows-1251" in listed.stdout
    assert 'anna@acme.ru: full_name "Анна Петрова" -> "Анна Сидорова"' in listed.stdout
    assert "Unchanged: 1" in listed.stdout
    assert _people(database_url)["anna@acme.ru"] == "Анна Петрова"
    runner.invoke(cli, ["import-staff", str(file), "--org", "acme", "--apply"])
    assert _people(database_url)["anna@acme.ru"] == "Анна Сидорова"
    with Session(make_engine(database_url)) as session:
        assert len(session.exec(select(Person)).all()) == 2
        assert len(session.exec(select(Team)).all()) == 1


def test_import_staff_reports_bad_rows_and_changes_nothing_unless_told(
    database_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    _org(database_url)
    file = tmp_path / "staff.csv"
    file.write_text(
        HEADER
        + "Анна Петрова,anna@acme.ru,,boss@acme.ru,passive,2021-03-15\n"
        + "Плохой,bad@acme.ru,,nobody@acme.ru,hunter,2021-02-30\n",
        encoding="utf-8",
    )
    refused = runner.invoke(cli, ["import-staff", str(file), "--org", "acme", "--apply"])
    assert refused.exit_code == 1
    assert "Line 3, column manager_email: No user has the e-mail nobody@acme.ru" in refused.stderr
    assert "Line 3, column current_role" in refused.stderr
    assert "Line 3, column hire_date" in refused.stderr
    assert "Nothing was imported" in refused.stderr
    assert _people(database_url) == {}
    chosen = runner.invoke(
        cli, ["import-staff", str(file), "--org", "acme", "--apply", "--skip-invalid"]
    )
    assert chosen.exit_code == 1  # bad rows were found, even though the good ones went in
    assert "1 added" in chosen.stdout and "1 bad rows skipped" in chosen.stdout
    assert list(_people(database_url)) == ["anna@acme.ru"]


def test_import_staff_names_a_missing_organisation_or_file(
    database_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    missing = runner.invoke(cli, ["import-staff", str(tmp_path / "x.csv"), "--org", "acme"])
    assert missing.exit_code == 1 and "cannot read" in missing.stderr
    file = tmp_path / "staff.csv"
    file.write_text(HEADER + "A,a@acme.ru,,,,\n", encoding="utf-8")
    unknown = runner.invoke(cli, ["import-staff", str(file), "--org", "nope"])
    assert unknown.exit_code == 1 and "no organisation with the slug 'nope'" in unknown.stderr


def test_import_kpis_checks_every_row_and_imports_all_or_the_good_ones(
    database_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    _org(database_url)
    staff_file = tmp_path / "staff.csv"
    staff_file.write_text(HEADER + "Анна Петрова,anna@acme.ru,,,passive,\n", encoding="utf-8")
    runner.invoke(cli, ["import-staff", str(staff_file), "--org", "acme", "--apply"])
    file = tmp_path / "kpis.csv"
    file.write_bytes(
        codecs.BOM_UTF8
        + (
            b"email;period;kpi;value\n"
            b"anna@acme.ru;2026-01;customer_satisfaction;88,5\n"
            b"anna@acme.ru;2026-01;close_rate;120\n"
            b"ghost@acme.ru;2026-01;close_rate;12\n"
        )
    )
    refused = runner.invoke(cli, ["import-kpis", str(file), "--org", "acme"])
    assert refused.exit_code == 1
    assert "read as UTF-8 (BOM)" in refused.stdout
    assert "Line 3, column value: close_rate is a share in percent" in refused.stderr
    assert (
        "Line 4, column email: No one in the staff directory has the e-mail ghost@acme.ru"
        in refused.stderr
    )
    assert _values(database_url) == []
    dry = runner.invoke(
        cli, ["import-kpis", str(file), "--org", "acme", "--dry-run", "--skip-invalid"]
    )
    assert "Dry run" in dry.stdout and _values(database_url) == []
    chosen = runner.invoke(cli, ["import-kpis", str(file), "--org", "acme", "--skip-invalid"])
    assert chosen.exit_code == 1 and "1 added" in chosen.stdout
    assert _values(database_url) == [("customer_satisfaction", 88.5)]


def _values(url: str) -> list[tuple[str, float]]:
    with Session(make_engine(url)) as session:
        return [(v.kpi_id, v.value) for v in session.exec(select(KpiValue))]


DECISIONS = (
    "name,gender,hired,score\n"
    "a,f,1,70\nb,f,0,60\nc,f,1,80\nd,f,0,50\ne,f,1,65\n"
    "f,m,1,90\ng,m,1,85\nh,m,1,75\ni,m,0,40\nj,m,1,72\n"
    "k,x,1,77\nl,,0,30\n"
)


def test_fairness_json_is_exactly_the_agreed_shape_with_hand_computed_values(
    tmp_path: Path,
) -> None:
    file = tmp_path / "decisions.csv"
    file.write_text(DECISIONS, encoding="utf-8")
    result = runner.invoke(
        cli,
        [
            "fairness",
            "--decisions",
            str(file),
            "--group-column",
            "gender",
            "--selected-column",
            "hired",
            "--score-column",
            "score",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "groups": [
            # f: 3 of 5 = 0.6; m: 4 of 5 = 0.8; 0.6 / 0.8 = 0.75 < 0.8
            {
                "group": "f",
                "n": 5,
                "selected": 3,
                "selection_rate": 0.6,
                "impact_ratio": 0.75,
                "flag": True,
            },
            {
                "group": "m",
                "n": 5,
                "selected": 4,
                "selection_rate": 0.8,
                "impact_ratio": 1.0,
                "flag": False,
            },
            {
                "group": "x",
                "n": 1,
                "selected": None,
                "selection_rate": None,
                "impact_ratio": None,
                "flag": None,
            },
        ],
        # median of all 12 scores (30..90) is 71: f above it: 80 (1 of 5); m: 90, 85, 75, 72
        "scoring_rate": [
            {"group": "f", "n": 5, "above_median": 1, "scoring_rate": 0.2, "impact_ratio": 0.25},
            {"group": "m", "n": 5, "above_median": 4, "scoring_rate": 0.8, "impact_ratio": 1.0},
            {
                "group": "x",
                "n": 1,
                "above_median": None,
                "scoring_rate": None,
                "impact_ratio": None,
            },
        ],
    }
    only_selected = runner.invoke(
        cli,
        [
            "fairness",
            "--decisions",
            str(file),
            "--group-column",
            "GENDER",
            "--selected-column",
            "hired",
            "--json",
        ],
    )
    assert set(json.loads(only_selected.stdout)) == {"groups"}
    text = runner.invoke(
        cli,
        [
            "fairness",
            "--decisions",
            str(file),
            "--group-column",
            "gender",
            "--selected-column",
            "hired",
        ],
    )
    assert "FLAG" in text.stdout and "fewer than 5 people: not shown" in text.stdout
    assert "1 without a group" in text.stdout


def test_fairness_refuses_bad_rows_unless_told_and_names_them(tmp_path: Path) -> None:
    file = tmp_path / "decisions.csv"
    file.write_text(DECISIONS + "m1,m,maybe,50\nm2,m,1,lots\n", encoding="utf-8")
    args = [
        "fairness",
        "--decisions",
        str(file),
        "--group-column",
        "gender",
        "--selected-column",
        "hired",
        "--score-column",
        "score",
        "--json",
    ]
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 1 and refused.stdout == ""
    assert "Line 14, column hired: 'maybe' is not a yes or no" in refused.stderr
    assert "Line 15, column score: 'lots' is not a number" in refused.stderr
    skipped = runner.invoke(cli, [*args, "--skip-invalid"])
    assert skipped.exit_code == 1
    assert json.loads(skipped.stdout)["groups"][1]["n"] == 5  # the bad rows left out
    neither = runner.invoke(cli, ["fairness", "--decisions", str(file), "--group-column", "gender"])
    assert neither.exit_code == 1 and "--selected-column or --score-column" in neither.stderr
    missing = runner.invoke(
        cli,
        ["fairness", "--decisions", str(file), "--group-column", "sex", "--score-column", "score"],
    )
    assert missing.exit_code == 1 and "lacks the column sex" in missing.stderr


def test_fairness_without_a_selection_counts_scores_above_the_median(tmp_path: Path) -> None:
    file = tmp_path / "decisions.csv"
    file.write_text(DECISIONS, encoding="utf-8")
    result = runner.invoke(
        cli,
        [
            "fairness",
            "--decisions",
            str(file),
            "--group-column",
            "gender",
            "--score-column",
            "score",
            "--json",
        ],
    )
    out = json.loads(result.stdout)
    assert [(g["group"], g["selected"]) for g in out["groups"]] == [("f", 1), ("m", 4), ("x", None)]
    assert [(s["group"], s["above_median"]) for s in out["scoring_rate"]] == [
        ("f", 1),
        ("m", 4),
        ("x", None),
    ]
