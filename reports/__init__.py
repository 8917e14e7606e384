"""HTML and Markdown reports rendered from a run directory (issue 8)."""
