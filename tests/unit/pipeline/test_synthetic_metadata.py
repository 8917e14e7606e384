import hashlib
import json
from datetime import UTC, datetime

from synthaug.pipeline.synthetic_metadata import IPTC_TRAINED_ALGORITHMIC_MEDIA, synthetic_metadata


def test_every_field_is_a_string_and_says_how_the_data_were_made(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("seed: 3\n")
    created = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    metadata = synthetic_metadata(
        run_id="run-1",
        config_file=config,
        source_sha256="ab" * 32,
        privacy={"epsilon": 2.9},
        watermark="not applied: disabled",
        created=created,
    )
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    assert metadata["synthetic"] == "true"
    assert metadata["digital_source_type"] == IPTC_TRAINED_ALGORITHMIC_MEDIA
    assert metadata["config_sha256"] == hashlib.sha256(b"seed: 3\n").hexdigest()
    assert metadata["source_data_sha256"] == "ab" * 32 and metadata["run_id"] == "run-1"
    assert json.loads(metadata["synthaug.privacy"]) == {"epsilon": 2.9}
    assert json.loads(metadata["synthaug.watermark"]) == "not applied: disabled"
    assert metadata["created"] == "2026-11-23T09:00:00+00:00" and metadata["generator"] == "synthaug"
