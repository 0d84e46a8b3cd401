"""Fuzzing the input boundary: estimators, `path`, model files, data files and the CLI.

Hypothesis generates hostile inputs (odd shapes and dtypes, NaN/inf, sparse formats,
corrupted JSON, random bytes as CSV) and each target must either succeed with a finite
answer or raise a clear ValueError/TypeError -- never another exception, a crash or a hang.
CI runs PENALIZED_FUZZ_EXAMPLES (default 150) examples per target; run longer by hand:

    PENALIZED_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py --hypothesis-show-statistics
"""

import json
import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from penalized import ElasticNet, Lasso, LogisticRegression, PoissonRegressor, Ridge, io, path
from penalized.cli import main

EXAMPLES = int(os.environ.get("PENALIZED_FUZZ_EXAMPLES", "150"))
fuzz = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.function_scoped_fixture])
CLEAR = (ValueError, TypeError)

SPECIAL = st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, 1e300, 1e308, np.nan, np.inf, -np.inf,
                           3.0, 0.5])
DTYPES = ["float64", "float32", "int64", "int8", "uint8", "bool", "complex128", "object",
          "U3", "float16"]


@st.composite
def arrays(draw, n=None, p=None):
    n = draw(st.integers(0, 6)) if n is None else n
    p = draw(st.integers(0, 5)) if p is None else p
    values = draw(st.lists(st.one_of(st.floats(-1e6, 1e6), SPECIAL), min_size=n * p,
                           max_size=n * p))
    a = np.array(values, dtype=np.float64).reshape(n, p)
    dtype = draw(st.sampled_from(DTYPES))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = a.astype(dtype)
    form = draw(st.sampled_from(["dense", "fortran", "csr", "csc", "coo", "list", "1d",
                                 "readonly", "strided"]))
    if form == "fortran":
        return np.asfortranarray(a)
    if form in ("csr", "csc", "coo") and a.dtype.kind in "biufc" and a.dtype != np.float16:
        return {"csr": sp.csr_matrix, "csc": sp.csc_matrix, "coo": sp.coo_matrix}[form](a)
    if form == "list":
        return a.tolist()
    if form == "1d":
        return a.ravel()
    if form == "readonly":
        a.setflags(write=False)
        return a
    if form == "strided" and p > 1:
        return np.repeat(a, 2, axis=1)[:, ::2]
    return a


def targets(draw, n):
    kind = draw(st.sampled_from(["float", "int", "labels", "short", "2d", "nan", "str"]))
    if kind == "short":
        n = max(n - 1, 0)
    values = np.array(draw(st.lists(st.floats(-10, 10), min_size=n, max_size=n)), dtype=float)
    if kind == "int":
        return np.round(np.abs(values)).astype(int)
    if kind == "labels":
        return (values > 0).astype(int)
    if kind == "2d":
        return np.column_stack([values, values])
    if kind == "nan" and n:
        values[0] = np.nan
    if kind == "str":
        return values.astype(str)
    return values


MODELS = [
    lambda: Lasso(alpha=0.1), lambda: ElasticNet(alpha=0.1, l1_ratio=0.5, standardize=True),
    lambda: Ridge(alpha=1.0), lambda: LogisticRegression(C=1.0, l1_ratio=1.0),
    lambda: PoissonRegressor(alpha=0.1), lambda: Lasso(alpha=0.1, positive=True),
]


def finite_fit(model):
    coef = np.asarray(model.coef_, dtype=np.float64)
    assert np.isfinite(coef).all(), model
    assert np.isfinite(np.asarray(model.intercept_, dtype=np.float64)).all(), model


@fuzz
@given(data=st.data())
def test_estimators_on_hostile_arrays(data):
    X = data.draw(arrays())
    n = np.shape(X)[0] if np.ndim(X) or sp.issparse(X) else 0
    y = targets(data.draw, n)
    model = data.draw(st.sampled_from(MODELS))()
    weight = data.draw(st.sampled_from([None, "negative", "zeros", "nan", "ok"]))
    sw = {None: None, "negative": -np.ones(n), "zeros": np.zeros(n),
          "nan": np.full(n, np.nan), "ok": np.linspace(0.5, 2, n)}[weight]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(X, y, sample_weight=sw)
        except CLEAR as exc:
            event(f"refused: {type(exc).__name__}")
            return
    event("fitted")
    finite_fit(model)


@fuzz
@given(data=st.data())
def test_path_on_hostile_arrays(data):
    X = data.draw(arrays())
    n = np.shape(X)[0] if np.ndim(X) or sp.issparse(X) else 0
    y = targets(data.draw, n)
    family = data.draw(st.sampled_from(["gaussian", "binomial", "poisson", "multinomial"]))
    kwargs = data.draw(st.sampled_from([
        {}, {"n_alphas": 3}, {"alphas": [1.0, 0.1]}, {"alphas": [-1.0]}, {"eps": 2.0},
        {"penalty_factor": np.array([np.nan])}, {"lower_bounds": 1.0}, {"standardize": True},
        {"l1_ratio": 0.0, "n_alphas": 3}, {"tol": 0.0},
    ]))
    kwargs.setdefault("n_alphas", 4)
    if "alphas" in kwargs:
        kwargs.pop("n_alphas")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fitted = path(X, y, family=family, **kwargs)
        except CLEAR as exc:
            event(f"refused: {type(exc).__name__}")
            return
    event("fitted")
    assert np.isfinite(fitted.coefs).all() and np.isfinite(fitted.intercepts).all()


@pytest.fixture(scope="module")
def model_document(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    target = tmp_path_factory.mktemp("fuzz") / "model.json"
    io.save(Lasso(alpha=0.05).fit(X, X @ [1.0, 0.0, -2.0]), target)
    return json.loads(target.read_text())


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False,
                                                                          allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=12,
)


def _mutate(document, draw):
    """Replace or delete one field at a random depth of the (nested) document."""
    doc = json.loads(json.dumps(document))
    node = doc
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return doc
        key = draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            node = child
            continue
        action = draw(st.sampled_from(["replace", "delete"]))
        if action == "delete" and isinstance(node, dict):
            del node[key]
        else:
            node[key] = draw(JSON_VALUES)
        return doc


@fuzz
@given(data=st.data())
def test_model_files_load_or_refuse(model_document, tmp_path_factory, data):
    document = model_document
    for _ in range(data.draw(st.integers(1, 3))):
        document = _mutate(document, data.draw)
    target = tmp_path_factory.getbasetemp() / "fuzz-model.json"
    target.write_text(json.dumps(document))
    try:
        model = io.load(target)
    except io.ModelFileError:
        event("refused")
        return
    event("loaded")
    X = np.ones((2, model.n_features_in_))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isfinite(np.asarray(model.predict(X), dtype=float)).all()


NUMBER = st.one_of(st.floats(-1e3, 1e3).map(repr), st.integers(-5, 5).map(str))
WELL_FORMED = st.integers(1, 8).flatmap(lambda n: st.lists(
    st.lists(NUMBER | st.sampled_from(["", "nan", "x"]), min_size=3, max_size=3),
    min_size=n, max_size=n)).map(lambda rows: ("a,b,y\n" + "\n".join(
        ",".join(r) for r in rows)).encode())
CSV_TEXT = st.one_of(
    WELL_FORMED,
    st.integers(1, 8).flatmap(lambda n: st.lists(st.lists(NUMBER, min_size=3, max_size=3),
                                                 min_size=n, max_size=n))
    .map(lambda rows: ("a,b,y\n" + "\n".join(",".join(r) for r in rows)).encode()),
    st.binary(max_size=200),
    st.lists(st.lists(st.sampled_from(["1", "2.5", "-3e2", "", "nan", "inf", "x", "a", "y",
                                       '"q,1"', " 4 ", "1e400", "0x10", "\t"]),
                      min_size=1, max_size=4), min_size=1, max_size=6)
    .map(lambda rows: "\n".join(",".join(r) for r in rows).encode()),
)


@fuzz
@given(content=CSV_TEXT, target=st.sampled_from([None, "a", "y", "missing"]))
def test_data_files_read_or_refuse(tmp_path_factory, content, target):
    path_ = tmp_path_factory.getbasetemp() / "fuzz.csv"
    path_.write_bytes(content)
    try:
        X, y, names = io.read_data(path_, target)
    except ValueError:
        event("refused")
        return
    event("read")
    assert X.dtype == np.float64 and np.isfinite(X).all() and X.shape[1] == len(names)


@settings(parent=fuzz, max_examples=max(EXAMPLES // 5, 10))
@given(content=CSV_TEXT, model=st.sampled_from(["lasso", "ridge", "logistic", "poisson"]))
def test_cli_fit_exits_cleanly(tmp_path_factory, capsys, content, model):
    path_ = tmp_path_factory.getbasetemp() / "cli.csv"
    path_.write_bytes(content)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["fit", str(path_), "--target", "a", "--model", model])
    assert code in (0, 1)
    if code == 1:
        assert "penalized: error:" in capsys.readouterr().err
