"""Markdown rendering of a report; figures are written beside it and linked by relative path."""

from __future__ import annotations

import re

from synthaug.pipeline.layout import FIGURE_DIR
from synthaug.reports.document import Figure, Markdown, Paragraph, Preformatted, Report, Table


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    lines = [f"# {report.title}", "", report.subtitle, ""]
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [block.text, ""]
            elif isinstance(block, Table):
                align = ["---:" if i in block.numeric else "---" for i in range(len(block.header))]
                lines += [
                    "| " + " | ".join(_cell(h) for h in block.header) + " |",
                    "|" + "|".join(align) + "|",
                ]
                lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
                lines.append("")
            elif isinstance(block, Figure):
                lines += [
                    f"![{_cell(block.caption)}]({FIGURE_DIR}/{block.name}.png)",
                    "",
                    f"*{block.caption}*",
                    "",
                ]
            elif isinstance(block, Markdown):  # its headings go below the section's
                lines += [_demoted(block.text), ""]
            elif isinstance(block, Preformatted):
                fence = "````" if "```" in block.text else "```"
                lines += [fence, block.text.rstrip("\n"), fence, ""]
    return "\n".join(lines)


def _demoted(text: str) -> str:
    """``text`` with every ATX heading two levels deeper (``#`` -> ``###``), outside code fences."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.startswith(("```", "~~~")):
            fenced = not fenced
        heading = None if fenced else re.match(r"(#{1,6}) ", line)
        if heading:  # deeper by two, at most six
            line = "#" * min(6, len(heading.group(1)) + 2) + line[len(heading.group(1)) :]
        out.append(line)
    return "\n".join(out)
