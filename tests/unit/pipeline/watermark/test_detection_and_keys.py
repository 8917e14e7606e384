import math
import os
import stat

import numpy as np
import pytest

from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.watermark.detection import signed_sum_test
from synthaug.pipeline.watermark.keys import WatermarkKey, generate_key_file, read_key_file


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


def test_too_little_data_is_inconclusive_not_unmarked():
    # 9 units can reach z = 3 at best (sqrt 9) and the 1e-3 threshold needs 3.72
    few = signed_sum_test(np.zeros(9), np.ones(9), samples=1)
    assert few.outcome == "inconclusive" and few.reachable_z == pytest.approx(3.0)
    many = signed_sum_test(np.zeros(400), np.ones(400), samples=20)
    assert many.outcome == "not marked" and many.to_dict()["outcome"] == "not marked"
    assert signed_sum_test(np.ones(16), np.ones(16), samples=2).outcome == "marked"  # z = 4
    # a scheme whose marked units align by half needs four times the units
    assert (
        signed_sum_test(np.zeros(36), np.ones(36), samples=2, expected_alignment=0.5).outcome
        == "inconclusive"
    )
    assert (
        signed_sum_test(np.zeros(64), np.ones(64), samples=2, expected_alignment=0.5).outcome == "not marked"
    )


def test_a_mark_the_run_cannot_detect_is_said_loudly_and_in_the_card(caplog):
    from synthaug.pipeline.watermark.apply import self_check
    from synthaug.stages.dataset_card import watermark_text

    check = self_check(signed_sum_test(np.zeros(9), np.ones(9), samples=1), "1 rows")
    assert check["outcome"] == "inconclusive" and check["p_value"] == 1.0
    assert any(r.levelname == "WARNING" and "cannot be detected" in r.getMessage() for r in caplog.records)
    card = watermark_text(
        {
            "applied": True,
            "scheme": "synthaug-table-cells/1",
            "key_id": "abc",
            "threshold": 1e-3,
            "self_check": check,
        },
        kind="tabular",
    )
    assert (
        "cannot be detected" in card and "p = 1" in card and "statistically detectable watermark" not in card
    )


def test_a_run_without_a_configured_key_generates_one_once_and_says_where_in_the_run(
    tmp_path, monkeypatch, caplog
):
    import logging

    from synthaug.pipeline.config import WatermarkConfig
    from synthaug.pipeline.watermark.apply import KEY_FILE_ENV, resolve_key

    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    run = tmp_path / "demo-20260101T000000Z.partial"
    with caplog.at_level(logging.WARNING):
        first, source = resolve_key(WatermarkConfig(), run)
        again, _ = resolve_key(WatermarkConfig(), run)  # a later stage of the same run
    assert again.secret == first.secret and "in the run directory" in source
    [warning] = [r.getMessage() for r in caplog.records if "no watermark key configured" in r.getMessage()]
    assert ".partial" not in warning and "in the run directory" in warning
