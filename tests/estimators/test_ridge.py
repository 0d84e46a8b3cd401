"""Ridge against scikit-learn and the normal equations."""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from numpy.testing import assert_allclose

from penalized import Ridge
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
