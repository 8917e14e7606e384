"""What a report is made of, independent of how it is rendered (reports/html.py, markdown.py).

A report is a title and sections; a section holds blocks: paragraphs (plain text with
``**bold**`` and ``code`` spans), tables, figures (PNG bytes with a caption), preformatted
text and embedded Markdown documents. Renderers escape everything, so no text from a run can inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    text: str
    css_class: str | None = None  # e.g. "verdict gain" for the verdict banner


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()  # right-aligned column indices


@dataclass(frozen=True)
class Figure:
    name: str  # file stem, unique in the report: letters, digits, '-' and '_'
    png: bytes
    caption: str
    pixelated: bool = False  # samples: shown at their pixel size or larger, never smoothed or shrunk


@dataclass(frozen=True)
class Markdown:
    """A Markdown document inside the report (the dataset card): rendered as HTML with its
    headings moved below the section's and any raw HTML in it escaped."""

    text: str


@dataclass(frozen=True)
class Preformatted:
    text: str


Block = Paragraph | Table | Figure | Preformatted | Markdown


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> Section:
        self.blocks.extend(blocks)
        return self


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section] = field(default_factory=list)

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]
