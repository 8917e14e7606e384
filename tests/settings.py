"""Small run settings shared by the integration tests, as ``--set`` items: just enough of each
stage to exercise it in seconds."""

SMALL_TABULAR_GAN = (
    "training.batch_size=20",
    "training.tabular.generator_width=16",
    "training.tabular.discriminator_width=16",
)
QUICK_VERIFICATION = ("evaluation.seeds=2", "evaluation.folds=2")
FAST_EVALUATION = (*QUICK_VERIFICATION, "evaluation.cnn_steps=10", "evaluation.amounts=[0, 1]")


def set_args(*items: str) -> list[str]:
    return [f"--set={item}" for item in items]
