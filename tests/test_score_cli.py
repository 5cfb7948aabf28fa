"""`salesfit score`: batch scoring of exported responses to any instrument file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli

runner = CliRunner()


def text(en: str) -> dict[str, str]:
    return {"ru": f"[ru] {en}", "en": en}


@pytest.fixture
def instrument(tmp_path: Path) -> Path:
    """An analyst's own 1-7 questionnaire, saved under a name unlike its id."""
    items = [
        {
            "id": f"d{i}",
            "scale": "drive",
            "text": text(f"Drive {i}"),
            "key": "reverse" if i == 4 else "positive",
        }
        for i in range(1, 5)
    ] + [
        {"id": f"e{i}", "scale": "persistence", "text": text(f"Persistence {i}")}
        for i in range(1, 4)
    ]
    data = {
        "id": "analyst_scale",
        "version": "3",
        "type": "self_report",
        "title": text("Drive"),
        "description": text("Analyst's scale"),
        "instructions": text("Answer"),
        "minutes": 2,
        "audience": ["candidate"],
        "scales": {"drive": {"kind": "trait", "name": text("Drive")}},
        "response_scale": {"min": 1, "max": 7},
        "items": items,
    }
    path = tmp_path / "my export format.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def write(tmp_path: Path, content: str, name: str = "responses.csv") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def score(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["score", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_output_has_scales_and_respondents(tmp_path: Path, instrument: Path) -> None:
    responses = write(
        tmp_path,
        "respondent,d1,d2,d3,d4,e1,e2,e3\n"
        "r1,7,7,7,1,4,4,4\n"
        "r2,1,1,1,7,1,2,\n"
        "r3,4,5,3,4,,,7\n"
        "r4,6,6,5,2,5,6,6\n",
    )
    code, out, _ = score(
        "--instrument", str(instrument), "--responses", str(responses), "--id-column", "respondent"
    )
    assert code == 0
    result = json.loads(out)
    assert set(result["scales"]) == {"drive", "persistence"}
    drive = result["scales"]["drive"]
    assert {"alpha", "n", "items", "mean", "sd", "item_total"} <= set(drive)
    assert drive["items"] == 4 and drive["n"] == 4
    assert set(drive["item_total"]) == {"d1", "d2", "d3", "d4"}
    by_id = {r["id"]: r for r in result["respondents"]}
    assert by_id["r1"]["scores"]["drive"] == 100.0  # d4 is reverse-keyed: 1 -> 7
    assert by_id["r2"]["scores"]["drive"] == 0.0
    assert by_id["r1"]["scores"]["persistence"] == 50.0
    assert by_id["r2"]["scores"]["persistence"] is None  # 2 of 3 answered, fewer than 80%
    assert "2 of 3 items answered" in by_id["r2"]["missing"]["persistence"]
    assert by_id["r3"]["scores"]["persistence"] is None
    assert all(isinstance(r["flags"], list) for r in result["respondents"])


def test_alpha_in_the_output_matches_the_engine(tmp_path: Path, instrument: Path) -> None:
    rng = np.random.default_rng(7)
    latent = rng.normal(size=200)
    rows = ["id," + ",".join([f"d{i}" for i in range(1, 5)] + [f"e{i}" for i in range(1, 4)])]
    for n, level in enumerate(latent):
        answers = np.clip(np.round(4 + 1.5 * level + rng.normal(size=7)), 1, 7).astype(int)
        answers[3] = 8 - answers[3]  # reverse-keyed item answered the other way round
        rows.append(f"p{n}," + ",".join(map(str, answers)))
    code, out, _ = score(
        "--instrument", str(instrument), "--responses", str(write(tmp_path, "\n".join(rows)))
    )
    assert code == 0
    drive = json.loads(out)["scales"]["drive"]
    assert drive["alpha"] > 0.8 and drive["n"] == 200
    assert all(r > 0.5 for r in drive["item_total"].values())  # the reverse key was applied


def test_csv_output_has_one_row_per_respondent(tmp_path: Path, instrument: Path) -> None:
    responses = write(
        tmp_path, "id;d1;d2;d3;d4;e1;e2;e3\na;7;7;7;1;7;7;7\nb;1;;;;;;\n"
    )  # Excel's ';'
    code, out, _ = score(
        "--instrument", str(instrument), "--responses", str(responses), "--format", "csv"
    )
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == [["id", "drive", "persistence"], ["a", "100", "100"], ["b", "", ""]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,d1,zz\na,1,2\n", "line 1, column 'zz': unknown item column"),
        (
            "id,d1,d2\na,1,9\n",
            "line 2 (respondent 'a'), column 'd2': '9' is outside the scale; use a whole number 1..7",
        ),
        ("id,d1,d2\na,1,x\n", "line 2 (respondent 'a'), column 'd2': 'x' is not a number"),
        ("id,d1,d2\na,1,2.5\n", "column 'd2': '2.5' is outside the scale"),
        (
            "id,d1\na,1\nb,2\na,3\n",
            "line 4 (respondent 'a'), column 'id': duplicate id (first on line 2)",
        ),
        ("", "the file is empty"),
        ("id,d1\n", "no respondents"),
    ],
)
def test_bad_input_stops_with_line_and_column(
    tmp_path: Path, instrument: Path, content: str, message: str
) -> None:
    code, out, err = score(
        "--instrument", str(instrument), "--responses", str(write(tmp_path, content))
    )
    assert code == 1
    assert message in err
    assert out == ""


def test_skip_invalid_scores_the_rest_and_lists_what_it_skipped(
    tmp_path: Path, instrument: Path
) -> None:
    responses = write(
        tmp_path, "id,d1,d2,d3,d4,zz\na,7,7,7,1,x\nb,1,99,1,7,\nc,4,4,4,4,\nc,1,1,1,1,\n"
    )
    code, out, err = score(
        "--instrument", str(instrument), "--responses", str(responses), "--skip-invalid"
    )
    assert code == 0
    result = json.loads(out)
    assert [r["id"] for r in result["respondents"]] == ["a", "c"]
    skipped = {(s["line"], s["column"]) for s in result["skipped"]}
    assert skipped == {(1, "zz"), (3, "d2"), (5, "id")}
    assert "skipped line 3 (respondent 'b'), column 'd2'" in err


def test_a_broken_instrument_file_is_refused(tmp_path: Path, instrument: Path) -> None:
    data = yaml.safe_load(instrument.read_text(encoding="utf-8"))
    data["items"][0]["scale"] = "drvie"
    instrument.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, _, err = score(
        "--instrument", str(instrument), "--responses", str(write(tmp_path, "id,d1\na,1\n"))
    )
    assert code == 1 and "items[0].scale: unknown competency or scale 'drvie'" in err


def test_the_shipped_instrument_with_timing_and_flags(tmp_path: Path) -> None:
    responses = write(
        tmp_path,
        "id,ps_1,cm_1,ps_2,att_1,cm_2,im_1,att_2,seconds\n"
        "careful,4,4,2,1,2,3,1,90\nrushed,3,3,3,3,3,3,3,6\n",
    )
    code, out, _ = score(
        "--instrument",
        "assessments/templates/example_self_report.yaml",
        "--responses",
        str(responses),
    )
    assert code == 0
    flags = {r["id"]: r["flags"] for r in json.loads(out)["respondents"]}
    assert flags["careful"] == []
    assert {"too_fast", "straight_lining", "failed_attention"} <= set(flags["rushed"])


def test_situational_and_knowledge_answers_from_a_csv(tmp_path: Path) -> None:
    sjt = yaml.safe_load(Path("assessments/sales_sjt.yaml").read_text(encoding="utf-8"))
    first = sjt["items"][0]
    ranked = sorted(first["options"], key=lambda o: o["effectiveness"])
    best, worst = ranked[-1]["id"], ranked[0]["id"]
    responses = write(
        tmp_path,
        f"id,{first['id']}\nkeyed,{best}/{worst}\nreversed,{worst}/{best}\nbad,{best}/{best}\n",
    )
    code, out, err = score(
        "--instrument",
        "assessments/sales_sjt.yaml",
        "--responses",
        str(responses),
        "--skip-invalid",
    )
    assert code == 0, err
    result = json.loads(out)
    assert (
        "the best and the worst pick must be different options" in result["skipped"][0]["message"]
    )
    item_scores = {r["id"]: r for r in result["respondents"]}
    # one answered scenario of the scale's several: below 80%, so no scale score, and the
    # reason says so
    assert item_scores["keyed"]["scores"][first["scale"]] is None
    on_scale = sum(1 for item in sjt["items"] if item["scale"] == first["scale"])
    assert on_scale >= 2
    answered = f"1 of {on_scale} items answered"
    assert answered in item_scores["keyed"]["missing"][first["scale"]]

    quiz = yaml.safe_load(
        Path("assessments/sales_method_knowledge.yaml").read_text(encoding="utf-8")
    )
    mapped = [i for i in quiz["items"] if i["scale"] == "negotiation"]
    header = ",".join(i["id"] for i in mapped)
    right = ",".join(i["correct"][0] for i in mapped)
    wrong = ",".join(
        next(o["id"] for o in i["options"] if o["id"] not in i["correct"]) for i in mapped
    )
    responses = write(tmp_path, f"id,{header}\nexpert,{right}\nnovice,{wrong}\n", name="quiz.csv")
    code, out, err = score(
        "--instrument", "assessments/sales_method_knowledge.yaml", "--responses", str(responses)
    )
    assert code == 0, err
    scores = {r["id"]: r["scores"]["negotiation"] for r in json.loads(out)["respondents"]}
    # corrected for guessing (docs/scoring.md §1): a wrong pick among four options is
    # 50 + 50 * (0 - 1/4) / (3/4) = 33.3, so that guessing averages 50
    assert scores == {"expert": 100.0, "novice": pytest.approx(100 / 3)}
