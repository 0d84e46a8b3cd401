"""Model files (JSON round trip, malformed files refused) and data tables (CSV reading)."""

import json

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes, load_iris

from penalized import ElasticNet, Lasso, LogisticRegression, PoissonRegressor, Ridge, io


@pytest.fixture(scope="module")
def regression():
    return load_diabetes(return_X_y=True)


MODELS = [
    lambda: Lasso(alpha=0.1, lower_bounds=np.r_[np.full(9, -np.inf), 0.0]),
    lambda: ElasticNet(alpha=0.05, l1_ratio=0.3, standardize=True),
    lambda: Ridge(alpha=2.0),
    lambda: PoissonRegressor(alpha=0.01, l1_ratio=0.5),
]


@pytest.mark.parametrize("make", MODELS)
def test_round_trip_predicts_identically(tmp_path, regression, make):
    X, y = regression
    model = make()
    target = y / 50 if isinstance(model, PoissonRegressor) else y
    model.fit(X, target)
    io.save(model, tmp_path / "m.json")
    back = io.load(tmp_path / "m.json")
    assert type(back) is type(model)
    assert back.get_params().keys() == model.get_params().keys()
    np.testing.assert_allclose(back.predict(X), model.predict(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(back.coef_, model.coef_)
    assert back.n_features_in_ == model.n_features_in_


def test_round_trip_of_classifiers_with_text_labels(tmp_path):
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    for model in (LogisticRegression(C=0.3, l1_ratio=1.0).fit(X, labels),
                  LogisticRegression(C=np.inf, max_iter=30).fit(X[:100], labels[:100])):
        io.save(model, tmp_path / "c.json")
        back = io.load(tmp_path / "c.json")
        np.testing.assert_array_equal(back.classes_, model.classes_)
        np.testing.assert_array_equal(back.predict(X), model.predict(X))
        np.testing.assert_allclose(back.predict_proba(X), model.predict_proba(X), atol=1e-12)
        assert back.C == model.C
    text = (tmp_path / "c.json").read_text()
    assert "Infinity" not in text and "NaN" not in text  # standard JSON only


def test_save_refuses_unfitted_and_foreign_models(tmp_path):
    from sklearn.linear_model import Lasso as SkLasso

    with pytest.raises(ValueError, match="not fitted"):
        io.save(Lasso(), tmp_path / "x.json")
    with pytest.raises(TypeError, match="supported estimators"):
        io.save(SkLasso().fit([[0.0], [1.0]], [0.0, 1.0]), tmp_path / "x.json")


def _valid_document(tmp_path, regression):
    X, y = regression
    io.save(Lasso(alpha=0.5).fit(X, y), tmp_path / "ok.json")
    return json.loads((tmp_path / "ok.json").read_text())


CORRUPTIONS = {
    "not a dict": lambda d: [1, 2],
    "wrong format": lambda d: {**d, "format": "pickle"},
    "future version": lambda d: {**d, "format_version": 99},
    "unknown estimator": lambda d: {**d, "estimator": "os.system"},
    # found by tests/test_fuzz.py: unhashable values raised TypeError, not ModelFileError
    "estimator is a list": lambda d: {**d, "estimator": []},
    "dtype is a list": lambda d: {**d, "attributes": {**d["attributes"], "coef_": {
        **d["attributes"]["coef_"], "dtype": ["float64"]}}},
    "special float is a list": lambda d: {**d, "params": {**d["params"],
                                                          "alpha": {"float": []}}},
    "unknown parameter": lambda d: {**d, "params": {**d["params"], "evil": 1}},
    "bad parameter value": lambda d: {**d, "params": {**d["params"], "alpha": "much"}},
    "unexpected attribute": lambda d: {**d, "attributes": {**d["attributes"], "x_": 1}},
    "missing coef": lambda d: {**d, "attributes": {k: v for k, v in d["attributes"].items()
                                                   if k != "coef_"}},
    "short coef": lambda d: {**d, "attributes": {**d["attributes"], "coef_": {
        "dtype": "float64", "shape": [3], "data": [0.0, 1.0, 2.0]}}},
    "shape/data mismatch": lambda d: {**d, "attributes": {**d["attributes"], "coef_": {
        "dtype": "float64", "shape": [10], "data": [0.0]}}},
    "text in coef": lambda d: {**d, "attributes": {**d["attributes"], "coef_": {
        "dtype": "float64", "shape": [10], "data": ["a"] * 10}}},
    "inf coef": lambda d: {**d, "attributes": {**d["attributes"], "coef_": {
        "dtype": "float64", "shape": [10], "data": ["inf"] * 10}}},
    "object dtype": lambda d: {**d, "attributes": {**d["attributes"], "coef_": {
        "dtype": "object", "shape": [10], "data": [0.0] * 10}}},
    "negative shape": lambda d: {**d, "attributes": {**d["attributes"], "coef_": {
        "dtype": "float64", "shape": [-10], "data": []}}},
    "array intercept for 1-D coef": lambda d: {**d, "attributes": {
        **d["attributes"], "intercept_": {"dtype": "float64", "shape": [2], "data": [1, 2]}}},
    "bad n_features": lambda d: {**d, "attributes": {**d["attributes"],
                                                     "n_features_in_": "10"}},
    "extra array keys": lambda d: {**d, "attributes": {**d["attributes"], "coef_": {
        **d["attributes"]["coef_"], "code": "x"}}},
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_malformed_model_files_are_refused(tmp_path, regression, name):
    document = CORRUPTIONS[name](_valid_document(tmp_path, regression))
    (tmp_path / "bad.json").write_text(json.dumps(document))
    with pytest.raises(io.ModelFileError):
        io.load(tmp_path / "bad.json")


def test_unreadable_model_files_are_refused(tmp_path):
    for content in (b"", b"{", b"\xff\xfe\x00", b"NaN", b'{"format": Infinity}', b"[" * 100000):
        (tmp_path / "bad.json").write_bytes(content)
        with pytest.raises(io.ModelFileError):
            io.load(tmp_path / "bad.json")
    with pytest.raises(io.ModelFileError, match="cannot read"):
        io.load(tmp_path / "absent.json")


def test_classifier_file_with_mismatched_classes_is_refused(tmp_path):
    X, y = load_iris(return_X_y=True)
    io.save(LogisticRegression().fit(X, y), tmp_path / "c.json")
    document = json.loads((tmp_path / "c.json").read_text())
    document["attributes"]["classes_"] = {"dtype": "int64", "shape": [2], "data": [0, 1]}
    (tmp_path / "c.json").write_text(json.dumps(document))
    with pytest.raises(io.ModelFileError, match="rows for 2 classes"):
        io.load(tmp_path / "c.json")


def test_read_csv(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,label\n1,2.5,x\n3,-4e2,y\n")
    X, y, names = io.read_data(tmp_path / "d.csv", "label")
    np.testing.assert_array_equal(X, [[1.0, 2.5], [3.0, -400.0]])
    assert list(y) == ["x", "y"] and names == ["a", "b"]
    X, y, names = io.read_data(tmp_path / "d.csv", features=["b"])
    assert X.shape == (2, 1) and y is None and names == ["b"]


@pytest.mark.parametrize("content, match", [
    ("a,b\n1,\n", "missing value"),
    ("a,b\n1,nan\n", "missing or non-finite"),
    ("a,b\n1,inf\n", "missing or non-finite"),
    ("a,b\n1,red\n", "not numeric"),
    ("a,b\n1,2,3\n", "3 fields"),
    ("a,a\n1,2\n", "unique"),
    ("a,b\n", "at least one data row"),
    ("", "at least one data row"),
])
def test_bad_csv_files_get_clear_errors(tmp_path, content, match):
    (tmp_path / "d.csv").write_text(content)
    with pytest.raises(ValueError, match=match):
        io.read_data(tmp_path / "d.csv", "a")


def test_bad_data_paths_and_columns(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        io.read_data(tmp_path / "none.csv")
    (tmp_path / "d.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="target column 'c'"):
        io.read_data(tmp_path / "d.csv", "c")
    with pytest.raises(ValueError, match="lacks the feature columns: z"):
        io.read_data(tmp_path / "d.csv", features=["z"])
    (tmp_path / "t.csv").write_text("a\n1\n")
    with pytest.raises(ValueError, match="no feature columns"):
        io.read_data(tmp_path / "t.csv", "a")
    (tmp_path / "bin.csv").write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(ValueError, match="UTF-8"):
        io.read_data(tmp_path / "bin.csv")


def test_sparse_fit_saves_dense_coefficients(tmp_path, regression):
    X, y = regression
    model = Lasso(alpha=0.5).fit(sp.csr_matrix(X), y)
    io.save(model, tmp_path / "s.json")
    np.testing.assert_allclose(io.load(tmp_path / "s.json").predict(X), model.predict(X),
                               rtol=1e-12)


def test_read_data_one_hot(tmp_path):
    (tmp_path / "c.csv").write_text("x,colour,y\n1.5,red,1\n2,blue,0\n-1,red,1\n")
    X, y, names = io.read_data(tmp_path / "c.csv", "y", one_hot=True)
    assert names == ["x", "colour=blue", "colour=red"]
    np.testing.assert_array_equal(X, [[1.5, 0, 1], [2, 1, 0], [-1, 0, 1]])
    np.testing.assert_array_equal(y, [1, 0, 1])
    # asked-for categories that this file lacks are zero columns; unknown columns still fail
    X2, _, _ = io.read_data(tmp_path / "c.csv", features=["colour=green", "colour=red"],
                            one_hot=True)
    np.testing.assert_array_equal(X2, [[0, 1], [0, 0], [0, 1]])
    with pytest.raises(ValueError, match="lacks the feature columns: shape=round"):
        io.read_data(tmp_path / "c.csv", features=["shape=round"], one_hot=True)
    with pytest.raises(ValueError, match="column 'colour' is not numeric"):
        io.read_data(tmp_path / "c.csv", "y")
    (tmp_path / "m.csv").write_text("x,colour,y\n1,red,1\n2,,0\n")
    with pytest.raises(ValueError, match="column 'colour' has a missing value at row 2"):
        io.read_data(tmp_path / "m.csv", "y", one_hot=True)
