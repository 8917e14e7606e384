"""The human test's items and scores: balanced items, the truth only in the key, accuracy with
intervals per rater, class and pooled, and answers files that do not fit refused by name."""

import json

import numpy as np
import pytest

from synthaug.evaluation.human_eval import choose_items, read_answers, score, summary_sentence
from synthaug.pipeline.errors import UserInputError

REAL_LABELS = np.repeat([0, 1, 2], [10, 4, 10])  # class 1 has few real samples
SYNTHETIC_LABELS = np.repeat([0, 1, 2], 20)


def key_of(items):
    return {
        "page": "p1",
        "items": [{"id": i.id, "truth": i.truth, "class": str(i.label), "index": i.index} for i in items],
    }


def test_items_pair_real_and_synthetic_per_class_so_the_class_gives_nothing_away():
    items = choose_items(REAL_LABELS, SYNTHETIC_LABELS, 22, seed=3)
    assert len({i.id for i in items}) == 22
    real = np.bincount([i.label for i in items if i.truth == "real"], minlength=3)
    synthetic = np.bincount([i.label for i in items if i.truth == "synthetic"], minlength=3)
    assert real.tolist() == synthetic.tolist() and real.sum() == 11
    assert real[1] <= 4 and sorted(real.tolist()) == [3, 4, 4]  # class 1 has 4 real samples only
    assert all(REAL_LABELS[i.index] == i.label for i in items if i.truth == "real")
    assert len({(i.truth, i.index) for i in items}) == 22  # no sample twice
    assert items == choose_items(REAL_LABELS, SYNTHETIC_LABELS, 22, seed=3)
    assert [i.truth for i in items] != sorted(i.truth for i in items)  # shuffled, not grouped
    # a class without synthetic samples is left out rather than shown only as real
    lopsided = choose_items(np.repeat([0, 1, 2], [50, 50, 2]), np.repeat([0, 1], 30), 20, seed=0)
    assert {i.label for i in lopsided} == {0, 1}
    with pytest.raises(UserInputError, match="needs 30 real and 30 synthetic samples of the same classes"):
        choose_items(REAL_LABELS, SYNTHETIC_LABELS, 60, seed=0)
    with pytest.raises(UserInputError, match="an even number of items"):
        choose_items(REAL_LABELS, SYNTHETIC_LABELS, 5, seed=0)


def answers_for(key, correct: list[bool], rater="r"):
    flip = {"real": "synthetic", "synthetic": "real"}
    return {
        "page": key["page"],
        "rater": rater,
        "answers": [
            {"item": item["id"], "answer": item["truth"] if ok else flip[item["truth"]], "seconds": 1.5}
            for item, ok in zip(key["items"], correct, strict=True)
        ],
    }


def test_accuracy_and_wilson_interval_per_rater_class_and_pooled():
    key = key_of(choose_items(REAL_LABELS, SYNTHETIC_LABELS, 20, seed=0))
    sharp = answers_for(key, [True] * 18 + [False] * 2)
    result = score(key, [("sharp", sharp)])
    [rater] = result["raters"]
    assert rater["answered"] == 20 and rater["correct"] == 18 and rater["accuracy"] == 0.9
    assert rater["ci95"] == pytest.approx([0.699, 0.9721], abs=1e-3)  # Wilson, 18 of 20
    assert (
        result["pooled"]["ci95"] == rater["ci95"] and result["pooled"]["interval"] == "Wilson score interval"
    )
    assert sum(c["answered"] for c in result["per_class"].values()) == 20
    assert result["summary"].startswith("People could tell synthetic from real: one person labelled 90%")


def test_raters_who_agree_on_every_item_add_no_precision():
    key = key_of(choose_items(REAL_LABELS, SYNTHETIC_LABELS, 20, seed=0))
    same = answers_for(key, [True] * 14 + [False] * 6)
    alone = score(key, [("a", same)])["pooled"]["ci95"]
    three = score(key, [("a", same), ("b", same), ("c", same)])
    low, high = three["pooled"]["ci95"]
    assert high - low >= 0.8 * (alone[1] - alone[0])  # 20 items, not 60 independent answers
    everyone_right = score(key, [("a", answers_for(key, [True] * 20))] * 2)
    assert everyone_right["pooled"]["ci95"][0] < 0.9  # Wilson over 20 items, not a 100%-100% bootstrap


def test_several_raters_pool_with_an_item_bootstrap_and_chance_reads_as_cannot_tell():
    key = key_of(choose_items(REAL_LABELS, SYNTHETIC_LABELS, 40, seed=1))
    rng = np.random.default_rng(0)
    raters = [(f"r{k}", answers_for(key, list(rng.random(40) < 0.5))) for k in range(3)]
    result = score(key, raters)
    pooled = result["pooled"]
    assert (
        pooled["answered"] == 120 and pooled["raters"] == 3 and "bootstrap over items" in pooled["interval"]
    )
    low, high = pooled["ci95"]
    assert low < pooled["accuracy"] < high and low < 0.5 < high
    assert result["summary"].startswith("People could not tell synthetic from real: 3 people labelled")
    assert "more often than not" in summary_sentence(
        {"answered": 40, "accuracy": 0.2, "ci95": [0.1, 0.35], "raters": 1}
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.update(page="other"), "holds answers to page 'other', but this run's page is 'p1'"),
        (lambda a: a["answers"][1].update(item="nope"), "answer 2 is for an item the page does not have"),
        (
            lambda a: a["answers"][2].update(answer="maybe"),
            "answer 3 is 'maybe'; it must be 'real' or 'synthetic'",
        ),
        (lambda a: a["answers"].append(dict(a["answers"][0])), "repeats item"),
        (lambda a: a.pop("answers"), "has no list of answers"),
        (lambda a: a["answers"].pop(), "answers 5 of the page's 6 items"),
        (lambda a: a.update(answers=[]), "answers 0 of the page's 6 items"),
    ],
)
def test_answers_that_do_not_fit_the_page_are_refused_naming_the_file(tmp_path, change, message):
    key = key_of(choose_items(REAL_LABELS, SYNTHETIC_LABELS, 6, seed=0))
    answers = answers_for(key, [True] * 6)
    change(answers)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    with pytest.raises(UserInputError, match=message) as error:
        read_answers(path, key)
    assert str(path) in error.value.render()
    path.write_text("{not json")
    with pytest.raises(UserInputError, match="not a JSON file of answers"):
        read_answers(path, key)
    with pytest.raises(UserInputError, match="cannot be read"):
        read_answers(tmp_path, key)  # a folder
