"""The HTML report as a person sees it: rendered by headless Chromium, every image loaded, the
recommendation (the first line styled as the verdict) on screen, and a screenshot that is not blank."""

import html
import json
import re

import numpy as np
import pytest
from PIL import Image

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

    screenshot = tmp_path / "report.png"
    headless("--window-size=1280,900", f"--screenshot={screenshot}", report.as_uri())
    pixels = np.asarray(Image.open(screenshot).convert("L"))
    assert pixels.shape == (900, 1280) and pixels.std() > 10  # drawn, not a blank page
