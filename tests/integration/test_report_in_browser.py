"""The HTML report as a person sees it: rendered by headless Chromium, every image loaded, the
recommendation (the first line styled as the verdict) on screen, samples at least 48 px wide, the
dataset card rendered, and a screenshot that is not blank."""

import html
import json
import re

import numpy as np
import pytest
from PIL import Image

from synthaug.models.trainer import BANK_PER_CLASS
from synthaug.reports.pixels import LABEL_PX
from synthaug.reports.samples_section import PER_CLASS
from tests.browser import headless
from tests.settings import FAST_EVALUATION, set_args

TINY = ["training.steps=30", "training.grid_every=10", "generation.per_class=3", *FAST_EVALUATION]
CHECK = """<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  const verdict = document.querySelector(".verdict");
  const box = verdict.getBoundingClientRect();
  document.body.setAttribute("data-check", JSON.stringify({
    images: images.length,
    broken: images.filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.alt),
    verdict: verdict.textContent,
    // rendered width of every enlarged sample figure, and its id
    pixels: [...document.querySelectorAll("img.pixels")].map((i) => [i.closest("figure").id,
      i.getBoundingClientRect().width, i.naturalWidth]),
    card_headings: [...document.querySelectorAll(".document h3, .document h4")].map((h) => h.textContent),
    card_tables: document.querySelectorAll(".document table").length,
    on_screen: box.width > 0 && box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight
      && getComputedStyle(verdict).visibility === "visible",
  }));
});
</script>"""


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
def test_the_report_renders_with_every_image_and_the_verdict_visible(cli, tmp_path):
    code, _, err = cli("demo", "--output-dir", tmp_path / "runs", *set_args(*TINY))
    assert code == 0, err
    [run_dir] = list((tmp_path / "runs").iterdir())
    report = run_dir / "report" / "report.html"
    checked = tmp_path / "checked.html"  # a copy with the check script: the report itself has none
    checked.write_text(report.read_text().replace("</body>", CHECK + "</body>"))

    dom = headless(
        "--window-size=1280,900", "--virtual-time-budget=10000", "--dump-dom", checked.as_uri()
    ).stdout
    [found] = re.findall(r'data-check="([^"]*)"', dom)
    result = json.loads(html.unescape(found))
    assert result["images"] >= 5 and result["broken"] == []  # curves, 3+ grids, counts, gains
    assert result["verdict"].startswith("Recommendation: ") and result["on_screen"]  # the lead line
    figures = {name: (shown, natural) for name, shown, natural in result["pixels"]}
    grids = [name for name in figures if name.startswith("fig-grid_")]
    assert len(grids) >= 3 and {"fig-real_vs_synthetic", "fig-nearest_to_training"} <= set(figures)
    for name in grids:  # a grid row holds BANK_PER_CLASS samples, each at least 48 px on screen
        assert figures[name][0] >= figures[name][1] and figures[name][0] / BANK_PER_CLASS >= 48
    # real vs synthetic: a 150 px label column, then PER_CLASS samples of at least 48 px
    assert figures["fig-real_vs_synthetic"][0] >= LABEL_PX + PER_CLASS * 48
    # the dataset card is rendered, not shown as Markdown source
    assert "Does it help?" in result["card_headings"] and result["card_tables"] >= 2
    assert "# Synthetic data from" not in report.read_text()

    screenshot = tmp_path / "report.png"
    headless("--window-size=1280,900", f"--screenshot={screenshot}", report.as_uri())
    pixels = np.asarray(Image.open(screenshot).convert("L"))
    assert pixels.shape == (900, 1280) and pixels.std() > 10  # drawn, not a blank page
