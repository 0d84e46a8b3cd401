"""Every documented bad input raises a clear error naming the problem."""

import numpy as np
import pytest
import scipy.sparse as sp

from penalized import ElasticNet, Lasso, Ridge
from penalized._validation import InvalidParameterError


@pytest.fixture
def data(rng):
    return rng.standard_normal((20, 4)), rng.standard_normal(20)


@pytest.mark.parametrize("Est", [Lasso, ElasticNet, Ridge])
@pytest.mark.parametrize("where", ["X", "y"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_data(data, Est, where, bad):
    X, y = data
    X, y = X.copy(), y.copy()
    (X if where == "X" else y).flat[3] = bad
    with pytest.raises(ValueError, match=f"Input {where} contains|{where} contains"):
        Est().fit(X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -1.0])
def test_bad_sample_weight(data, bad):
    X, y = data
    sw = np.ones(20)
    sw[2] = bad
    with pytest.raises(ValueError, match="sample_weight"):
        Lasso().fit(X, y, sample_weight=sw)


def test_mismatched_lengths(data):
    X, y = data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Lasso().fit(X, y[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        Lasso().fit(X, y, sample_weight=np.ones(19))


def test_empty_and_wrong_dimensions(data):
    with pytest.raises(ValueError, match="0 sample"):
        Lasso().fit(np.empty((0, 3)), np.empty(0))
    with pytest.raises(ValueError, match="0 feature"):
        Lasso().fit(np.empty((5, 0)), np.ones(5))
    with pytest.raises(ValueError, match="2D array"):
        Lasso().fit(np.ones(5), np.ones(5))


def test_dtypes(data):
    X, y = data
    with pytest.raises(ValueError, match="[Cc]omplex"):
        Lasso().fit(X.astype(complex), y)
    with pytest.raises(ValueError, match="could not convert|convert"):
        Lasso().fit(np.array([["a", "b"]] * 20, dtype=object), y)
    ints = Lasso(alpha=0.1).fit((X * 10).astype(int), y)  # converted, as scikit-learn does
    assert ints.coef_.dtype == np.float64


@pytest.mark.parametrize("params,match", [
    (dict(alpha=-1.0), "'alpha' parameter"),
    (dict(alpha=np.nan), "'alpha' parameter"),
    (dict(alpha="big"), "'alpha' parameter"),
    (dict(l1_ratio=1.5), "'l1_ratio' parameter"),
    (dict(max_iter=0), "'max_iter' parameter"),
    (dict(tol=-1e-3), "'tol' parameter"),
    (dict(selection="sideways"), "'selection' parameter"),
    (dict(precompute="yes"), "'precompute' parameter"),
])
def test_invalid_parameters(data, params, match):
    X, y = data
    with pytest.raises(InvalidParameterError, match=match):
        ElasticNet(**params).fit(X, y)


def test_ridge_alpha_checks(data):
    X, y = data
    with pytest.raises(InvalidParameterError, match="'alpha' parameter"):
        Ridge(alpha=-2.0).fit(X, y)
    with pytest.raises(ValueError, match="alpha must be finite"):
        Ridge(alpha=np.array([np.inf])).fit(X, y)
    with pytest.raises(ValueError, match="Number of targets and number of penalties"):
        Ridge(alpha=np.array([1.0, 2.0, 3.0])).fit(X, y)


def test_bounds_and_penalty_factor(data):
    X, y = data
    with pytest.raises(ValueError, match="lower_bounds\\[1\\] = 2.0 is above upper_bounds"):
        Lasso(lower_bounds=[0, 2.0, 0, 0], upper_bounds=[1, 1, 1, 1]).fit(X, y)
    with pytest.raises(ValueError, match="lower_bounds must be <= 0"):
        Lasso(lower_bounds=[0, 0.5, 0, 0]).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'upper_bounds' parameter"):
        Lasso(upper_bounds=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="penalty_factor must be finite and >= 0"):
        Lasso(penalty_factor=[1, -1, 1, 1]).fit(X, y)
    with pytest.raises(ValueError, match="penalty_factor must be a scalar or have shape \\(4,\\)"):
        Lasso(penalty_factor=[1, 1]).fit(X, y)
    with pytest.raises(ValueError, match="penalty_factor contains NaN"):
        Lasso(penalty_factor=[1, np.nan, 1, 1]).fit(X, y)
    with pytest.raises(TypeError, match="lower_bounds must be numeric"):
        Lasso(lower_bounds=["a"] * 4).fit(X, y)


def test_non_contiguous_and_read_only_arrays_are_accepted(data):
    X, y = data
    wide = np.repeat(X, 2, axis=1)[:, ::2]  # a strided, non-contiguous view equal to X
    assert not wide.flags.f_contiguous and not wide.flags.c_contiguous
    ro = np.asfortranarray(X)
    ro.setflags(write=False)
    ref = Lasso(alpha=0.05, precompute=False).fit(X, y).coef_
    np.testing.assert_allclose(Lasso(alpha=0.05, precompute=False).fit(wide, y).coef_, ref)
    np.testing.assert_allclose(Lasso(alpha=0.05, precompute=False).fit(ro, y).coef_, ref)


def test_check_input_false_still_guards_the_kernel(data):
    X, y = data
    with pytest.raises(TypeError, match="check_input=False"):
        Lasso().fit(X.astype(np.int64), y, check_input=False)
    with pytest.raises(TypeError, match="check_input=False"):
        Lasso().fit(X.ravel(), y, check_input=False)
    ok = Lasso(alpha=0.05).fit(np.asfortranarray(X), y, check_input=False)
    assert ok.coef_.shape == (4,)


def test_user_gram_must_match(data):
    X, y = data
    with pytest.raises(ValueError, match="shape \\(4, 4\\)"):
        Lasso(precompute=np.eye(3)).fit(X, y)
    with pytest.raises(ValueError, match="does not match X"):
        Lasso(precompute=np.eye(4)).fit(X, y)
    Xc = X - X.mean(0)
    good = Lasso(alpha=0.05, precompute=Xc.T @ Xc / 20, tol=1e-12).fit(X, y)
    ref = Lasso(alpha=0.05, precompute=False, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(good.coef_, ref.coef_, rtol=1e-8, atol=1e-10)


def test_sparse_formats_are_converted(data):
    X, y = data
    X[np.abs(X) < 0.5] = 0
    ref = Lasso(alpha=0.05, tol=1e-12).fit(X, y).coef_
    for fmt in ("csr", "coo", "lil", "dok"):
        Xf = sp.csc_matrix(X).asformat(fmt)
        coef = Lasso(alpha=0.05, tol=1e-12).fit(Xf, y).coef_
        np.testing.assert_allclose(coef, ref, rtol=1e-6, atol=1e-8)


def test_values_whose_squares_overflow_are_refused():
    """Found by tests/test_fuzz.py: X = [[0], [1e300]] gave NaN coefficients on the path."""
    from penalized import LogisticRegression, path

    huge_x = np.array([[0.0], [1e300], [2.0]])
    with pytest.raises(ValueError, match="X has values too large"):
        path(huge_x, np.array([0.0, 1.0, 0.5]))
    with pytest.raises(ValueError, match="X has values too large"):
        LogisticRegression().fit(huge_x, [0, 1, 0])
    with pytest.raises(ValueError, match="y has values too large"):
        Lasso().fit(np.array([[0.0], [1.0], [2.0]]), np.array([0.0, 1e300, -1e300]))
    # large but safe scales still fit, finitely
    fitted = Lasso(alpha=1e-3).fit(huge_x * 1e-160, np.array([0.0, 1.0, 0.5]))
    assert np.isfinite(fitted.coef_).all()


@pytest.mark.parametrize("labels", [
    np.array([0, 1, 1, 0, 1]),
    np.array([3, -1, 7, 3, 7], dtype=np.int8),
    np.array([True, False, True, True, False]),
    np.array([2.0, 0.0, 1.0, 2.0, 1.0]),
    np.array(["b", "a", "c", "a", "b"]),
    np.array(["spam", "ham", "ham", "spam", "ham"], dtype=object),
])
def test_class_codes_match_scikit_learn(labels):
    from sklearn.preprocessing import LabelEncoder

    from penalized._validation import class_codes
    classes, codes = class_codes(labels)
    encoder = LabelEncoder().fit(labels)
    np.testing.assert_array_equal(classes, encoder.classes_)
    assert classes.dtype == encoder.classes_.dtype
    np.testing.assert_array_equal(codes, encoder.transform(labels))
    np.testing.assert_array_equal(classes[codes], labels)


@pytest.mark.parametrize("labels", [np.array([0.5, 1.0, 0.0, 1.0]),
                                    np.array([0.0, 1.0, 1e-9, 1.0])])
def test_class_codes_refuse_continuous_labels(labels):
    from sklearn.utils.multiclass import check_classification_targets

    from penalized._validation import class_codes
    with pytest.raises(ValueError, match="Unknown label type: continuous") as ours:
        class_codes(labels)
    with pytest.raises(ValueError) as theirs:
        check_classification_targets(labels)
    assert str(ours.value) == str(theirs.value)
