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


@pytest.mark.parametrize("criterion", ["aic", "bic"])
def test_lassoic_matches_lassolarsic(rng, criterion):
    from sklearn.linear_model import LassoLarsIC, lars_path

    from penalized import LassoIC

    X, y = make_regression(rng, 100, 10, noise=2.0)
    ref = LassoLarsIC(criterion=criterion).fit(X, y)
    # Between two LARS knots the lasso solution is the linear interpolation of theirs (and
    # its support is strictly that of the later knot's predecessor); at the knots themselves
    # an entering feature is zero only up to the solver's tolerance.
    knots, _, knot_coefs = lars_path(X - X.mean(0), y - y.mean(), method="lasso")
    mids = np.sqrt(knots[:-2] * knots[1:-1])
    frac = (knots[:-2] - mids) / (knots[:-2] - knots[1:-1])
    coefs = (1 - frac) * knot_coefs[:, :-2] + frac * knot_coefs[:, 1:-1]
    rss = ((y - y.mean())[:, None] - (X - X.mean(0)) @ coefs) ** 2
    n, factor = len(y), (2.0 if criterion == "aic" else np.log(len(y)))
    expected = (n * np.log(2 * np.pi * ref.noise_variance_) + rss.sum(0) / ref.noise_variance_
                + factor * np.count_nonzero(coefs, axis=0))
    got = LassoIC(criterion=criterion, alphas=mids, tol=1e-14, max_iter=100_000).fit(X, y)
    assert got.noise_variance_ == pytest.approx(ref.noise_variance_)
    np.testing.assert_allclose(got.criterion_, expected, rtol=1e-8)
    np.testing.assert_allclose(got.path_.coefs, coefs.T, atol=1e-6)


def test_lassoic_needs_noise_variance_when_wide(rng):
    from penalized import LassoIC

    X, y = make_regression(rng, 20, 30)
    with pytest.raises(ValueError, match="pass noise_variance"):
        LassoIC().fit(X, y)
    fitted = LassoIC(noise_variance=1.0, criterion="bic").fit(X, y)
    assert fitted.alpha_ in fitted.alphas_
    assert fitted.criterion_[np.searchsorted(-fitted.alphas_, -fitted.alpha_)] == min(
        fitted.criterion_)
