"""Differential privacy for the discriminator: Opacus wiring, accounting, audits (issue 5)."""
