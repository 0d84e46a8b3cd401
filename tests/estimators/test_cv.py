"""LassoCV and ElasticNetCV against scikit-learn's, plus the 1-SE rule."""

import numpy as np
import pytest
from sklearn.linear_model import ElasticNetCV as SkElasticNetCV
from sklearn.linear_model import LassoCV as SkLassoCV
from sklearn.model_selection import GridSearchCV, KFold

from penalized import ElasticNetCV, Lasso, LassoCV
from tests.conftest import make_regression


def test_lassocv_matches_sklearn(rng):
    X, y = make_regression(rng, 150, 30, rho=0.3, noise=2.0)
    kw = dict(cv=5, tol=1e-12, max_iter=100_000)
    ref, got = SkLassoCV(**kw).fit(X, y), LassoCV(**kw).fit(X, y)
    assert got.alpha_ == pytest.approx(ref.alpha_)
    np.testing.assert_allclose(got.alphas_, ref.alphas_)
    np.testing.assert_allclose(got.mse_path_, ref.mse_path_, rtol=1e-5)
    np.testing.assert_allclose(got.coef_, ref.coef_, atol=1e-6)
    assert got.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)


def test_lassocv_with_weights_matches_sklearn(rng):
    X, y = make_regression(rng, 120, 15, noise=2.0)
    w = rng.uniform(0.5, 2.0, 120)
    kw = dict(cv=KFold(4), tol=1e-12, max_iter=100_000)
    ref = SkLassoCV(**kw).fit(X, y, sample_weight=w)
    got = LassoCV(**kw).fit(X, y, sample_weight=w)
    assert got.alpha_ == pytest.approx(ref.alpha_)
    np.testing.assert_allclose(got.coef_, ref.coef_, atol=1e-6)


def test_elasticnetcv_grid_of_l1_ratios_matches_sklearn(rng):
    X, y = make_regression(rng, 100, 20, noise=2.0)
    kw = dict(l1_ratio=[0.2, 0.7, 1.0], cv=4, tol=1e-12, max_iter=100_000)
    ref, got = SkElasticNetCV(**kw).fit(X, y), ElasticNetCV(**kw).fit(X, y)
    assert (got.alpha_, got.l1_ratio_) == (pytest.approx(ref.alpha_), ref.l1_ratio_)
    assert got.mse_path_.shape == ref.mse_path_.shape == (3, 100, 4)
    np.testing.assert_allclose(got.alphas_, ref.alphas_)
    np.testing.assert_allclose(got.coef_, ref.coef_, atol=1e-6)


def test_one_se_rule_gives_a_sparser_model(rng):
    X, y = make_regression(rng, 100, 40, noise=3.0)
    fit_min = LassoCV(cv=5).fit(X, y)
    fit_1se = LassoCV(cv=5, rule="1se").fit(X, y)
    assert fit_1se.alpha_ == fit_min.alpha_1se_ >= fit_min.alpha_
    assert np.count_nonzero(fit_1se.coef_) <= np.count_nonzero(fit_min.coef_)
    refit = Lasso(alpha=fit_1se.alpha_, tol=1e-4).fit(X, y)
    np.testing.assert_allclose(fit_1se.coef_, refit.coef_, atol=1e-3)


def test_cv_estimators_work_in_grid_search(rng):
    X, y = make_regression(rng, 60, 8)
    search = GridSearchCV(LassoCV(cv=3), {"eps": [1e-2, 1e-3]}, cv=3).fit(X, y)
    assert search.best_estimator_.alpha_ > 0


def test_cv_estimators_reject_bad_input(rng):
    X, y = make_regression(rng, 30, 4)
    with pytest.raises(ValueError, match="y must be 1-D"):
        LassoCV(cv=3).fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match="'rule' parameter"):
        LassoCV(rule="best").fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        ElasticNetCV(l1_ratio=[0.5, 1.5]).fit(X, y)
    with pytest.raises(ValueError, match="alphas must be finite"):
        LassoCV(alphas=[0.1, -1.0]).fit(X, y)
