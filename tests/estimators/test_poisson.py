"""PoissonRegressor against scikit-learn, and its L1 / elastic-net cases."""

import numpy as np
import pytest
from sklearn.linear_model import PoissonRegressor as SkPoissonRegressor

from penalized import PoissonRegressor
from penalized.newton import kkt_violation


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 8))
    y = rng.poisson(np.exp(0.3 + X[:, :3] @ np.array([0.5, -0.4, 0.2])))
    return X, y


def test_poisson_matches_sklearn(counts):
    X, y = counts
    ref = SkPoissonRegressor(alpha=0.05, tol=1e-12, max_iter=10_000).fit(X, y)
    got = PoissonRegressor(alpha=0.05, tol=1e-9).fit(X, y)
    np.testing.assert_allclose(got.coef_, ref.coef_, atol=1e-6)
    assert got.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    assert got.score(X, y) == pytest.approx(ref.score(X, y))


def test_poisson_lasso_selects_and_satisfies_kkt(counts):
    X, y = counts
    model = PoissonRegressor(alpha=0.05, l1_ratio=1.0, tol=1e-9).fit(X, y)
    assert (model.coef_[3:] == 0).sum() >= 3 and (model.coef_[:2] != 0).all()
    mu = np.exp(X @ model.coef_ + model.intercept_)
    grad = X.T @ (mu - y) / len(y)
    viol = kkt_violation(grad, (mu - y).mean(), model.coef_, 0.05, np.ones(8), np.zeros(8),
                         np.full(8, -np.inf), np.full(8, np.inf), True)
    assert viol < 1e-6


def test_poisson_rejects_negative_counts(counts):
    X, y = counts
    with pytest.raises(ValueError, match="negative"):
        PoissonRegressor().fit(X, y - 5.0)


def test_all_zero_counts_are_refused_clearly():
    X = np.random.default_rng(0).standard_normal((20, 3))
    with pytest.raises(ValueError, match="positive .*sum of y"):
        PoissonRegressor().fit(X, np.zeros(20))


def test_huge_linear_predictors_stay_finite():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 5)) * 30
    fit = PoissonRegressor(alpha=1e-6).fit(X, rng.poisson(3, 100))
    assert np.isfinite(fit.coef_).all() and np.isfinite(fit.predict(X)).all()
