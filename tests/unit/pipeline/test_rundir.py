import logging
from datetime import UTC, datetime

import pytest

from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import FAILURE_FILE, LOG_FILE
from synthaug.pipeline.rundir import create_run_directory, run_lifecycle

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_ids_are_name_and_utc_time_and_unique(tmp_path):
    a = create_run_directory(tmp_path, "demo", now=NOW)
    b = create_run_directory(tmp_path, "demo", now=NOW)
    assert a.run_id == "demo-20260102T030405Z" and b.run_id == "demo-20260102T030405Z-2"
    assert a.partial.is_dir() and a.partial.name.endswith(".partial")


def test_success_renames_to_the_final_name_with_logs(tmp_path):
    run = create_run_directory(tmp_path, "ok", now=NOW)
    with run_lifecycle(run):
        logging.getLogger("synthaug.pipeline.test").info("hello from a step")
        run.file("x.txt").write_text("1")
    assert run.final.is_dir() and not run.partial.exists()
    assert (run.final / "x.txt").read_text() == "1"
    assert "hello from a step" in (run.final / LOG_FILE).read_text()


def test_user_error_leaves_nothing(tmp_path):
    out = tmp_path / "runs"
    run = create_run_directory(out, "bad", now=NOW)
    with pytest.raises(UserInputError), run_lifecycle(run):
        run.file("half.txt").write_text("half")
        raise UserInputError("bad data")
    assert not out.exists()


def test_internal_error_leaves_a_marked_failed_directory(tmp_path):
    run = create_run_directory(tmp_path, "boom", now=NOW)
    with pytest.raises(ZeroDivisionError), run_lifecycle(run):
        1 / 0  # noqa: B018
    assert run.failed.is_dir() and not run.partial.exists() and not run.final.exists()
    assert "ZeroDivisionError" in (run.failed / FAILURE_FILE).read_text()
