"""Generators, discriminators, losses, differentiable augmentation, the trainer and downstream
classifiers (issues 3, 4 and 7 fill this package)."""
