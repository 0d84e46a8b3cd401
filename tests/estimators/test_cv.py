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


# ---- figures: the estimators delegate to penalized.explain.plots --------------------------
def _lines(ax, prefix):
    return [line for line in ax.lines if (line.get_gid() or "").startswith(prefix)]


def _vline(ax, gid):
    (line,) = _lines(ax, gid)
    return float(np.unique(line.get_xdata())[0])


def test_lassocv_plot_cv_shows_its_own_cv_result(rng):
    X, y = make_regression(rng, 90, 6, noise=2.0)  # three equal folds
    fitted = LassoCV(cv=3, alphas=15).fit(X, y)
    fig, ax = fitted.plot_cv()
    assert ax.figure is fig
    np.testing.assert_array_equal(ax.containers[0].lines[0].get_ydata(),
                                  fitted.cv_result_.mean)
    # mse_path_ is (n_alphas, n_folds): the plotted mean is its mean over equal folds
    np.testing.assert_allclose(fitted.cv_result_.mean, fitted.mse_path_.mean(axis=1),
                               rtol=1e-10)
    assert _vline(ax, "mark-alpha_min") == pytest.approx(np.log(fitted.alpha_min_))
    assert _vline(ax, "mark-alpha_1se") == pytest.approx(np.log(fitted.alpha_1se_))


def test_cv_estimators_plot_path_on_the_cross_validated_grid(rng):
    import penalized

    X, y = make_regression(rng, 80, 6, noise=2.0)
    fitted = ElasticNetCV(l1_ratio=[0.3, 1.0], cv=3, alphas=15).fit(X, y)
    with pytest.raises(ValueError, match="needs the X and y"):
        fitted.plot_path()
    fig, ax = fitted.plot_path(X, y, n_labels=2)
    expected = penalized.path(X, y, fitted.l1_ratio_, alphas=fitted.cv_result_.alphas)
    lines = _lines(ax, "coef-")
    assert len(lines) == 6
    for j, line in enumerate(lines):
        np.testing.assert_array_equal(line.get_xdata(), np.log(fitted.cv_result_.alphas))
        np.testing.assert_allclose(line.get_ydata(), expected.coefs[:, j], atol=1e-6)
    assert _vline(ax, "mark-alpha_min") == pytest.approx(np.log(fitted.alpha_min_))
    assert _vline(ax, "mark-alpha_1se") == pytest.approx(np.log(fitted.alpha_1se_))
    # the chosen alpha's refit is the path's solution there
    np.testing.assert_allclose(expected.coef_at(fitted.alpha_)[0], fitted.coef_, atol=1e-3)


def test_lassocv_plot_path_names_dataframe_columns(rng):
    pd = pytest.importorskip("pandas")
    X, y = make_regression(rng, 60, 4)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    fitted = LassoCV(cv=3, alphas=10).fit(frame, y)
    _, ax = fitted.plot_path(frame, y, n_labels=4)
    labels = {t.get_text() for t in ax.texts}
    assert labels <= {"a", "b", "c", "d"} and labels


def test_lassoic_plot_path_marks_the_chosen_alpha(rng):
    from penalized import LassoIC

    X, y = make_regression(rng, 80, 6, noise=2.0)
    fitted = LassoIC(criterion="bic", alphas=20).fit(X, y)
    fig, ax = fitted.plot_path()
    for j, line in enumerate(_lines(ax, "coef-")):
        np.testing.assert_array_equal(line.get_ydata(), fitted.path_.coefs[:, j])
    assert _vline(ax, "mark-alpha (BIC)") == pytest.approx(np.log(fitted.alpha_))
    assert any(t.get_text().startswith("alpha (BIC)")
               for t in ax.get_legend().get_texts())
    with pytest.raises(Exception, match="not fitted"):
        LassoIC().plot_path()


def test_lassocv_alpha_matches_sklearn_with_unequal_folds():
    """Was a bug: alpha_ came from the fold-size-weighted mean (glmnet's cvm) instead of
    scikit-learn's plain mean over folds."""
    X, y = make_regression(np.random.default_rng(1), 23, 8, noise=3.0)  # folds of 8, 8, 7
    kw = dict(cv=3, alphas=30, tol=1e-12, max_iter=100_000)
    ref, got = SkLassoCV(**kw).fit(X, y), LassoCV(**kw).fit(X, y)
    np.testing.assert_allclose(got.mse_path_, ref.mse_path_, rtol=1e-5)  # same fold scores
    assert got.alpha_ == pytest.approx(ref.alpha_)
