import numpy as np
import pandas as pd

from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.dataset_io import dataset_filename, read_dataset, write_dataset
from synthaug.pipeline.sources import load_dataset


def test_tables_round_trip_with_schema_and_provenance(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text("n,f,c,y\n1,0.5,red,yes\n2,,blue,no\n3,2.5,,yes\n4,1.0,red,no\n")
    data = load_dataset(DatasetConfig(source=str(csv), target="y"))
    path = write_dataset(data, tmp_path / dataset_filename(data, "train"))
    back = read_dataset(path)
    assert back.schema == data.schema and back.classes == data.classes and back.source == data.source
    assert np.array_equal(back.labels, data.labels)
    pd.testing.assert_frame_equal(back.features, data.features)


def test_images_round_trip(tmp_path):
    data = load_dataset(DatasetConfig(source="bundled:digits")).subset(np.arange(50))
    back = read_dataset(write_dataset(data, tmp_path / dataset_filename(data, "train")))
    assert np.array_equal(back.features, data.features) and np.array_equal(back.labels, data.labels)
    assert back.schema == data.schema and back.classes == data.classes and back.source == data.source
