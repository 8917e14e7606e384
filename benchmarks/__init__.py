"""Benchmarks: speed and quality measurements, not tests. Run as modules: python -m benchmarks.<name>."""
