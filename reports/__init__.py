"""Run reports: a self-contained HTML file and a Markdown version, with figures."""
