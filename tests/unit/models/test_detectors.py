import pytest
import torch

from synthaug.models.detectors import DETECTORS, build_detectors
from synthaug.models.diversity import DiversityProbe
from synthaug.models.training_metrics import Metric
from synthaug.pipeline.config import DetectorConfig
from synthaug.pipeline.errors import UserInputError

CONFIG = DetectorConfig(window=10, check_every=10)


def feed(detector, rows):
    for row in rows:
        detector.observe(row)
    return detector.check(step=len(rows))


def test_overpowering_needs_high_accuracy_and_rising_g_loss():
    detector = DETECTORS.get("d_overpowering")(CONFIG)
    rising = [{Metric.D_ACCURACY: 1.0, Metric.LOSS_G: 1.0 + 0.1 * i} for i in range(10)]
    assert feed(detector, rising).detector == "d_overpowering"
    flat = DETECTORS.get("d_overpowering")(CONFIG)
    assert feed(flat, [{Metric.D_ACCURACY: 1.0, Metric.LOSS_G: 1.0} for _ in range(10)]) is None
    balanced = DETECTORS.get("d_overpowering")(CONFIG)
    assert feed(balanced, [{Metric.D_ACCURACY: 0.7, Metric.LOSS_G: 1.0 + i} for i in range(10)]) is None


def test_vanishing_generator_gradients():
    detector = DETECTORS.get("vanishing_g_gradients")(CONFIG)
    assert feed(detector, [{Metric.GRAD_NORM_G: 1e-7}] * 10).detector == "vanishing_g_gradients"
    healthy = DETECTORS.get("vanishing_g_gradients")(CONFIG)
    assert feed(healthy, [{Metric.GRAD_NORM_G: 1e-7}] * 9 + [{Metric.GRAD_NORM_G: 0.5}]) is None


def test_a_generator_that_ignores_z_is_flagged_as_collapsed():
    torch.manual_seed(0)
    real = torch.rand(40, 1, 8, 8) * 2 - 1
    labels = torch.arange(4).repeat_interleave(10)
    probe = DiversityProbe(real, labels, num_classes=4)
    varied = probe.ratios(torch.rand(40, 1, 8, 8) * 2 - 1, labels)
    assert min(varied) > 0.5
    one_image_per_class = (torch.rand(4, 1, 8, 8) * 2 - 1).repeat_interleave(10, dim=0)
    collapsed = probe.ratios(one_image_per_class, labels)
    assert max(collapsed) < 1e-3
    detector = DETECTORS.get("mode_collapse")(CONFIG)
    detector.observe({Metric.DIVERSITY_MIN_RATIO: min(collapsed), Metric.DIVERSITY_MIN_CLASS: 0})
    assert detector.check(step=100).detector == "mode_collapse"


def test_detector_state_round_trips():
    detector = DETECTORS.get("vanishing_g_gradients")(CONFIG)
    for _ in range(5):
        detector.observe({Metric.GRAD_NORM_G: 1e-7})
    copy = DETECTORS.get("vanishing_g_gradients")(CONFIG)
    copy.load_state_dict(detector.state_dict())
    assert list(copy.history) == list(detector.history)


def test_unknown_stop_on_name():
    with pytest.raises(UserInputError, match="unknown detector 'collapse'.*mode_collapse"):
        build_detectors(DetectorConfig(stop_on=["collapse"]))
