import math
import os
import stat

import numpy as np
import pytest

from pipeline.errors import UserInputError
from pipeline.watermark.detection import signed_sum_test
from pipeline.watermark.keys import WatermarkKey, generate_key_file, read_key_file


def test_signed_sum_statistic_against_hand_computed_values():
    result = signed_sum_test(np.array([1, -1, 1, 1]), np.array([3.0, -1.0, 0.0, 2.0]), samples=7)
    assert result.z == pytest.approx(6 / math.sqrt(14))
    assert result.p_value == pytest.approx(math.exp(-(36 / 14) / 2))
    assert result.units == 3 and result.samples == 7
    assert signed_sum_test(np.array([1, 1]), np.array([-1.0, -1.0]), samples=1).p_value == 1.0
    assert signed_sum_test(np.array([1]), np.array([0.0]), samples=1).p_value == 1.0


def test_the_p_value_bounds_the_false_positive_rate_for_any_weights():
    rng = np.random.default_rng(0)
    weights = np.concatenate([np.full(5, 100.0), rng.standard_cauchy(60)])  # heavy-tailed, lumpy
    p = np.array(
        [signed_sum_test(rng.choice([-1, 1], 65), weights, samples=1).p_value for _ in range(20_000)]
    )
    for level in (0.2, 0.05, 0.01):
        assert np.mean(p < level) <= level


def test_key_files_are_private_and_round_trip(tmp_path):
    path = tmp_path / "keys" / "mark.key"
    key = generate_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_key_file(path) == key and len(key.key_id) == 16
    assert key.secret.hex() not in repr(key) and key.key_id in repr(key)
    with pytest.raises(UserInputError, match="already exists"):
        generate_key_file(path)


def test_bad_key_files_are_refused_with_the_fix(tmp_path):
    with pytest.raises(UserInputError, match="synthaug keygen"):
        read_key_file(tmp_path / "missing.key")
    loose = tmp_path / "loose.key"
    loose.write_text("00" * 32)
    os.chmod(loose, 0o644)
    with pytest.raises(UserInputError, match="chmod 600"):
        read_key_file(loose)
    short = tmp_path / "short.key"
    short.write_text("abcd")
    os.chmod(short, 0o600)
    with pytest.raises(UserInputError, match="expected 64 hex characters"):
        read_key_file(short)


def test_streams_and_bits_depend_on_key_and_context():
    a, b = WatermarkKey(b"a" * 32), WatermarkKey(b"b" * 32)
    assert np.array_equal(a.stream("x").random(4), a.stream("x").random(4))
    assert not np.array_equal(a.stream("x").random(4), a.stream("y").random(4))
    assert not np.array_equal(a.bits("c", list("0123456789")), b.bits("c", list("0123456789")))
    assert np.array_equal(a.bits("c", ["3", "4"]), a.bits("c", list("01234"))[[3, 4]])  # order independent
