import base64
import re

from synthaug.reports.document import Figure, Paragraph, Preformatted, Report, Section, Table
from synthaug.reports.html import to_html
from synthaug.reports.markdown import to_markdown

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


def sample_report() -> Report:
    report = Report("run <x>", "digits & more")
    report.sections = [
        Section("Summary").add(
            Paragraph(
                "**Verdict: gain**: see `gain.json` <script>alert(1)</script>", css_class="verdict gain"
            ),
            Table(("metric", "value"), (("a|b", "1.5"),), numeric=(1,)),
        ),
        Section("Samples").add(Figure("grid_000010", PNG, "step 10"), Preformatted("# card\n<b>x</b>")),
    ]
    return report


def test_html_is_self_contained_and_escapes_run_text():
    page = to_html(sample_report())
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<strong>Verdict: gain</strong>" in page and "<code>gain.json</code>" in page
    [data] = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert base64.b64decode(data) == PNG
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from the network
    assert '<p class="verdict gain">' in page and '<td class="num">1.5</td>' in page
    assert '<a href="#summary">Summary</a>' in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_markdown_links_figures_and_escapes_table_pipes():
    text = to_markdown(sample_report())
    assert "![step 10](figures/grid_000010.png)" in text
    assert "| a\\|b | 1.5 |" in text and "|---|---:|" in text
    assert "```\n# card\n<b>x</b>\n```" in text


def test_an_embedded_markdown_document_renders_below_the_section_with_raw_html_escaped():
    from synthaug.reports.document import Markdown

    card = (
        "# Card\n\n## Does it help?\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>\n\n"
        "![beacon](https://example.org/b.png)\n\n##### deep\n\n###### deepest\n"
    )
    report = Report("r", "s")
    report.sections = [Section("Dataset card").add(Markdown(card))]
    page = to_html(report)
    assert "<h3>Card</h3>" in page and "<h4>Does it help?</h4>" in page and "<td>1</td>" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert not re.search(r'<img[^>]+src="https?:', page)  # a remote image is not fetched: a link at most
    text = to_markdown(report)
    assert "### Card" in text and "#### Does it help?" in text and "| 1 | 2 |" in text
    assert "\n###### deep\n" in text and "\n###### deepest\n" in text  # deeper, never shallower


def test_pixelated_figures_are_marked_and_never_shrunk():
    report = Report("r", "s")
    report.sections = [Section("Samples").add(Figure("grid", PNG, "grid", pixelated=True))]
    page = to_html(report)
    assert '<img class="pixels" src="data:image/png;base64,' in page
    assert "img.pixels { max-width: none; image-rendering: pixelated; }" in page
