"""The synthesizers by name, one per kind of data: the job picks the one for its dataset."""

from __future__ import annotations

from synthaug.models.image_cgan import ImageCGAN
from synthaug.models.registry import Registry
from synthaug.models.synthesizer import ConditionalSynthesizer
from synthaug.models.tabular_cgan import TabularCGAN

SYNTHESIZERS: Registry[type[ConditionalSynthesizer]] = Registry("synthesizer", "dataset.kind")
SYNTHESIZERS.register("image")(ImageCGAN)
SYNTHESIZERS.register("tabular")(TabularCGAN)
