"""Prefect flows and the command line. Thin: every task calls a plain function in ``stages/``."""
