import math

import pytest
from opacus.accountants import PRVAccountant, RDPAccountant
from opacus.accountants.utils import get_noise_multiplier

from synthaug.privacy.accounting import PrivacyLedger, Release, default_delta, epsilon_of


@pytest.mark.parametrize(("name", "engine"), [("prv", PRVAccountant), ("rdp", RDPAccountant)])
def test_epsilon_is_opacus_accountant_on_the_same_history(name, engine):
    reference = engine()
    for _ in range(300):
        reference.step(noise_multiplier=1.3, sample_rate=0.05)
    ours = epsilon_of([Release("d", 1.3, 0.05, 300)], accountant=name, delta=1e-5)
    assert ours == pytest.approx(reference.get_epsilon(delta=1e-5), rel=1e-9)


def test_a_count_release_composes_as_a_full_rate_gaussian_step():
    ledger = PrivacyLedger("rdp", 1e-5, [Release("counts", 20.0, 1.0, 1)])
    alone = ledger.epsilon(extra=Release("d", 1.0, 0.1, 100))
    without = PrivacyLedger("rdp", 1e-5).epsilon(extra=Release("d", 1.0, 0.1, 100))
    reference = RDPAccountant()
    reference.history = [(20.0, 1.0, 1), (1.0, 0.1, 100)]
    assert alone == pytest.approx(reference.get_epsilon(delta=1e-5))
    assert alone > without  # the counts are not free


@pytest.mark.parametrize("accountant", ["prv", "rdp"])
def test_calibrated_noise_meets_the_target_from_below(accountant):
    ledger = PrivacyLedger(accountant, 1e-5)
    sigma = ledger.calibrate(name="d", sample_rate=0.05, steps=500, target=3.0)
    spent = ledger.epsilon(extra=Release("d", sigma, 0.05, 500))
    assert 3.0 - 0.02 <= spent <= 3.0
    reference = get_noise_multiplier(
        target_epsilon=3.0, target_delta=1e-5, sample_rate=0.05, steps=500, accountant=accountant
    )
    assert sigma == pytest.approx(reference, rel=0.02)


def test_max_steps_is_the_last_step_within_the_target():
    ledger = PrivacyLedger("rdp", 1e-5)
    steps = ledger.max_steps(name="d", noise_multiplier=1.0, sample_rate=0.1, target=2.0)
    assert ledger.epsilon(extra=Release("d", 1.0, 0.1, steps)) <= 2.0
    assert ledger.epsilon(extra=Release("d", 1.0, 0.1, steps + 1)) > 2.0
    assert ledger.max_steps(name="d", noise_multiplier=0.3, sample_rate=1.0, target=0.01) == 0


def test_calibration_gives_up_on_a_budget_no_noise_can_meet():
    assert math.isinf(
        PrivacyLedger("rdp", 1e-5).calibrate(name="d", sample_rate=0.5, steps=10**5, target=1e-3)
    )


def test_ledger_state_round_trips():
    ledger = PrivacyLedger("prv", 1e-6, [Release("counts", 20.0, 1.0, 1)])
    assert PrivacyLedger.from_state(ledger.state_dict()) == ledger


@pytest.mark.parametrize(("n", "delta"), [(30, 1e-3), (398, 1e-4), (1257, 1e-5), (100_000, 1e-6)])
def test_default_delta_is_a_power_of_ten_below_one_over_ten_n(n, delta):
    assert default_delta(n) == pytest.approx(delta)
    assert default_delta(n) <= 0.1 / n


def test_the_folds_identical_calibrations_ask_the_accountant_once(monkeypatch):
    import synthaug.privacy.accounting as accounting

    accounting._composed_epsilon.cache_clear()  # what earlier tests in this process asked is forgotten
    asked = []
    real = accounting.create_accountant
    monkeypatch.setattr(accounting, "create_accountant", lambda **kw: asked.append(kw) or real(**kw))
    first = PrivacyLedger("rdp", 1e-5).calibrate(name="fold 0", sample_rate=0.05, steps=300, target=2.0)
    questions = len(asked)
    second = PrivacyLedger("rdp", 1e-5).calibrate(name="fold 1", sample_rate=0.05, steps=300, target=2.0)
    assert questions > 5 and len(asked) == questions and second == first  # the same answers, remembered
    PrivacyLedger("rdp", 1e-5).calibrate(name="fold 2", sample_rate=0.051, steps=300, target=2.0)
    assert len(asked) > questions  # another sample rate is another question
