"""The path: parity with scikit-learn's enet_path, exact alpha_max, interpolation, relax."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import enet_path as sk_enet_path
from sklearn.linear_model import lasso_path as sk_lasso_path

from penalized import Lasso, enet_path, lasso_path, path
from tests.conftest import kkt_violation, make_regression


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("sparse", [False, True])
def test_drop_in_paths_match_sklearn(rng, l1_ratio, sparse):
    X, y = make_regression(rng, 60, 25, rho=0.3)
    Xs = sp.csc_matrix(X) if sparse else X
    # tight: at a gap of tol the coefficients are only known to sqrt(2 gap / curvature)
    kwargs = dict(alphas=30, tol=1e-14, max_iter=1_000_000)
    if l1_ratio == 1.0:
        ref = sk_lasso_path(X, y, **kwargs)
        got = lasso_path(Xs, y, **kwargs)
    else:
        ref = sk_enet_path(X, y, l1_ratio=l1_ratio, **kwargs)
        got = enet_path(Xs, y, l1_ratio=l1_ratio, **kwargs)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-12)
    assert got[1].shape == ref[1].shape == (25, 30)
    np.testing.assert_allclose(got[1], ref[1], atol=1e-6)
    assert (got[2] <= 1e-14 * (y @ y) / len(y)).all()


def test_enet_path_options(rng):
    X, y = make_regression(rng, 40, 10)
    alphas, coefs, gaps, n_iter = lasso_path(X, y, alphas=[0.1, 1.0, 0.5], return_n_iter=True)
    np.testing.assert_array_equal(alphas, [1.0, 0.5, 0.1])  # sorted, as scikit-learn
    assert len(n_iter) == 3 and coefs.shape == (10, 3)
    with pytest.raises(ValueError, match="Unexpected parameters"):
        lasso_path(X, y, bogus=1)
    with pytest.raises(ValueError, match="multi-task"):
        lasso_path(X, np.c_[y, y])


@pytest.mark.parametrize("option", ["plain", "weights", "penalty_factor", "standardize",
                                    "unpenalized",
                                    "bounds", "no_intercept", "sparse"])
def test_alpha_max_is_exact(rng, option):
    X, y = make_regression(rng, 50, 12, rho=0.4)
    X[:, 3] *= 10.0
    kwargs = {}
    if option == "weights":
        kwargs["sample_weight"] = rng.uniform(0.1, 3.0, 50)
    elif option == "penalty_factor":
        kwargs["penalty_factor"] = rng.uniform(0.2, 3.0, 12)
    elif option == "standardize":
        kwargs["standardize"] = True
    elif option == "unpenalized":
        kwargs["penalty_factor"] = np.r_[0.0, 0.0, np.ones(10)]
    elif option == "bounds":
        kwargs["upper_bounds"] = np.zeros(12)  # only negative coefficients allowed
    elif option == "no_intercept":
        kwargs["fit_intercept"] = False
    elif option == "sparse":
        X = sp.csc_matrix(X)
    fitted = path(X, y, n_alphas=3, tol=1e-12, **kwargs)
    top = fitted.alphas[0]
    free = np.asarray(kwargs.get("penalty_factor", np.ones(12))) == 0
    assert (fitted.coefs[0][~free] == 0).all()
    # just below alpha_max some penalized coefficient must move
    below = path(X, y, alphas=[0.999 * top], tol=1e-12, **kwargs)
    assert (below.coefs[0][~free] != 0).any()
    # independent check by the estimator, cold-started: a hair above alpha_max (at alpha_max
    # itself the objective is flat to first order, so only the gap, not exact zeros, is
    # guaranteed from a cold start) and just below it
    est_kwargs = {k: v for k, v in kwargs.items() if k != "sample_weight"}
    fit_kw = {"sample_weight": kwargs["sample_weight"]} if "sample_weight" in kwargs else {}
    above = Lasso(alpha=top * 1.0001, tol=1e-12, max_iter=100_000, **est_kwargs)
    assert (above.fit(X, y, **fit_kw).coef_[~free] == 0).all()
    under = Lasso(alpha=top * 0.999, tol=1e-12, max_iter=100_000, **est_kwargs)
    assert (under.fit(X, y, **fit_kw).coef_[~free] != 0).any()


def test_path_is_certified_and_matches_kkt(rng):
    X, y = make_regression(rng, 80, 40, rho=0.5)
    w = rng.uniform(0.5, 2.0, 80)
    fitted = path(X, y, 0.7, sample_weight=w, tol=1e-12, n_alphas=20)
    assert fitted.converged.all()
    for alpha, coef, b0 in zip(fitted.alphas, fitted.coefs, fitted.intercepts, strict=True):
        assert kkt_violation(X, y, coef, b0, alpha, 0.7, sample_weight=w) < 1e-5
    assert fitted.n_nonzero[0] == 0 and fitted.n_nonzero[-1] > 10
    assert np.all(np.diff(fitted.alphas) < 0)


def test_dev_ratio_is_weighted_r2(rng):
    X, y = make_regression(rng, 70, 8)
    w = rng.uniform(0.5, 2.0, 70)
    fitted = path(X, y, sample_weight=w, n_alphas=10, tol=1e-12)
    pred = fitted.predict(X)
    ybar = w @ y / w.sum()
    expected = 1 - (w @ (y[:, None] - pred) ** 2) / (w @ (y - ybar) ** 2)
    np.testing.assert_allclose(fitted.dev_ratio, expected, atol=1e-8)
    assert fitted.dev_ratio[0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("family", ["binomial", "poisson", "multinomial"])
@pytest.mark.parametrize("sparse", [False, True])
def test_glm_dev_ratio_is_one_minus_deviance_over_null(rng, family, sparse):
    """glmnet's dev.ratio from each solution's linear predictor over all of X, against the
    first alpha's (the null model: no feature selected)."""
    n, p = 150, 40
    X = rng.standard_normal((n, p)) * (rng.random((n, p)) < 0.3)
    w = rng.uniform(0.5, 2.0, n)
    eta = X[:, :4] @ np.array([1.0, -1.0, 0.5, 0.8])
    kw = {}
    if family == "binomial":
        y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
        kw["offset"] = rng.normal(0, 0.3, n)
    elif family == "poisson":
        y = rng.poisson(np.exp(0.5 * eta)).astype(float)
        kw["offset"] = rng.normal(0, 0.3, n)
    else:
        y = np.digitize(eta + rng.normal(0, 0.5, n), [-0.5, 0.5])
    fitted = path(sp.csc_matrix(X) if sparse else X, y, family=family, sample_weight=w,
                  n_alphas=15, tol=1e-8, **kw)
    off = kw.get("offset", 0.0)

    def deviance(k):
        coef, b0 = fitted.coefs[k], fitted.intercepts[k]
        if family == "multinomial":
            lin = b0 + X @ coef.T
            top = lin.max(1)
            lse = top + np.log(np.exp(lin - top[:, None]).sum(1))
            return 2 * w @ (lse - lin[np.arange(n), y])
        lin = off + b0 + X @ coef
        if family == "binomial":
            return 2 * w @ (np.logaddexp(0, lin) - y * lin)
        mu = np.exp(lin)
        return 2 * w @ (np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / mu), 0) - (y - mu))

    assert not fitted.coefs[0].any() and fitted.coefs[-1].any()
    dev = np.array([deviance(k) for k in range(len(fitted.alphas))])
    np.testing.assert_allclose(fitted.dev_ratio, 1 - dev / dev[0], atol=1e-8)


def test_default_grid_follows_glmnet(rng):
    X, y = make_regression(rng, 50, 10)
    tall = path(X, y)
    assert len(tall.alphas) == 100
    assert tall.alphas[-1] / tall.alphas[0] == pytest.approx(1e-4)
    wide = path(X[:8], y[:8])
    assert wide.alphas[-1] / wide.alphas[0] == pytest.approx(1e-2)
    ridge = path(X, y, 0.0, n_alphas=5)
    lasso = path(X, y, 1.0, n_alphas=5)
    assert ridge.alphas[0] == pytest.approx(lasso.alphas[0] / 1e-3)


def test_coef_at_interpolates_between_grid_points(rng):
    X, y = make_regression(rng, 50, 10)
    fitted = path(X, y, n_alphas=10)
    a0, a1 = fitted.alphas[3], fitted.alphas[4]
    mid = 0.25 * a0 + 0.75 * a1
    coef, b0 = fitted.coef_at(mid)
    np.testing.assert_allclose(coef, 0.25 * fitted.coefs[3] + 0.75 * fitted.coefs[4])
    assert b0 == pytest.approx(0.25 * fitted.intercepts[3] + 0.75 * fitted.intercepts[4])
    np.testing.assert_array_equal(fitted.coef_at(10 * fitted.alphas[0])[0], fitted.coefs[0])
    np.testing.assert_array_equal(fitted.coef_at(0.0)[0], fitted.coefs[-1])
    many, _ = fitted.coef_at(fitted.alphas)
    np.testing.assert_allclose(many, fitted.coefs)
    np.testing.assert_allclose(fitted.predict(X, mid), X @ coef + b0)
    np.testing.assert_allclose(fitted.predict(X), X @ fitted.coefs.T + fitted.intercepts)
    np.testing.assert_allclose(fitted.predict(X, fitted.alphas[[2, 5]]),
                               X @ fitted.coefs[[2, 5]].T + fitted.intercepts[[2, 5]])
    with pytest.raises(ValueError, match="X must have shape"):
        fitted.predict(X[:, :3], mid)


def test_relaxed_fits_are_least_squares_on_the_active_set(rng):
    X, y = make_regression(rng, 60, 15, rho=0.3)
    fitted = path(X, y, relax=True, n_alphas=15, tol=1e-12)
    for coef, relaxed, b0 in zip(fitted.coefs, fitted.relaxed_coefs, fitted.relaxed_intercepts,
                                 strict=True):
        active = np.flatnonzero(coef)
        np.testing.assert_array_equal(np.flatnonzero(relaxed), active)
        A = np.c_[np.ones(60), X[:, active]]
        ols = np.linalg.lstsq(A, y, rcond=None)[0]
        np.testing.assert_allclose(relaxed[active], ols[1:], atol=1e-8)
        assert b0 == pytest.approx(ols[0], abs=1e-8)
    k = 7
    blend, _ = fitted.coef_at(fitted.alphas[k], gamma=0.5)
    np.testing.assert_allclose(blend, 0.5 * fitted.coefs[k] + 0.5 * fitted.relaxed_coefs[k])
    with pytest.raises(ValueError, match="relax=True"):
        path(X, y, n_alphas=3).coef_at(0.1, gamma=0.5)


def test_relaxed_fit_keeps_bounds(rng):
    X, y = make_regression(rng, 60, 8)
    fitted = path(X, y, relax=True, n_alphas=10, upper_bounds=0.5, tol=1e-10)
    assert (fitted.relaxed_coefs <= 0.5 + 1e-12).all()


def test_user_alphas_are_sorted(rng):
    X, y = make_regression(rng, 30, 5)
    fitted = path(X, y, alphas=[0.01, 1.0, 0.1])
    np.testing.assert_array_equal(fitted.alphas, [1.0, 0.1, 0.01])


@pytest.mark.parametrize("kwargs, match", [
    ({"alphas": [0.1, -1.0]}, "alphas must be finite and > 0"),
    ({"alphas": [np.inf]}, "alphas must be finite and > 0"),
    ({"alphas": []}, "non-empty"),
    ({"eps": 1.5}, "'eps' parameter"),
    ({"eps": 0.0}, "'eps' parameter"),
    ({"l1_ratio": 2.0}, "'l1_ratio' parameter"),
    ({"n_alphas": 0}, "'n_alphas' parameter"),
    ({"tol": -1.0}, "'tol' parameter"),
    ({"family": "gamma"}, "family must be one of"),
    ({"family": "binomial"}, r"y in \{0, 1\}"),
    ({"offset": np.zeros(20)}, "offset is for the binomial and poisson"),
])
def test_bad_path_input(rng, kwargs, match):
    X, y = make_regression(rng, 20, 4)
    with pytest.raises(ValueError, match=match):
        path(X, y, **kwargs)


def test_offset_must_match_the_samples(rng):
    X, _ = make_regression(rng, 20, 4)
    counts = rng.poisson(2.0, 20)
    with pytest.raises(ValueError, match="offset must be a scalar or have shape"):
        path(X, counts, family="poisson", offset=[1.0, 2.0])


def test_nan_in_X_is_rejected(rng):
    X, y = make_regression(rng, 20, 4)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        path(X, y)


def test_constant_y_gives_the_zero_path_with_a_warning(rng):
    X, _ = make_regression(rng, 20, 4)
    with pytest.warns(UserWarning, match="alpha_max is 0"):
        fitted = path(X, np.full(20, 3.0), n_alphas=5)
    assert (fitted.coefs == 0).all()
    np.testing.assert_allclose(fitted.intercepts, 3.0)
    assert np.isfinite(fitted.alphas).all() and np.isfinite(fitted.dev_ratio).all()


def test_feature_names_are_kept(rng):
    pd = pytest.importorskip("pandas")
    X, y = make_regression(rng, 30, 3)
    fitted = path(pd.DataFrame(X, columns=["a", "b", "c"]), y, n_alphas=3)
    assert list(fitted.feature_names) == ["a", "b", "c"]


def test_no_convergence_warning_at_default_tolerance(rng):
    X, y = make_regression(rng, 100, 300, rho=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted = path(X, y, n_alphas=30)
    assert fitted.converged.all()
