"""Judging synthetic data: fidelity metrics now; the downstream-gain protocol lands with issue 7."""
