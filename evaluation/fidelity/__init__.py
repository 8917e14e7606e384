"""Fidelity metrics: how close synthetic samples are to the real training split.

One module per metric; ``registry.FIDELITY_METRICS`` lists them by name and
``report.fidelity_report`` computes the selected ones for a run.
"""
