"""``synthaug human-eval`` on a table, as the README shows it: the page's row cards, scoring,
the report and a later export's dataset card; refusals exit 2 and name what to fix."""

import json
from pathlib import Path

import pandas as pd
import pytest

from synthaug.pipeline.layout import CARD_FILE, RunLayout
from tests.settings import SMALL_TABULAR_GAN, set_args

REPO = Path(__file__).resolve().parents[2]


def words(text: str) -> str:
    return " ".join(text.split())


TINY = ["training.steps=4", *SMALL_TABULAR_GAN, "generation.per_class=8", "evaluation.enabled=false"]


@pytest.mark.usefixtures("prefect_api")
def test_a_table_run_gets_row_cards_scores_in_report_and_card(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(
        "run", "--config", REPO / "examples" / "breast_cancer.yaml", "--output-dir", "runs", *set_args(*TINY)
    )
    assert code == 0, err
    [run_dir] = [p.relative_to(tmp_path) for p in (tmp_path / "runs").iterdir()]
    code, out, err = cli("human-eval", run_dir, "--n", "10")
    assert code == 0, err
    assert "human-eval score" in out and "send it only to people allowed to see the real data" in words(out)
    layout = RunLayout(run_dir)
    source = layout.human_eval.page.read_text()
    shown = json.loads(source.split('id="items">')[1].split("</script>")[0])
    key = json.loads(layout.human_eval.key.read_text())
    real = pd.read_parquet(layout.data / "train.parquet")
    decimals: dict[str, set[int]] = {}
    for item, truth in zip(shown["items"], key["items"], strict=True):
        assert set(item) == {"id", "class", "fields"} and item["class"] == truth["class"]
        assert [name for name, _ in item["fields"]] == [c for c in real.columns if c != "diagnosis"]
        for name, text in item["fields"]:
            decimals.setdefault(name, set()).add(len(text.split(".")[1]) if "." in text else 0)
    # real and synthetic values of a column are written alike: no extra digits give a sample away
    assert all(len(found) == 1 for found in decimals.values()) and decimals["mean radius"] <= {3}
    assert shown["class_label"] == "diagnosis"

    code, _, err = cli("human-eval", run_dir, "--n", "12")  # a different page would orphan answers
    assert code == 2 and "already has a human-evaluation page" in err and "--overwrite" in err

    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(
            {
                "page": key["page"],
                "rater": "",
                "answers": [{"item": i["id"], "answer": i["truth"]} for i in key["items"]],
            }
        )
    )
    code, out, err = cli("human-eval", "score", run_dir, "answers.json")
    assert code == 0, err
    assert "People could tell synthetic from real: one person labelled 100% of 10 answers" in " ".join(
        out.split()
    )
    report = (run_dir / "report" / "report.html").read_text()
    assert "Human evaluation" in report and "answers: 100%" not in report and ">answers<" in report
    code, _, err = cli("export", run_dir, "--to", "shared")
    assert code == 0, err
    assert (
        "Human evaluation, real or synthetic? People could tell"
        in (tmp_path / "shared" / CARD_FILE).read_text()
    )

    code, _, err = cli("human-eval", run_dir, "--n", "10")  # the same page again: kept, with its scores
    assert code == 0 and layout.human_eval.scores.is_file()
    code, _, err = cli("human-eval", run_dir, "--n", "12", "--overwrite")  # a new page: old scores go
    assert code == 0, err
    assert not layout.human_eval.scores.is_file() and json.loads(layout.human_eval.key.read_text())["n"] == 12

    (tmp_path / "other.json").write_text(json.dumps({"page": "elsewhere", "answers": []}))
    code, _, err = cli("human-eval", "score", run_dir, "other.json")
    assert code == 2 and "other.json: holds answers to page 'elsewhere'" in " ".join(err.split())
