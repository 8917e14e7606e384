"""The human-evaluation page as a rater uses it: opened in Debian's chromium (driven by
playwright, nothing downloaded), answered by clicking and by keyboard, the answers saved as a
download and scored by ``synthaug human-eval score``."""

import json

import pytest

from synthaug.pipeline.layout import RunLayout
from tests.browser import system_chromium
from tests.settings import set_args

TINY = ["training.steps=20", "generation.per_class=6", "evaluation.enabled=false"]
ITEMS = 12


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
def test_a_rater_answers_every_item_saves_and_the_answers_score(cli, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    browser_path = system_chromium()
    code, _, err = cli("demo", "--output-dir", tmp_path / "runs", *set_args(*TINY))
    assert code == 0, err
    [run_dir] = list((tmp_path / "runs").iterdir())
    code, out, err = cli("human-eval", run_dir, "--n", str(ITEMS))
    assert code == 0, err
    layout = RunLayout(run_dir)
    page_source = layout.human_eval.page.read_text()
    key = json.loads(layout.human_eval.key.read_text())
    # the page holds no truth, no key and no path of this machine
    assert str(tmp_path) not in page_source and layout.run_key.read_text().strip() not in page_source
    shown = json.loads(page_source.split('id="items">')[1].split("</script>")[0])
    assert [set(item) for item in shown["items"]] == [{"id", "class", "image"}] * ITEMS
    assert [item["id"] for item in shown["items"]] == [item["id"] for item in key["items"]]

    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        page = browser.new_page(accept_downloads=True)
        page.goto(layout.human_eval.page.as_uri())
        page.fill("#rater", "ada")
        page.keyboard.press("Enter")  # start
        choices = []
        for i in range(ITEMS):
            assert page.text_content("#progress") == f"Item {i + 1} of {ITEMS}"
            assert page.eval_on_selector("#sample img", "i => i.complete && i.naturalWidth > 0")
            assert page.eval_on_selector("#sample img", "i => i.getBoundingClientRect().width") >= 48
            choice = "real" if i % 3 else "synthetic"
            if i % 2:  # by clicking
                page.click(f"#{choice}")
            else:  # by keyboard: R / S, or 1 / 2
                page.keyboard.press(
                    ("r" if choice == "real" else "s") if i % 4 == 0 else ("1" if choice == "real" else "2")
                )
            choices.append(choice)
        assert page.is_visible("#save") and not page.is_visible("#question")
        with page.expect_download() as download:
            page.click("#save")
        answers_file = tmp_path / download.value.suggested_filename
        download.value.save_as(answers_file)
        browser.close()

    saved = json.loads(answers_file.read_text())
    assert saved["page"] == key["page"] and saved["rater"] == "ada"
    assert [a["answer"] for a in saved["answers"]] == choices
    assert [a["item"] for a in saved["answers"]] == [
        item["id"] for item in key["items"]
    ]  # shown in key order

    code, out, err = cli("human-eval", "score", run_dir, answers_file)
    assert code == 0, err
    scores = json.loads(layout.human_eval.scores.read_text())
    truth = [item["truth"] for item in key["items"]]
    expected = sum(c == t for c, t in zip(choices, truth, strict=True))
    assert scores["pooled"]["answered"] == ITEMS and scores["pooled"]["correct"] == expected
    assert scores["raters"][0]["rater"] == "ada" and scores["summary"] in out
    assert "Human evaluation" in (run_dir / "report" / "report.html").read_text()
