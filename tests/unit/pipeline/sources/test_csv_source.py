import numpy as np
import pandas as pd
import pytest

from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.sources import load_dataset


def load(path, **spec):
    return load_dataset(DatasetConfig(source=str(path), **spec))


def test_types_classes_and_missing_values(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("age,height,colour,label\n30,1.5,red,yes\n41,,blue,no\n,1.7,red,yes\n52,1.8,,no\n")
    data = load(path, target="label")
    schema = {c.name: c for c in data.schema.columns}
    assert schema["age"].kind == "numeric" and schema["age"].integer and schema["age"].n_missing == 1
    assert schema["height"].kind == "numeric" and not schema["height"].integer
    assert schema["height"].minimum == 1.5 and schema["height"].maximum == 1.8
    assert schema["colour"].kind == "categorical" and schema["colour"].categories == ("blue", "red")
    assert schema["colour"].n_missing == 1
    assert data.classes == ("no", "yes")
    assert data.labels.tolist() == [1, 0, 1, 0]
    assert list(data.features.columns) == ["age", "height", "colour"]
    assert isinstance(data.features["colour"].dtype, pd.CategoricalDtype)
    assert np.isnan(data.features["height"][1])
    assert data.schema.target == "label" and data.schema.target_dtype == "string"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    path = tmp_path / "t.csv"
    rows = [["a", "b", "y"], ["1", "2", "p"], ["3", "4", "q"], ["5", "6", "p"]]
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n")
    data = load(path, target="y")
    assert list(data.features.columns) == ["a", "b"]
    assert data.source.details["delimiter"] == delimiter


def test_explicit_delimiter_overrides_sniffing(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b,y\n1;2,p\n3;4,q\n")
    data = load(path, target="y", csv={"delimiter": ","})
    assert list(data.features.columns) == ["a;b"]


def test_utf8_bom_and_latin1_override(tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffname,y\nJosé,a\nZoë,b\n".encode("utf-8"))
    data = load(bom, target="y")
    assert data.schema.names == ["name"] and data.schema.columns[0].categories == ("José", "Zoë")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,y\nJosé,a\nZoë,b\n".encode("latin-1"))
    data = load(latin, target="y", csv={"encoding": "latin-1"})
    assert data.schema.columns[0].categories == ("José", "Zoë")


def test_utf16_with_bom_is_detected(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("a,y\n1,p\n2,q\n".encode("utf-16"))
    assert load(path, target="y").source.details["encoding"] == "utf-16"


def test_headerless_file_with_declared_names(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("1,2,0\n3,4,1\n5,6,0\n")
    data = load(path, target="y", csv={"header": False, "column_names": ["a", "b", "y"]})
    assert data.schema.names == ["a", "b"] and data.classes == ("0", "1")
    assert data.schema.target_dtype == "int64"


def test_numeric_looking_column_can_be_declared_categorical(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("zip,y\n02139,a\n10001,b\nN/A-1,a\n")
    data = load(path, target="y", categorical_columns=["zip"])
    column = data.schema.columns[0]
    assert column.kind == "categorical"
    assert column.categories == ("02139", "10001", "N/A-1")  # text kept as written, leading zero too


def test_declared_numeric_column_with_text_names_the_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("code,y\nA,a\nB,b\n")
    with pytest.raises(
        UserInputError, match=r"column 'code' holds numbers but row 1 \(line 2\) contains the text 'A'"
    ):
        load(path, target="y", numeric_columns=["code"])


def test_override_naming_an_unknown_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("alpha,y\n1,a\n2,b\n")
    with pytest.raises(UserInputError, match="drop_columns names column 'alph'.*'alpha'"):
        load(path, target="y", drop_columns=["alph"])


def test_drop_columns_removes_them(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,x,y\n1,0.5,a\n2,0.7,b\n")
    assert load(path, target="y", drop_columns=["id"]).schema.names == ["x"]


def test_missing_target_values_are_refused_with_the_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n1,a\n2,\n3,b\n")
    with pytest.raises(UserInputError, match=r"target column 'y' is missing in row 2 \(line 3\)"):
        load(path, target="y")


def test_infinite_values_are_refused(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"x": [1.0, np.inf, 2.0], "y": ["a", "b", "a"]}).to_parquet(path)
    with pytest.raises(UserInputError, match="column 'x' has an infinite value in row 2"):
        load(path, target="y")


def test_source_hash_follows_the_bytes(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x,y\n1,a\n2,b\n")
    b.write_text("x,y\n1,a\n3,b\n")
    assert load(a, target="y").source.sha256 != load(b, target="y").source.sha256
    assert load(a, target="y").source.sha256 == load(a, target="y").source.sha256
