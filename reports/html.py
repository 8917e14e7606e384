"""Self-contained HTML rendering of a report: figures as PNG data URIs (samples enlarged without
smoothing), inline CSS, no scripts, nothing fetched from the network."""

from __future__ import annotations

import base64
import html
import re

from markdown_it import MarkdownIt

from synthaug.reports.document import Figure, Markdown, Paragraph, Preformatted, Report, Table

STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232b; margin: 0; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 32px 64px; }
h1 { margin-bottom: 0; } .subtitle { color: #5a6572; margin-top: 4px; }
h2 { border-bottom: 1px solid #d8dee4; padding-bottom: 4px; margin-top: 36px; }
nav a { margin-right: 14px; color: #0b5cad; text-decoration: none; font-size: 14px; }
table { border-collapse: collapse; margin: 12px 0; font-size: 14px; }
th, td { border: 1px solid #d8dee4; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f3f5f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 16px 0; overflow-x: auto; } figure img { max-width: 100%; border: 1px solid #e3e7eb; }
figure img.pixels { max-width: none; image-rendering: pixelated; }
.document { border: 1px solid #d8dee4; border-radius: 6px; padding: 4px 20px; background: #fcfcfd; }
figcaption { color: #5a6572; font-size: 13px; }
pre { background: #f6f8fa; padding: 12px; overflow-x: auto; font-size: 13px; white-space: pre-wrap; }
code { background: #f3f5f7; padding: 0 3px; border-radius: 3px; }
.verdict { font-size: 18px; padding: 10px 14px; border-radius: 6px; border: 1px solid; }
.verdict.gain { background: #e8f6ec; border-color: #2e8b57; }
.verdict.no-gain { background: #fdf6e3; border-color: #b58900; }
.verdict.harm, .verdict.not-verified { background: #fbeaea; border-color: #c0392b; }
.warning { color: #9c2f1f; }
"""


def _inline(text: str) -> str:
    """Escaped text with **bold** and `code` spans."""
    escaped = html.escape(text)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _block(block) -> str:
    if isinstance(block, Paragraph):
        css = f' class="{html.escape(block.css_class)}"' if block.css_class else ""
        return f"<p{css}>{_inline(block.text)}</p>"
    if isinstance(block, Table):
        head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{html.escape(str(c))}</td>'
                if i in block.numeric
                else f"<td>{_inline(str(c))}</td>"
                for i, c in enumerate(row)
            )
            + "</tr>"
            for row in block.rows
        )
        thead = f"<thead><tr>{head}</tr></thead>" if any(block.header) else ""  # a key-value table has none
        return f"<table>{thead}<tbody>{body}</tbody></table>"
    if isinstance(block, Figure):
        data = base64.b64encode(block.png).decode("ascii")
        caption = html.escape(block.caption)
        pixels = ' class="pixels"' if block.pixelated else ""
        return (
            f'<figure id="fig-{html.escape(block.name)}"><img{pixels} src="data:image/png;base64,{data}" '
            f'alt="{caption}"><figcaption>{caption}</figcaption></figure>'
        )
    if isinstance(block, Markdown):
        return f'<div class="document">{_markdown(block.text)}</div>'
    if isinstance(block, Preformatted):
        return f"<pre>{html.escape(block.text)}</pre>"
    raise TypeError(f"unknown report block {type(block).__name__}")


HEADING_SHIFT = 2  # a document's "#" becomes <h3> under the section's <h2>


def _markdown(text: str) -> str:
    """CommonMark with tables; raw HTML in ``text`` is escaped, not rendered, and images are not
    rendered (a remote one would be fetched), so the report stays self-contained."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
    tokens = parser.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + HEADING_SHIFT)}"
    return parser.renderer.render(tokens, parser.options, {})


def to_html(report: Report) -> str:
    nav = "".join(f'<a href="#{_anchor(s.title)}">{html.escape(s.title)}</a>' for s in report.sections)
    sections = "".join(
        f'<section id="{_anchor(s.title)}"><h2>{html.escape(s.title)}</h2>'
        + "".join(_block(b) for b in s.blocks)
        + "</section>"
        for s in report.sections
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(report.title)}</title><style>{STYLE}</style></head><body><main>"
        f'<h1>{html.escape(report.title)}</h1><p class="subtitle">{html.escape(report.subtitle)}</p>'
        f"<nav>{nav}</nav>{sections}</main></body></html>\n"
    )
