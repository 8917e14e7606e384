"""The synthesizers by name: the job picks one by its dataset's kind and ``training.synthesizer``
(``synthesizer_name``)."""

from __future__ import annotations

from synthaug.models.image_cgan import ImageCGAN
from synthaug.models.registry import Registry
from synthaug.models.synthesizer import Synthesizer
from synthaug.models.tabular_cgan import TabularCGAN
from synthaug.models.tabular_copula import TabularCopula
from synthaug.pipeline.layout import synthesizer_name

SYNTHESIZERS: Registry[type[Synthesizer]] = Registry("synthesizer", "training.synthesizer")
SYNTHESIZERS.register(synthesizer_name("image", "gan"))(ImageCGAN)
SYNTHESIZERS.register(synthesizer_name("tabular", "gan"))(TabularCGAN)
SYNTHESIZERS.register(synthesizer_name("tabular", "copula"))(TabularCopula)
