"""The two lowest layers. Core: config, errors, schema, dataset types and I/O, run directories,
atomic writes, provenance. Data: sources, validation, split, the tabular transform, watermarks.

Nothing here imports a higher layer (``tests/unit/test_layers.py``), nor Prefect.
"""
