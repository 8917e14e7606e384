"""The report's samples: real and synthetic rows side by side, and the synthetic rows nearest a
training row shown with it, closest first (an exact copy at distance 0)."""

import numpy as np
import pandas as pd

from synthaug.pipeline.dataset_io import write_dataset
from synthaug.pipeline.layout import RunLayout
from synthaug.pipeline.synthetic_set import write_rows
from synthaug.reports.document import Paragraph, Table
from synthaug.reports.samples_section import NEAREST, PRIVATE_NOTE, samples_section
from tests.frames import train_split


def tabular_run(tmp_path):
    rng = np.random.default_rng(0)
    real = pd.DataFrame(
        {
            "size": rng.normal(10, 2, 40).round(2),
            "colour": rng.choice(["red", "blue"], 40),
            "y": ["a", "b"] * 20,
        }
    )
    train = train_split(real, "y").data
    layout = RunLayout(tmp_path)
    write_dataset(train, layout.split_data("train", "tabular"))
    synthetic = pd.DataFrame(
        {"size": rng.normal(10, 2, 30), "colour": rng.choice(["red", "blue"], 30), "y": ["a", "b"] * 15}
    )
    synthetic.iloc[7] = real.iloc[3]  # one exact copy of a training row
    write_rows(layout.synthetic.rows, synthetic)
    return tmp_path, real


def test_tables_show_rows_side_by_side_and_the_nearest_copy_first(tmp_path):
    run, real = tabular_run(tmp_path)
    section = samples_section(run, "tabular")
    side_by_side, nearest = [b for b in section.blocks if isinstance(b, Table)]
    assert side_by_side.header == ("", "y", "size", "colour")
    sources = [row[0] for row in side_by_side.rows]
    assert sources.count("real") == sources.count("synthetic") == 6  # 3 per class and source
    assert all(len(row[2].split(".")[1]) == 2 for row in side_by_side.rows)  # the real column's 2 decimals
    assert len(nearest.rows) == 2 * NEAREST
    copy, its_training_row = nearest.rows[0], nearest.rows[1]
    assert copy[0] == "synthetic (0.00)" and its_training_row[0] == "nearest training"
    assert copy[1:] == its_training_row[1:] == (f"{real['size'][3]:.2f}", real["colour"][3])
    texts = [b.text for b in section.blocks if isinstance(b, Paragraph)]
    assert any("median" in t and "a much smaller distance is a copy" in t for t in texts)
    assert PRIVATE_NOTE not in texts and PRIVATE_NOTE in [
        b.text for b in samples_section(run, "tabular", private=True).blocks if isinstance(b, Paragraph)
    ]


def test_a_run_without_a_recorded_split_says_so(tmp_path):
    [block] = samples_section(tmp_path, "image").blocks
    assert "No training split was recorded" in block.text
