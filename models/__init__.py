"""Generators, discriminators, losses, differentiable augmentation, EMA and the shared trainer."""
