"""Judging synthetic data: the verification protocol (selection, downstream gain, calibrated
verdict), fidelity metrics, and the downstream classifiers they train."""
