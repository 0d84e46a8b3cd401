"""Cross-validation of the path: fold scores, the 1-SE rule, Gram downdates, AIC/BIC."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LassoCV as SkLassoCV
from sklearn.model_selection import KFold, StratifiedKFold, TimeSeriesSplit

from penalized import cv_path, path
from penalized._validation import build_problem
from penalized.selection import degrees_of_freedom, information_criteria, one_se_rule
from tests.conftest import make_regression


@pytest.mark.parametrize("shape", [(120, 20), (40, 80)])
def test_cv_path_matches_sklearn_lassocv(rng, shape):
    X, y = make_regression(rng, *shape, rho=0.3, noise=2.0)
    ref = SkLassoCV(cv=5, alphas=40, tol=1e-12, max_iter=100_000).fit(X, y)
    got = cv_path(X, y, alphas=ref.alphas_, cv=5, tol=1e-12)
    np.testing.assert_allclose(got.fold_scores, ref.mse_path_.T, rtol=1e-5)
    assert got.alpha_min == pytest.approx(ref.alpha_)


def test_gram_downdate_equals_direct_folds(rng):
    X, y = make_regression(rng, 300, 10)
    w = rng.uniform(0.5, 2.0, 300)
    gram = cv_path(X, y, cv=4, sample_weight=w, precompute=True, tol=1e-12, n_alphas=15)
    direct = cv_path(X, y, cv=4, sample_weight=w, precompute=False, tol=1e-12, n_alphas=15)
    np.testing.assert_allclose(gram.fold_scores, direct.fold_scores, rtol=1e-7)
    # and each fold equals a fit on the training rows alone
    train, test = next(KFold(4).split(X))
    alone = path(X[train], y[train], sample_weight=w[train], alphas=gram.alphas, tol=1e-12)
    np.testing.assert_allclose(gram.fold_paths[0].coefs, alone.coefs, atol=1e-6)


@pytest.mark.parametrize("precompute", [False, True])
def test_folds_train_on_their_training_rows_only(rng, precompute):
    # TimeSeriesSplit leaves the rows after each test block on neither side: a fold fitted
    # on "every row but the test rows" would train on the future
    X, y = make_regression(rng, 120, 8, noise=1.0)
    w = rng.uniform(0.5, 2.0, 120)
    splitter = TimeSeriesSplit(3)
    result = cv_path(X, y, cv=splitter, sample_weight=w, precompute=precompute, tol=1e-12,
                     n_alphas=12)
    for fold_path, (train, _) in zip(result.fold_paths, splitter.split(X), strict=True):
        alone = path(X[train], y[train], sample_weight=w[train], alphas=result.alphas,
                     tol=1e-12)
        np.testing.assert_allclose(fold_path.coefs, alone.coefs, atol=1e-7)


@pytest.mark.parametrize("precompute", [False, True])
def test_sparse_folds_equal_dense_folds(rng, precompute):
    # a sparse X is fitted on row-sliced copies of its training rows, a dense X through
    # zero weights (and with precompute=True both through the Gram downdate)
    X = sp.random(150, 12, density=0.3, format="csc", random_state=1)
    y = X @ rng.standard_normal(12) + 0.5 * rng.standard_normal(150)
    w = rng.uniform(0.5, 2.0, 150)
    kwargs = dict(cv=4, sample_weight=w, precompute=precompute, tol=1e-12, n_alphas=12)
    sparse = cv_path(X, y, **kwargs)
    dense = cv_path(X.toarray(), y, **kwargs)
    np.testing.assert_allclose(sparse.fold_scores, dense.fold_scores, rtol=1e-7)
    for a, b in zip(sparse.fold_paths, dense.fold_paths, strict=True):
        np.testing.assert_allclose(a.coefs, b.coefs, atol=1e-8)


def test_one_se_rule_by_definition(rng):
    X, y = make_regression(rng, 100, 30, noise=3.0)
    result = cv_path(X, y, cv=5, rule="1se", n_alphas=30)
    best = np.argmin(result.mean)
    limit = result.mean[best] + result.std_error[best]
    expected = max(a for a, m in zip(result.alphas, result.mean, strict=True) if m <= limit)
    assert result.alpha_1se == expected and result.alpha == expected
    assert result.alpha_1se >= result.alpha_min
    # standard error: fold-weighted, as glmnet's cvsd (equal folds: sd / sqrt(K))
    np.testing.assert_allclose(result.std_error,
                               result.fold_scores.std(axis=0, ddof=1) / np.sqrt(5))
    frequency = np.mean([fp.coef_at(expected)[0] != 0 for fp in result.fold_paths], axis=0)
    np.testing.assert_array_equal(result.selection_frequency, frequency)
    np.testing.assert_array_equal(result.frequency_at(expected), frequency)
    np.testing.assert_array_equal(result.path.alphas, result.alphas)


def test_one_se_rule_for_scores():
    alphas = np.array([4.0, 2.0, 1.0, 0.5])
    mean = np.array([0.1, 0.6, 0.7, 0.65])
    se = np.full(4, 0.15)
    assert one_se_rule(alphas, mean, se, greater_is_better=True) == (2, 1)
    assert one_se_rule(alphas, -mean, se, greater_is_better=False) == (2, 1)


@pytest.mark.parametrize("scoring", ["mae", "r2"])
def test_other_scorings(rng, scoring):
    X, y = make_regression(rng, 80, 10)
    result = cv_path(X, y, cv=4, scoring=scoring, n_alphas=10, full_path=False)
    train, test = next(KFold(4).split(X))
    pred = result.fold_paths[0].predict(X[test])
    if scoring == "mae":
        expected = np.abs(pred - y[test, None]).mean(axis=0)
        assert result.alpha_min == result.alphas[np.argmin(result.mean)]
    else:
        resid = ((pred - y[test, None]) ** 2).sum(axis=0)
        expected = 1 - resid / ((y[test] - y[test].mean()) ** 2).sum()
        assert result.alpha_min == result.alphas[np.argmax(result.mean)]
    np.testing.assert_allclose(result.fold_scores[0], expected)
    assert result.path is None


@pytest.mark.parametrize("kwargs, match", [
    ({"cv": 500}, "cv=500 folds need at least 500 samples; got n_samples=30"),
    ({"cv": 1}, "at least 2 folds"),
    ({"scoring": "accuracy"}, "scoring must be one of"),
    ({"rule": "2se"}, "rule must be"),
    ({"eps": 2.0}, "'eps' parameter"),
])
def test_bad_cv_input(rng, kwargs, match):
    X, y = make_regression(rng, 30, 4)
    with pytest.raises(ValueError, match=match):
        cv_path(X, y, **kwargs)


def test_fold_with_constant_column_is_handled(rng):
    X, y = make_regression(rng, 40, 5)
    X[:30, 2] = 1.0  # constant on the training rows of the last fold
    result = cv_path(X, y, cv=4, n_alphas=10, standardize=True)
    assert np.isfinite(result.mean).all()
    assert (result.fold_paths[3].coefs[:, 2] == 0).all()


@pytest.mark.parametrize("criterion", ["aic", "bic"])
def test_information_criteria_follow_the_lassolarsic_formula(rng, criterion):
    X, y = make_regression(rng, 100, 8, noise=1.0)
    problem = build_problem(X, y)
    fitted = path(X, y, n_alphas=20, tol=1e-12)
    got = information_criteria(problem, fitted, criterion)
    n = len(y)
    ols = np.linalg.lstsq(np.c_[np.ones(n), X], y, rcond=None)[0]
    sigma2 = ((y - np.c_[np.ones(n), X] @ ols) ** 2).sum() / (n - 8 - 1)
    rss = ((y[:, None] - fitted.predict(X)) ** 2).sum(axis=0)
    factor = 2.0 if criterion == "aic" else np.log(n)
    expected = n * np.log(2 * np.pi * sigma2) + rss / sigma2 + factor * fitted.n_nonzero
    np.testing.assert_allclose(got, expected, rtol=1e-8)


def test_elastic_net_degrees_of_freedom_is_the_hat_trace(rng):
    X, y = make_regression(rng, 60, 6)
    problem = build_problem(X, y)
    fitted = path(X, y, 0.5, n_alphas=5, tol=1e-12)
    df = degrees_of_freedom(problem, fitted)
    k = 3
    active = np.flatnonzero(fitted.coefs[k])
    A = X[:, active] - X[:, active].mean(axis=0)
    ridge = len(y) * fitted.alphas[k] * 0.5
    H = A @ np.linalg.solve(A.T @ A + ridge * np.eye(len(active)), A.T)
    assert df[k] == pytest.approx(np.trace(H))


def test_parallel_folds_equal_sequential(rng):
    X, y = make_regression(rng, 120, 30, rho=0.3)
    one = cv_path(X, y, cv=4, n_alphas=20, n_jobs=1, full_path=False)
    two = cv_path(X, y, cv=4, n_alphas=20, n_jobs=2, full_path=False)
    np.testing.assert_array_equal(one.fold_scores, two.fold_scores)


def test_cv_path_for_logistic_regression(rng):
    from scipy.special import expit

    from penalized.families import Binomial

    X = rng.standard_normal((150, 10))
    y = (rng.uniform(size=150) < expit(X[:, 0] * 2 - X[:, 1])).astype(float)
    result = cv_path(X, y, family="binomial", cv=3, n_alphas=15)
    assert result.scoring == "deviance" and result.path is not None
    train, test = next(StratifiedKFold(3).split(X, y))  # classes: stratified, as sklearn
    eta = result.fold_paths[0].predict(X[test])
    expected = [Binomial().deviance(y[test], eta[:, k], np.full(len(test), 1 / len(test)))
                for k in range(15)]
    np.testing.assert_allclose(result.fold_scores[0], expected)
    assert result.alpha_min == result.alphas[np.argmin(result.mean)]
    misclass = cv_path(X, y, family="binomial", cv=3, n_alphas=15, scoring="class",
                       full_path=False)
    np.testing.assert_allclose(misclass.fold_scores[0], ((eta > 0) != (y[test, None] > 0.5))
                               .mean(axis=0))
    with pytest.raises(ValueError, match="needs family='binomial'"):
        cv_path(X, y, scoring="class")


def test_cv_path_for_multinomial_classes():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    labels = np.array(["a", "b", "c"])[y]
    result = cv_path(X, labels, family="multinomial", cv=3, n_alphas=8, tol=1e-9)
    assert result.path.coefs.shape == (8, 3, 4) and list(result.path.classes) == ["a", "b", "c"]
    # each fold: a path fitted on the training rows alone, scored by numpy on the held-out
    for f, (train, test) in enumerate(StratifiedKFold(3).split(X, labels)):
        alone = path(X[train], labels[train], family="multinomial", alphas=result.alphas,
                     tol=1e-9)
        proba = alone.predict(X[test], type="response")  # (n_test, 3, 8)
        truth = (labels[test, None] == alone.classes[None, :])[:, :, None]
        deviance = -2 * np.log((proba * truth).sum(axis=1)).mean(axis=0)
        np.testing.assert_allclose(result.fold_scores[f], deviance, rtol=1e-5)
    assert result.alpha_min == result.alphas[np.argmin(result.mean)]
    assert result.selection_frequency.shape == (4,)
    misclass = cv_path(X, labels, family="multinomial", cv=3, n_alphas=8, scoring="class",
                       full_path=False)
    assert misclass.mean.min() < 0.1 and misclass.mean[0] > 0.5
    with pytest.raises(ValueError, match="r2"):
        cv_path(X, labels, family="multinomial", scoring="r2")


def test_cv_path_for_poisson_counts(rng):
    X = rng.standard_normal((120, 6))
    y = rng.poisson(np.exp(0.5 * X[:, 0]))
    result = cv_path(X, y, family="poisson", cv=3, n_alphas=10, scoring="mse")
    train, test = next(KFold(3).split(X))
    mu = np.exp(result.fold_paths[0].predict(X[test]))
    np.testing.assert_allclose(result.fold_scores[0], ((mu - y[test, None]) ** 2).mean(axis=0))
    assert np.isfinite(result.mean).all()
