"""Data in, synthetic data out, and judging it: config, sources, validation, split, run directories.

This package never imports Prefect; ``flows/`` wires its functions into the Prefect flow.
"""
