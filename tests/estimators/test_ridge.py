"""Ridge and RidgeCV against scikit-learn, the normal equations and brute-force refits."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from numpy.testing import assert_allclose
from sklearn.model_selection import KFold

from penalized import Ridge, RidgeCV
from penalized.ridge import ridge_loo
from tests.conftest import kkt_violation, make_regression


def _normal_equations(X, y, alpha, sw=None):
    """Closed form of min ||y - Xb - b0||_sw^2 + alpha ||b||^2, computed independently."""
    sw = np.ones(len(y)) if sw is None else sw
    xm, ym = sw @ X / sw.sum(), sw @ y / sw.sum()
    Xc, yc = X - xm, y - ym
    coef = np.linalg.solve(Xc.T @ (sw[:, None] * Xc) + alpha * np.eye(X.shape[1]),
                           Xc.T @ (sw * yc))
    return coef, ym - xm @ coef


@pytest.mark.parametrize("shape", [(100, 10), (30, 80)])
@pytest.mark.parametrize("solver", ["auto", "svd", "cholesky", "lsqr"])
def test_matches_normal_equations_and_sklearn(rng, shape, solver):
    X, y = make_regression(rng, *shape)
    sw = rng.uniform(0.5, 2.0, shape[0])
    ours = Ridge(alpha=2.0, solver=solver).fit(X, y, sample_weight=sw)
    coef, intercept = _normal_equations(X, y, 2.0, sw)
    assert_allclose(ours.coef_, coef, rtol=1e-7, atol=1e-9)
    assert_allclose(ours.intercept_, intercept, rtol=1e-7)
    ref = sk.Ridge(alpha=2.0, solver="svd").fit(X, y, sample_weight=sw)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    assert (ours.coef_ != 0).all()


def test_sparse_input_equals_dense(rng):
    X, y = make_regression(rng, 150, 40)
    X[rng.random(X.shape) < 0.8] = 0
    dense = Ridge(alpha=1.5).fit(X, y)
    sparse = Ridge(alpha=1.5).fit(sp.csr_matrix(X), y)
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-8)
    assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-8)


def test_multi_target_with_per_target_alpha(rng):
    X, y = make_regression(rng, 60, 8)
    Y = np.column_stack([y, y ** 2])
    ours = Ridge(alpha=np.array([0.5, 5.0])).fit(X, Y)
    for k, alpha in enumerate([0.5, 5.0]):
        coef, intercept = _normal_equations(X, Y[:, k], alpha)
        assert_allclose(ours.coef_[k], coef, rtol=1e-7)
        assert_allclose(ours.intercept_[k], intercept, rtol=1e-7)


def test_rank_deficient_design_is_stable(rng):
    X, y = make_regression(rng, 50, 5)
    X = np.column_stack([X, X[:, 0], X[:, 1] * 2.0])
    ours = Ridge(alpha=1e-8).fit(X, y)
    ref = sk.Ridge(alpha=1e-8, solver="svd").fit(X, y)
    assert np.isfinite(ours.coef_).all()
    assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-6)
    zero = Ridge(alpha=0.0).fit(X, y)  # min-norm least squares through the SVD
    assert_allclose(zero.predict(X), np.linalg.lstsq(np.column_stack([X, np.ones(50)]), y,
                                                     rcond=None)[0] @ np.column_stack(
        [X, np.ones(50)]).T, rtol=1e-6)


def test_ridge_scales_orthonormal_least_squares(rng):
    n = 40
    Q, _ = np.linalg.qr(rng.standard_normal((n, 4)))
    y = rng.standard_normal(n)
    ours = Ridge(alpha=3.0, fit_intercept=False).fit(Q, y)
    assert_allclose(ours.coef_, (Q.T @ y) / (1 + 3.0), rtol=1e-10)


def test_positive_and_bounds_use_cd(rng):
    X, y = make_regression(rng, 80, 6)
    ours = Ridge(alpha=1.0, positive=True).fit(X, y)
    ref = sk.Ridge(alpha=1.0, positive=True).fit(X, y)
    assert ours.solver_ == "cd" and (ours.coef_ >= 0).all() and (ours.coef_ == 0).any()
    # scikit-learn's lbfgs stops early (tol 1e-4): ours must be at least as good and optimal.
    def objective(m):
        return np.sum((y - m.predict(X)) ** 2) + 1.0 * m.coef_ @ m.coef_
    assert objective(ours) <= objective(ref) + 1e-10
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-2, atol=1e-3)
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, 1.0 / len(y), 0.0, lower=0.0) < 1e-7
    with pytest.raises(ValueError, match="does not support positive"):
        Ridge(positive=True, solver="svd").fit(X, y)


def test_wide_sparse_uses_lsqr(rng):
    X = sp.random(100, 2500, density=0.01, random_state=0, format="csr")
    y = rng.standard_normal(100)
    ours = Ridge(alpha=1.0).fit(X, y)
    assert ours.solver_ == "lsqr" and ours.n_iter_ is not None
    ref = sk.Ridge(alpha=1.0, solver="lsqr", tol=1e-10).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-7)


def test_standardize_and_penalty_factor(rng):
    X, y = make_regression(rng, 90, 5)
    X = X * np.array([1.0, 10.0, 0.1, 5.0, 2.0])
    ours = Ridge(alpha=3.0, standardize=True).fit(X, y)
    std = X.std(0)
    ref = sk.Ridge(alpha=3.0).fit(X / std, y)
    assert_allclose(ours.coef_, ref.coef_ / std, rtol=1e-7)
    free = Ridge(alpha=5.0, penalty_factor=[0, 1, 1, 1, 1]).fit(X, y)
    # An unpenalized column: its normal equation has no penalty term.
    r = y - free.predict(X)
    assert abs(X[:, 0] @ r) < 1e-6 * np.abs(X[:, 0]).sum()


# ---- RidgeCV ----------------------------------------------------------------------------------

ALPHAS = (0.01, 0.1, 1.0, 10.0, 100.0, 1e4)


def _targets(rng, X, y, multi):
    """One target, or three with very different signal-to-noise (so their best alphas differ)."""
    if not multi:
        return y
    dense = X @ rng.standard_normal(X.shape[1]) + 0.1 * rng.standard_normal(len(y))
    return np.column_stack([dense, y, rng.standard_normal(len(y))])


def _brute_force_loo(X, y, alpha, sw=None, fit_intercept=True):
    """y_i - prediction of Ridge refitted without sample i, for every i (plain refits)."""
    n = X.shape[0]
    sw = np.ones(n) if sw is None else sw
    errors = np.empty(y.shape)
    for i in range(n):
        keep = np.arange(n) != i
        model = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(
            X[keep], y[keep], sample_weight=sw[keep])
        errors[i] = y[i] - model.predict(X[i:i + 1])[0]
    return errors


@pytest.mark.parametrize("shape", [(40, 6), (12, 30)])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("targets", ["one", "multi", "per_target"])
def test_ridgecv_loo_matches_sklearn(rng, shape, fit_intercept, weighted, targets):
    X, y = make_regression(rng, *shape)
    Y = _targets(rng, X, y, targets != "one")
    sw = rng.uniform(0.5, 2.0, shape[0]) if weighted else None
    kwargs = dict(alphas=ALPHAS, fit_intercept=fit_intercept, store_cv_results=True,
                  alpha_per_target=targets == "per_target")
    ours = RidgeCV(**kwargs).fit(X, Y, sample_weight=sw)
    ref = sk.RidgeCV(**kwargs).fit(X, Y, sample_weight=sw)
    for name in ("coef_", "intercept_", "alpha_", "best_score_", "cv_results_"):
        assert np.shape(getattr(ours, name)) == np.shape(getattr(ref, name)), name
        assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-6, atol=1e-12,
                        err_msg=name)
    if targets == "per_target":  # the targets really chose different alphas
        assert len(set(ours.alpha_)) > 1


@pytest.mark.parametrize("gcv_mode", ["eigen", "svd"])
@pytest.mark.parametrize("shape", [(40, 6), (12, 30)])
def test_ridgecv_sparse_gcv_mode_and_scoring_match_sklearn(rng, gcv_mode, shape):
    X, y = make_regression(rng, *shape)
    X[rng.random(X.shape) < 0.5] = 0.0
    sw = rng.uniform(0.5, 2.0, shape[0])
    for data in (X, sp.csr_matrix(X)):
        for scoring in (None, "neg_mean_absolute_error"):
            kwargs = dict(alphas=ALPHAS, scoring=scoring, gcv_mode=gcv_mode,
                          store_cv_results=True)
            with warnings.catch_warnings():
                # scikit-learn's (and our) FutureWarning: svd falls back to eigen on sparse X
                warnings.simplefilter("ignore", FutureWarning)
                ours = RidgeCV(**kwargs).fit(data, y, sample_weight=sw)
                ref = sk.RidgeCV(**kwargs).fit(data, y, sample_weight=sw)
            assert ours.alpha_ == ref.alpha_
            for name in ("coef_", "intercept_", "best_score_", "cv_results_"):
                assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-6,
                                err_msg=name)
    with pytest.warns(FutureWarning, match="'svd' mode is not supported for sparse X"):
        RidgeCV(gcv_mode="svd").fit(sp.csr_matrix(X), y)


def test_ridgecv_with_cv_matches_sklearn_grid_search(rng):
    X, y = make_regression(rng, 50, 8, noise=3.0)
    sw = rng.uniform(0.5, 2.0, 50)
    for cv in (3, KFold(4, shuffle=True, random_state=0)):
        ours = RidgeCV(alphas=(0.0,) + ALPHAS, cv=cv).fit(X, y, sample_weight=sw)
        ref = sk.RidgeCV(alphas=(0.0,) + ALPHAS, cv=cv).fit(X, y, sample_weight=sw)
        assert ours.alpha_ == ref.alpha_
        assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-6)
        assert_allclose(ours.coef_, ref.coef_, rtol=1e-6)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6)
    with pytest.raises(ValueError, match="store_cv_results=True are incompatible"):
        RidgeCV(cv=3, store_cv_results=True).fit(X, y)


@pytest.mark.parametrize("shape", [(15, 4), (9, 20)])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_loo_equals_brute_force_refits(rng, shape, fit_intercept):
    X, y = make_regression(rng, *shape)
    Y = np.column_stack([y, rng.standard_normal(shape[0])])
    sw = rng.uniform(0.5, 2.0, shape[0])
    sw[3] = 0.0  # a sample that does not move the fit: its LOO error is its residual
    alphas = (0.05, 1.0, 20.0)
    for data, mode in ((X, "auto"), (X, "svd"), (sp.csc_matrix(X), "eigen")):
        path = ridge_loo(data, Y, alphas, sample_weight=sw, fit_intercept=fit_intercept,
                         mode=mode)
        for a, alpha in enumerate(alphas):
            expected = _brute_force_loo(X, Y, alpha, sw, fit_intercept)
            assert_allclose(path.errors[:, :, a], expected, rtol=1e-8, atol=1e-10)
            full = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, Y, sample_weight=sw)
            assert_allclose(path.coefs[a], full.coef_, rtol=1e-8, atol=1e-12)
            assert_allclose(path.intercepts[a], full.intercept_, rtol=1e-8, atol=1e-12)
    # The estimator reports the same errors, weighted as scikit-learn: sw_i e_i^2.
    est = RidgeCV(alphas=alphas, fit_intercept=fit_intercept, store_cv_results=True).fit(
        X, y, sample_weight=sw)
    brute = np.column_stack([_brute_force_loo(X, y, a, sw, fit_intercept) for a in alphas])
    assert_allclose(est.cv_results_, sw[:, None] * brute**2, rtol=1e-8, atol=1e-12)
    assert_allclose(est.loo_mse_, (sw[:, None] * brute**2).mean(axis=0), rtol=1e-8)


def _loo_normal_equations(X, y, alpha):
    """Leave-one-out errors from refits by the normal equations (plain numpy, unweighted)."""
    errors = np.empty(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        coef, intercept = _normal_equations(X[keep], y[keep], alpha)
        errors[i] = y[i] - X[i] @ coef - intercept
    return errors


def test_ridgecv_one_standard_error_rule():
    # Seed and a fine grid chosen so that the usual slips (ddof=0, the standard error at each
    # alpha instead of at the minimum) pick a different alpha: see the asserts below.
    rng = np.random.default_rng(3)
    X, y = make_regression(rng, 30, 8, noise=2.0)
    alphas = np.logspace(-2, 3, 100)
    # The definition, from plain refits: per-sample losses, their mean and standard error.
    losses = np.column_stack([_loo_normal_equations(X, y, a) ** 2 for a in alphas])
    mse = losses.mean(axis=0)
    se = losses.std(axis=0, ddof=1) / np.sqrt(len(y))
    best = int(np.argmin(mse))
    expected = max(a for a, m in zip(alphas, mse, strict=True) if m <= mse[best] + se[best])
    assert expected > alphas[best]  # the rule must move away from the minimum here
    se0 = losses.std(axis=0) / np.sqrt(len(y))
    assert alphas[mse <= mse[best] + se0[best]].max() != expected
    assert alphas[mse <= mse[best] + se].max() != expected

    chosen = RidgeCV(alphas=alphas, rule="1se").fit(X, y)
    assert chosen.alpha_1se_ == expected and chosen.alpha_ == expected
    assert_allclose(chosen.loo_mse_, mse, rtol=1e-8)
    assert_allclose(chosen.coef_, Ridge(alpha=expected).fit(X, y).coef_, rtol=1e-8)
    assert_allclose(chosen.best_score_, -mse[alphas == expected][0], rtol=1e-8)
    default = RidgeCV(alphas=alphas).fit(X, y)
    assert default.alpha_ == alphas[best] and default.alpha_1se_ == expected

    # Per target: each column gets its own rule; the alphas are searched in any order.
    Y = np.column_stack([y, rng.standard_normal(30)])
    per = RidgeCV(alphas=alphas[::-1], rule="1se", alpha_per_target=True).fit(X, Y)
    assert per.alpha_[0] == expected and per.loo_mse_.shape == (100, 2)
    with pytest.raises(ValueError, match="rule='1se' needs cv=None and scoring=None"):
        RidgeCV(rule="1se", cv=3).fit(X, y)


def test_ridgecv_ties_keep_the_first_alpha_as_sklearn():
    # y = 0 without intercept: every LOO error is exactly 0, so every alpha ties.
    X = np.random.default_rng(0).standard_normal((10, 3))
    alphas = (10.0, 1.0, 0.1)
    ours = RidgeCV(alphas=alphas, fit_intercept=False).fit(X, np.zeros(10))
    ref = sk.RidgeCV(alphas=alphas, fit_intercept=False).fit(X, np.zeros(10))
    assert ours.alpha_ == ref.alpha_ == 10.0


@pytest.mark.parametrize("alphas, error, match", [
    ((1.0, -1.0, 10.0), ValueError, r"alphas\[1\] == -1.0, must be > 0.0"),
    ((0.0, 1.0), ValueError, r"alphas\[0\] == 0.0, must be > 0.0"),
    ((1.0, np.inf), ValueError, r"alphas\[1\] == inf, must be finite"),
    ((1.0, np.nan), ValueError, r"alphas\[1\] == nan, must be finite"),
    ([np.inf], ValueError, r"alphas == inf, must be finite"),
    ((1.0, "1"), TypeError, r"alphas\[1\] must be an instance of float, not str"),
    ((), ValueError, r"alphas must be a non-empty 1-D"),
    (-1.0, ValueError, r"'alphas' parameter of RidgeCV"),
])
def test_ridgecv_bad_alphas_raise(rng, alphas, error, match):
    X, y = make_regression(rng, 20, 3)
    with pytest.raises(error, match=match):
        RidgeCV(alphas=alphas).fit(X, y)


def test_ridgecv_zero_alpha_allowed_with_cv(rng):
    X, y = make_regression(rng, 20, 3)
    assert RidgeCV(alphas=(0.0, 1.0), cv=3).fit(X, y).alpha_ in (0.0, 1.0)
