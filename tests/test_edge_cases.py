"""Numerical edge cases (issue 7, item 2): every fit returns a finite, correct answer or a
clear error or warning -- never NaN coefficients, never a hang.

"Correct" is always checked against something independent of the solver: scikit-learn's
estimator of the same name on the same problem, a closed form, the KKT conditions computed
here in numpy, or an exactly equivalent problem (a rescaling, the rows actually dropped).
Every fit runs in a worker thread with a deadline (`run`), so a hang fails the test instead
of stalling the suite (the kernels release the GIL, so the deadline is honoured even while
compiled code runs; `signal.alarm` would not be, as its handler waits for the kernel).
"""

import threading
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from sklearn.exceptions import ConvergenceWarning

from penalized import ElasticNet, Lasso, LogisticRegression, PoissonRegressor, Ridge, path
from tests.conftest import kkt_violation

DEADLINE = 60.0  # seconds; every case here takes well under one


def run(fn, *args, timeout=DEADLINE, **kwargs):
    """fn(*args, **kwargs) in a worker thread with a deadline.

    Returns (result, warnings raised); exceptions propagate; a call still running after
    `timeout` seconds fails the test as a hang.
    """
    box = {}

    def target():
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                box["result"] = fn(*args, **kwargs)
            box["warnings"] = list(caught)
        except BaseException as exc:  # noqa: BLE001  (re-raised in the test's thread)
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        pytest.fail(f"{getattr(fn, '__name__', fn)} did not return within {timeout} s (hang)")
    if "error" in box:
        raise box["error"]
    return box["result"], box["warnings"]


def categories(caught):
    return {w.category for w in caught}


def assert_no_numeric_trouble(caught):
    """No overflow/invalid-value RuntimeWarning: those mean inf or NaN was formed inside."""
    trouble = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not trouble, trouble


def assert_finite(est):
    assert np.isfinite(est.coef_).all(), est.coef_
    assert np.isfinite(est.intercept_).all(), est.intercept_


def regression(seed=0, n=40, p=5, noise=0.5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[: min(3, p)] = [1.5, -2.0, 1.0][: min(3, p)]
    return X, X @ beta + 2.0 + noise * rng.standard_normal(n)


def classification(seed=0, n=60, p=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = (X[:, 0] - X[:, 1] + rng.standard_normal(n) > 0).astype(int)
    return X, y


def counts(seed=0, n=60, p=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, rng.poisson(np.exp(0.4 * X[:, 0] - 0.3 * X[:, 1] + 0.5)).astype(np.float64)


def glm_kkt(X, y, coef, intercept, alpha, l1_ratio, family):
    """Largest KKT violation of the mean GLM loss + alpha * (l1 |b| + (1 - l1)/2 b^2), from
    the definition (binomial: y in {0, 1}; poisson: log link)."""
    eta = X @ coef + intercept
    mu = 1.0 / (1.0 + np.exp(-eta)) if family == "binomial" else np.exp(eta)
    grad = X.T @ (mu - y) / len(y) + alpha * (1 - l1_ratio) * coef
    l1 = alpha * l1_ratio
    viol = np.where(coef != 0, np.abs(grad + l1 * np.sign(coef)),
                    np.maximum(np.abs(grad) - l1, 0.0))
    return max(viol.max(), abs(np.mean(mu - y)))


def collinear(seed=0):
    """Duplicated, scaled and summed columns: X'X is singular."""
    X, y = regression(seed, n=40, p=4)
    return np.c_[X, X[:, 0], 2.0 * X[:, 1], X[:, 2] - X[:, 3]], y


# ------------------------------------------------------------------ collinear columns


@pytest.mark.parametrize("storage", ["dense", "sparse", "gram"])
def test_collinear_lasso_has_the_unique_fitted_values(storage):
    """The lasso's coefficients are not unique on collinear columns, its fitted values are:
    they match scikit-learn's, and the KKT conditions hold."""
    X, y = collinear()
    Xs = sp.csc_matrix(X) if storage == "sparse" else X
    ours, caught = run(Lasso(0.05, tol=1e-12, max_iter=100_000,
                             precompute=storage == "gram").fit, Xs, y)
    ref = sk.Lasso(0.05, tol=1e-12, max_iter=100_000).fit(X, y)
    assert_finite(ours)
    assert ConvergenceWarning not in categories(caught)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-6)
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, 0.05, 1.0) < 1e-6


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_collinear_elastic_net_matches_sklearn(l1_ratio):
    """With a ridge part the solution is unique even on collinear columns."""
    X, y = collinear()
    ours, caught = run(ElasticNet(0.05, l1_ratio=l1_ratio, tol=1e-14, max_iter=100_000).fit,
                       X, y)
    ref = sk.ElasticNet(0.05, l1_ratio=l1_ratio, tol=1e-14, max_iter=100_000).fit(X, y)
    assert ConvergenceWarning not in categories(caught)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, 0.05, l1_ratio) < 1e-6
    if l1_ratio == 0.0:  # ridge in the lasso's scaling: a linear system
        n, p = X.shape
        Xc, yc = X - X.mean(0), y - y.mean()
        closed = np.linalg.solve(Xc.T @ Xc / n + 0.05 * np.eye(p), Xc.T @ yc / n)
        np.testing.assert_allclose(ours.coef_, closed, atol=1e-6)


@pytest.mark.parametrize("solver", ["auto", "svd", "cholesky", "lsqr"])
def test_collinear_ridge_matches_the_closed_form(solver):
    X, y = collinear()
    ours, _ = run(Ridge(1.0, solver=solver, tol=1e-12).fit, X, y)
    Xc, yc = X - X.mean(0), y - y.mean()
    closed = np.linalg.solve(Xc.T @ Xc + np.eye(X.shape[1]), Xc.T @ yc)
    np.testing.assert_allclose(ours.coef_, closed, atol=1e-8)


def test_collinear_unpenalized_ridge_is_the_minimum_norm_least_squares():
    X, y = collinear()
    ours, _ = run(Ridge(0.0).fit, X, y)
    Xc, yc = X - X.mean(0), y - y.mean()
    np.testing.assert_allclose(ours.coef_, np.linalg.pinv(Xc) @ yc, atol=1e-8)


def test_collinear_glms_match_sklearn():
    X, y = collinear()
    yb = (y > np.median(y)).astype(int)
    ours, caught = run(LogisticRegression(C=1.0, tol=1e-10).fit, X, yb)
    ref = sk.LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(X, yb)
    assert ConvergenceWarning not in categories(caught)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    yc = np.round(np.exp(y / 4))
    ours, caught = run(PoissonRegressor(alpha=0.1, tol=1e-8).fit, X, yc)
    ref = sk.PoissonRegressor(alpha=0.1, tol=1e-12, max_iter=10_000).fit(X, yc)
    assert ConvergenceWarning not in categories(caught)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)


def test_collinear_path_satisfies_kkt_everywhere():
    X, y = collinear()
    fit, caught = run(path, X, y, l1_ratio=0.8, n_alphas=30, tol=1e-10)
    assert ConvergenceWarning not in categories(caught)
    assert np.isfinite(fit.coefs).all()
    for alpha, coef, b0 in zip(fit.alphas, fit.coefs, fit.intercepts, strict=True):
        assert kkt_violation(X, y, coef, b0, alpha, 0.8) < 1e-5 * np.std(y)


# ------------------------------------------------------- zero and constant columns

def _with_column(X, value):
    return np.c_[X[:, :2], np.full(X.shape[0], value), X[:, 2:]]


LINEAR = {
    "lasso": (lambda **kw: Lasso(0.05, tol=1e-12, **kw),
              lambda: sk.Lasso(0.05, tol=1e-12, max_iter=100_000)),
    "enet": (lambda **kw: ElasticNet(0.05, l1_ratio=0.5, tol=1e-12, **kw),
             lambda: sk.ElasticNet(0.05, l1_ratio=0.5, tol=1e-12, max_iter=100_000)),
    "ridge": (lambda **kw: Ridge(1.0, **kw), lambda: sk.Ridge(1.0)),
}


@pytest.mark.parametrize("value", [0.0, 0.1, 3.0])
@pytest.mark.parametrize("name", list(LINEAR))
def test_zero_or_constant_column_gets_coefficient_zero(name, value):
    """With an intercept a constant column is zero once centred: its coefficient is 0 and
    the others are scikit-learn's on X without the column."""
    make, make_ref = LINEAR[name]
    X, y = regression()
    ours, caught = run(make().fit, _with_column(X, value), y)
    ref = make_ref().fit(X, y)
    assert_finite(ours)
    assert_no_numeric_trouble(caught)
    assert abs(ours.coef_[2]) < 1e-10
    np.testing.assert_allclose(np.delete(ours.coef_, 2), ref.coef_, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-7)


def test_zero_column_without_intercept():
    X, y = regression()
    for make, make_ref in LINEAR.values():
        ours, _ = run(make(fit_intercept=False).fit, _with_column(X, 0.0), y)
        ref = make_ref().set_params(fit_intercept=False).fit(X, y)
        assert ours.coef_[2] == 0.0
        np.testing.assert_allclose(np.delete(ours.coef_, 2), ref.coef_, atol=1e-7)


# A constant column whose weighted mean is inexact (0.1, 3.0) has a centred sum of squares of
# ~1e-30 from rounding; it must count as constant (scale 1, coefficient 0), not be fitted.


@pytest.mark.parametrize("value", [0.0, 0.1, 3.0])
@pytest.mark.parametrize("name", list(LINEAR))
def test_constant_column_with_standardize(name, value):
    """standardize=True must leave a constant column at 0 and the other coefficients as in
    the fit without it (the column's centred variance is 0; it carries no information)."""
    make, _ = LINEAR[name]
    X, y = regression()
    without, _ = run(make(standardize=True).fit, X, y)
    try:
        ours, caught = run(make(standardize=True).fit, _with_column(X, value), y)
    except ValueError as exc:  # the current symptom for Lasso/ElasticNet
        pytest.fail(f"fit raised {exc}")
    assert_no_numeric_trouble(caught)
    assert abs(ours.coef_[2]) < 1e-10
    np.testing.assert_allclose(np.delete(ours.coef_, 2), without.coef_, atol=1e-7)


@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("value", [0.0, 3.0])
@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_glm_zero_or_constant_column(family, value, standardize):
    if family == "binomial":
        X, y = classification()
        make = lambda: LogisticRegression(C=1.0, tol=1e-10, standardize=standardize)  # noqa: E731
    else:
        X, y = counts()
        make = lambda: PoissonRegressor(alpha=0.05, tol=1e-8, standardize=standardize)  # noqa: E731
    without, _ = run(make().fit, X, y)
    ours, caught = run(make().fit, _with_column(X, value), y)
    assert_finite(ours)
    assert_no_numeric_trouble(caught)
    assert ConvergenceWarning not in categories(caught)
    coef = np.ravel(ours.coef_)
    assert abs(coef[2]) < 1e-8
    np.testing.assert_allclose(np.delete(coef, 2), np.ravel(without.coef_), atol=1e-6)


def test_constant_column_in_path():
    X, y = regression()
    Xz = _with_column(X, 0.1)
    fit, caught = run(path, Xz, y, n_alphas=20, tol=1e-10)
    ref, _ = run(path, X, y, n_alphas=20, tol=1e-10)
    assert_no_numeric_trouble(caught)
    assert np.abs(fit.coefs[:, 2]).max() < 1e-10
    np.testing.assert_allclose(fit.alphas, ref.alphas, rtol=1e-10)
    np.testing.assert_allclose(np.delete(fit.coefs, 2, axis=1), ref.coefs, atol=1e-7)


# ------------------------------------------------------------- huge and tiny scales

SCALES = [1e-150, 1e150]


@pytest.mark.parametrize("s", SCALES)
def test_lasso_is_scale_equivariant(s):
    """Lasso(alpha * s) on (X, y * s) is s times Lasso(alpha) on (X, y); Lasso(alpha * s)
    on (X * s, y) is 1/s times it (substitute b = s b' in the objective)."""
    X, y = regression()
    ref = sk.Lasso(0.1, tol=1e-12, max_iter=100_000).fit(X, y)
    ours, caught = run(Lasso(0.1 * s, tol=1e-10).fit, X, y * s)
    assert ConvergenceWarning not in categories(caught)
    assert_no_numeric_trouble(caught)
    np.testing.assert_allclose(ours.coef_ / s, ref.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_ / s, ref.intercept_, rtol=1e-7)
    ours, caught = run(Lasso(0.1 * s, tol=1e-10).fit, X * s, y)
    assert ConvergenceWarning not in categories(caught)
    assert_no_numeric_trouble(caught)
    np.testing.assert_allclose(ours.coef_ * s, ref.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-7)


@pytest.mark.parametrize("s", SCALES)
def test_elastic_net_is_scale_equivariant(s):
    """ElasticNet(alpha * s^2) on (X s, y s) equals ElasticNet(alpha) on (X, y); with
    standardize=True, scaling X alone scales the coefficients by 1/s."""
    X, y = regression()
    ref = sk.ElasticNet(0.1, l1_ratio=0.5, tol=1e-14, max_iter=100_000).fit(X, y)
    ours, caught = run(ElasticNet(0.1 * s * s, l1_ratio=0.5, tol=1e-14).fit, X * s, y * s)
    assert ConvergenceWarning not in categories(caught)
    assert_no_numeric_trouble(caught)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_ / s, ref.intercept_, rtol=1e-6)
    std, _ = run(ElasticNet(0.1, l1_ratio=0.5, standardize=True, tol=1e-10).fit, X, y)
    ours, caught = run(ElasticNet(0.1, l1_ratio=0.5, standardize=True, tol=1e-10).fit,
                       X * s, y)
    assert ConvergenceWarning not in categories(caught)
    np.testing.assert_allclose(ours.coef_ * s, std.coef_, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("s", SCALES)
def test_ridge_is_scale_equivariant(s):
    X, y = regression()
    ref = sk.Ridge(1.0).fit(X, y)
    ours, caught = run(Ridge(1.0).fit, X, y * s)
    assert_no_numeric_trouble(caught)
    np.testing.assert_allclose(ours.coef_ / s, ref.coef_, rtol=1e-9)
    ours, caught = run(Ridge(1.0 * s * s).fit, X * s, y)
    assert_no_numeric_trouble(caught)
    np.testing.assert_allclose(ours.coef_ * s, ref.coef_, rtol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-9)


@pytest.mark.parametrize("s", SCALES)
def test_lasso_on_rescaled_X_alone(s):
    """Lasso(alpha) on (X s, y) is Lasso(alpha / s) on (X, y), rescaled: for s = 1e150 that
    is (numerically) least squares, for s = 1e-150 the all-zero model. A ConvergenceWarning
    is allowed (the certificate cannot reach a relative precision of 1e-151), a wrong answer
    is not."""
    X, y = regression()
    ours, caught = run(Lasso(0.1).fit, X * s, y)
    assert_finite(ours)
    assert_no_numeric_trouble(caught)
    if s > 1:
        ols = sk.LinearRegression().fit(X, y)
        np.testing.assert_allclose(ours.coef_ * s, ols.coef_, rtol=1e-6)
        np.testing.assert_allclose(ours.intercept_, ols.intercept_, rtol=1e-6)
    else:
        assert (ours.coef_ == 0).all()
        assert ours.intercept_ == pytest.approx(y.mean())


@pytest.mark.parametrize("s", SCALES)
def test_path_is_scale_equivariant(s):
    X, y = regression()
    ref, _ = run(path, X, y, n_alphas=20)
    for Xs, ys, coef_factor in ((X, y * s, s), (X * s, y, 1 / s)):
        fit, caught = run(path, Xs, ys, n_alphas=20)
        assert ConvergenceWarning not in categories(caught)
        assert_no_numeric_trouble(caught)
        np.testing.assert_allclose(fit.alphas / s, ref.alphas, rtol=1e-12)
        np.testing.assert_allclose(fit.coefs / coef_factor, ref.coefs, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("s", SCALES)
def test_logistic_is_scale_equivariant(s):
    """C / s^2 on X s is C on X with coefficients 1/s; standardize=True is scale-free."""
    X, y = classification()
    ref = sk.LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(X, y)
    ours, _ = run(LogisticRegression(C=1.0 / s**2, tol=1e-10).fit, X * s, y)
    np.testing.assert_allclose(ours.coef_ * s, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)
    std, _ = run(LogisticRegression(C=1.0, l1_ratio=1.0, standardize=True, tol=1e-10).fit,
                 X, y)
    ours, caught = run(LogisticRegression(C=1.0, l1_ratio=1.0, standardize=True,
                                          tol=1e-10).fit, X * s, y)
    assert_no_numeric_trouble(caught)
    np.testing.assert_allclose(ours.coef_ * s, std.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, std.intercept_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("s", SCALES)
def test_poisson_is_scale_equivariant_in_X(s):
    """alpha s^2 on X s is alpha on X with coefficients 1/s."""
    X, y = counts()
    ref = sk.PoissonRegressor(alpha=0.1, tol=1e-12, max_iter=10_000).fit(X, y)
    ours, caught = run(PoissonRegressor(alpha=0.1 * s * s, tol=1e-8).fit, X * s, y)
    assert_no_numeric_trouble(caught)
    np.testing.assert_allclose(ours.coef_ * s, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("s", [1e-150, 1e150])
def test_poisson_is_scale_equivariant_in_y(s):
    """deviance(s y, s mu) = s deviance(y, mu): alpha s on y s has the same coefficients and
    the intercept shifted by log(s). (y * 1e-150 was a bug: the working weights were floored
    at an absolute 1e-10; the floor now scales with mean(y).)"""
    X, y = counts()
    ref = sk.PoissonRegressor(alpha=0.1, tol=1e-12, max_iter=10_000).fit(X, y)
    ours, caught = run(PoissonRegressor(alpha=0.1 * s, tol=1e-8).fit, X, y * s)
    assert_finite(ours)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_ - np.log(s), ref.intercept_, atol=1e-7)


@pytest.mark.parametrize("s", [1e-150, 1e150])
@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_glm_on_rescaled_X_does_not_warn(family, s):
    """The rescaled problems of the two tests above are as well conditioned as the original
    ones, which converge: no ConvergenceWarning. (X * 1e-150 was a bug: the intercept's
    gradient, which does not scale with X, was held to the features' tolerance.)"""
    if family == "binomial":
        X, y = classification()
        est = LogisticRegression(C=1.0, l1_ratio=1.0, standardize=True, tol=1e-8)
    else:
        X, y = counts()
        est = PoissonRegressor(alpha=0.1 * s * s, tol=1e-8)
    _, caught = run(est.fit, X * s, y)
    assert ConvergenceWarning not in categories(caught)




@pytest.mark.parametrize("est", [
    Lasso(0.1),
    ElasticNet(0.1),
    Ridge(1.0),
], ids=repr)
def test_values_too_large_to_square_are_refused_clearly(est):
    """Beyond 1e154 squares overflow; the fit must not return a silent wrong answer."""
    X, y = regression()
    try:
        fitted, caught = run(est.fit, X * 1e300, y)
    except ValueError as exc:
        assert "too large" in str(exc) or "rescal" in str(exc)
        return
    # the answer (numerically least squares / 1e300) or a warning saying something is off
    ols = sk.LinearRegression().fit(X, y)
    ok = np.allclose(fitted.coef_ * 1e300, ols.coef_, rtol=1e-4)
    assert ok or ConvergenceWarning in categories(caught), fitted.coef_


# ---------------------------------------------------------------------- n = 1, p = 1

X1, Y1 = np.array([[1.0, 2.0, 3.0]]), np.array([2.0])


@pytest.mark.parametrize("est", [Lasso(0.1), ElasticNet(0.1), Ridge(1.0)], ids=repr)
def test_one_sample_with_intercept_is_the_mean(est):
    fitted, caught = run(est.fit, X1, Y1)
    assert_no_numeric_trouble(caught)
    assert (fitted.coef_ == 0).all()
    assert fitted.intercept_ == 2.0


@pytest.mark.parametrize(("ours", "ref"), [
    (Lasso(0.1, fit_intercept=False, tol=1e-12),
     sk.Lasso(0.1, fit_intercept=False, tol=1e-14, max_iter=100_000)),
    (ElasticNet(0.1, fit_intercept=False, tol=1e-12),
     sk.ElasticNet(0.1, fit_intercept=False, tol=1e-14, max_iter=100_000)),
    (Ridge(1.0, fit_intercept=False), sk.Ridge(1.0, fit_intercept=False)),
    (PoissonRegressor(fit_intercept=False, tol=1e-10),
     sk.PoissonRegressor(fit_intercept=False, tol=1e-12)),
], ids=lambda e: type(e).__name__)
def test_one_sample_without_intercept_matches_sklearn(ours, ref):
    fitted, caught = run(ours.fit, X1, Y1)
    assert_no_numeric_trouble(caught)
    np.testing.assert_allclose(fitted.coef_, ref.fit(X1, Y1).coef_, atol=1e-7)


def test_one_sample_closed_forms():
    """n = 1, no intercept: the lasso is soft-thresholding along x (the coordinate with the
    largest |x_j| takes it all); ridge is x y / (x'x + alpha)."""
    x = X1[0]
    lasso, _ = run(Lasso(0.1, fit_intercept=False, tol=1e-12).fit, X1, Y1)
    # KKT: x_j (y - x'b) = alpha sign(b_j) on the support {argmax |x_j|}
    b = (x[2] * Y1[0] - 0.1) / x[2] ** 2
    np.testing.assert_allclose(lasso.coef_, [0, 0, b], atol=1e-10)
    ridge, _ = run(Ridge(1.0, fit_intercept=False).fit, X1, Y1)
    np.testing.assert_allclose(ridge.coef_, x * Y1[0] / (x @ x + 1.0), rtol=1e-12)


def test_one_sample_path_and_classifier():
    fit, caught = run(path, X1, Y1)
    assert UserWarning in categories(caught)  # alpha_max is 0: y is constant
    assert (fit.coefs == 0).all()
    fit, _ = run(path, X1, Y1, fit_intercept=False, n_alphas=10)
    assert np.isfinite(fit.coefs).all()
    with pytest.raises(ValueError, match="2 classes"):
        run(LogisticRegression().fit, X1, [1])


def test_one_feature_closed_forms():
    """p = 1: the lasso and elastic net are soft-thresholding of x_c'y_c / n, ridge is
    x_c'y_c / (x_c'x_c + alpha), along the whole path too."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((30, 1))
    y = 2.0 * x[:, 0] + 1.0 + 0.3 * rng.standard_normal(30)
    xc, yc = x[:, 0] - x.mean(), y - y.mean()
    cov, var = xc @ yc / 30, xc @ xc / 30

    def soft(z, t):
        return np.sign(z) * max(abs(z) - t, 0.0)

    lasso, _ = run(Lasso(0.1, tol=1e-12).fit, x, y)
    np.testing.assert_allclose(lasso.coef_, [soft(cov, 0.1) / var], rtol=1e-10)
    enet, _ = run(ElasticNet(0.1, l1_ratio=0.3, tol=1e-12).fit, x, y)
    np.testing.assert_allclose(enet.coef_, [soft(cov, 0.03) / (var + 0.07)], rtol=1e-10)
    ridge, _ = run(Ridge(2.0).fit, x, y)
    np.testing.assert_allclose(ridge.coef_, [xc @ yc / (xc @ xc + 2.0)], rtol=1e-12)
    fit, _ = run(path, x, y, l1_ratio=0.5, n_alphas=15, tol=1e-12)
    expected = [soft(cov, 0.5 * a) / (var + 0.5 * a) for a in fit.alphas]
    np.testing.assert_allclose(fit.coefs[:, 0], expected, rtol=1e-8, atol=1e-12)
    assert fit.coefs[0, 0] == 0.0 and fit.coefs[1, 0] != 0.0


def test_one_feature_glms_match_sklearn():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((50, 1))
    yb = (x[:, 0] + rng.standard_normal(50) > 0).astype(int)
    ours, _ = run(LogisticRegression(C=0.5, tol=1e-10).fit, x, yb)
    ref = sk.LogisticRegression(C=0.5, tol=1e-12).fit(x, yb)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6)
    yc = rng.poisson(np.exp(0.5 * x[:, 0]))
    ours, _ = run(PoissonRegressor(alpha=0.1, tol=1e-8).fit, x, yc)
    ref = sk.PoissonRegressor(alpha=0.1, tol=1e-12).fit(x, yc)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6)


# ----------------------------------------------------------------------- constant y

@pytest.mark.parametrize("value", [0.0, 1.0, 3.0, 0.1])
@pytest.mark.parametrize("est", [Lasso(0.1), ElasticNet(0.1), Ridge(1.0)], ids=repr)
def test_constant_y_gives_the_intercept_only_model(est, value):
    X, _ = regression()
    y = np.full(X.shape[0], value)
    fitted, caught = run(est.fit, X, y)
    assert_no_numeric_trouble(caught)
    assert ConvergenceWarning not in categories(caught)
    np.testing.assert_allclose(fitted.coef_, 0.0, atol=1e-12)
    assert fitted.intercept_ == pytest.approx(value, abs=1e-12)


def test_constant_y_without_intercept_matches_sklearn():
    X, _ = regression()
    y = np.full(X.shape[0], 3.0)
    ours, _ = run(Lasso(0.1, fit_intercept=False, tol=1e-12).fit, X, y)
    ref = sk.Lasso(0.1, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-7)




@pytest.mark.parametrize("value", [
    0.0,
    3.0,
    0.1,
])
def test_constant_y_path_is_all_zero_with_a_warning(value):
    X, _ = regression(n=60, p=4)  # 60 weights of 1/60: the mean of 3.0 is not exact
    fit, caught = run(path, X, np.full(X.shape[0], value), n_alphas=10)
    assert UserWarning in categories(caught)
    assert (fit.coefs == 0).all()
    np.testing.assert_allclose(fit.intercepts, value)




def test_constant_y_poisson_does_not_warn():
    X, _ = counts()
    _, caught = run(PoissonRegressor(alpha=0.1).fit, X, np.full(X.shape[0], 3.0))
    assert ConvergenceWarning not in categories(caught)


def test_constant_y_glms():
    X, _ = counts()
    fitted, caught = run(PoissonRegressor(alpha=0.1).fit, X, np.full(X.shape[0], 3.0))
    assert_no_numeric_trouble(caught)
    np.testing.assert_allclose(fitted.coef_, 0.0, atol=1e-12)
    assert fitted.intercept_ == pytest.approx(np.log(3.0), abs=1e-12)
    with pytest.raises(ValueError, match="positive"):
        run(PoissonRegressor().fit, X, np.zeros(X.shape[0]))
    with pytest.raises(ValueError, match="2 classes"):
        run(LogisticRegression().fit, X, np.ones(X.shape[0]))


def test_one_class_binomial_path_is_refused():
    """A single class has no finite maximum-likelihood intercept: a clear error, as from
    LogisticRegression (not one ConvergenceWarning per alpha)."""
    X, _ = classification()
    for value in (0.0, 1.0):
        with pytest.raises(ValueError, match="class"):
            run(path, X, np.full(X.shape[0], value), family="binomial", n_alphas=5)


# ------------------------------------------------------- tiny alpha, n < p, alpha = 0

def wide(seed=5, n=20, p=50):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, p)), rng.standard_normal(n)


def interpolation_bound(X, alpha):
    """At the lasso/enet optimum |X_c' r / n|_inf <= alpha (more precisely, with the ridge
    term, <= alpha (l1 + (1 - l1)|b_j|)); r lies in the row space of X_c (rank n - 1 when
    n <= p), so ||r|| <= n alpha sqrt(p) / sigma_min(X_c)."""
    n, p = X.shape
    sigma = np.linalg.svd(X - X.mean(0), compute_uv=False)[n - 2]
    return n * alpha * np.sqrt(p) / sigma


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_tiny_alpha_wide_interpolates(l1_ratio):
    """n < p and alpha = 1e-8: the fitted values reproduce y (to the bound the optimality
    conditions give), as scikit-learn's do. The certificate may not reach tol at such an
    alpha; then a ConvergenceWarning says so, and the answer must still be right."""
    X, y = wide()
    alpha = 1e-8
    est = ElasticNet(alpha, l1_ratio=l1_ratio, tol=1e-10, max_iter=20_000)
    fitted, caught = run(est.fit, X, y)
    assert_finite(fitted)
    assert_no_numeric_trouble(caught)
    coef_bound = 1.0 + np.abs(fitted.coef_).max()
    resid = fitted.predict(X) - y
    assert np.linalg.norm(resid) <= interpolation_bound(X, alpha) * coef_bound * 10
    if ConvergenceWarning not in categories(caught):
        assert kkt_violation(X, y, fitted.coef_, fitted.intercept_, alpha, l1_ratio) < 1e-9


def test_tiny_alpha_ridge_is_the_minimum_norm_interpolant():
    X, y = wide()
    Xc, yc = X - X.mean(0), y - y.mean()
    minimum_norm = np.linalg.pinv(Xc) @ yc
    for alpha in (1e-10, 0.0):
        fitted, _ = run(Ridge(alpha).fit, X, y)
        np.testing.assert_allclose(fitted.coef_, minimum_norm, atol=1e-8)
        np.testing.assert_allclose(fitted.predict(X), y, atol=1e-8)


def test_tiny_alpha_path_end_interpolates():
    X, y = wide()
    fit, caught = run(path, X, y, eps=1e-6, n_alphas=30, tol=1e-10)
    assert np.isfinite(fit.coefs).all()
    assert_no_numeric_trouble(caught)
    resid = fit.predict(X)[:, -1] - y
    bound = interpolation_bound(X, fit.alphas[-1])
    assert np.linalg.norm(resid) <= 10 * bound


@pytest.mark.parametrize("alpha", [1e-300, 1e-100, 1e-20])
def test_absurdly_small_alpha_is_least_squares(alpha):
    """n > p: the answer is ordinary least squares; a ConvergenceWarning is allowed (the
    rescaled dual point of a near-zero alpha certifies nothing), a wrong answer is not."""
    X, y = regression(n=60, p=4)
    fitted, caught = run(Lasso(alpha).fit, X, y)
    assert_no_numeric_trouble(caught)
    ols = sk.LinearRegression().fit(X, y)
    np.testing.assert_allclose(fitted.coef_, ols.coef_, rtol=1e-6)




@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_alpha_zero_is_least_squares(l1_ratio):
    X, y = regression(n=60, p=4)
    fitted, caught = run(ElasticNet(0.0, l1_ratio=l1_ratio, tol=1e-10).fit, X, y)
    assert UserWarning in categories(caught)  # "LinearRegression is the better tool"
    ols = sk.LinearRegression().fit(X, y)
    # a gap of 1e-10 var(y) bounds the coefficient error by ~1e-5 std(y) / sqrt(lambda_min)
    np.testing.assert_allclose(fitted.coef_, ols.coef_, rtol=1e-6, atol=1e-6)


def test_unpenalized_logistic_matches_sklearn():
    X, y = classification(n=100, p=3)  # not separable
    fitted, _ = run(LogisticRegression(C=np.inf, tol=1e-10).fit, X, y)
    ref = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(fitted.coef_, ref.coef_, rtol=1e-5)


def test_unpenalized_poisson_matches_sklearn():
    X, y = counts()
    fitted, _ = run(PoissonRegressor(alpha=0.0, tol=1e-8).fit, X, y)
    ref = sk.PoissonRegressor(alpha=0.0, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(fitted.coef_, ref.coef_, rtol=1e-5)


def test_unpenalized_logistic_on_separable_data_warns_and_stays_finite():
    """README: without a penalty separable classes stop at max_iter with a warning that
    says so. The coefficients are finite; the fit separates the training classes."""
    X, y = wide(n=30, p=40)
    y = (X[:, 0] > 0).astype(int)
    fitted, caught = run(LogisticRegression(C=np.inf, max_iter=30).fit, X, y)
    assert ConvergenceWarning in categories(caught)
    assert any("separable" in str(w.message) for w in caught)
    assert_finite(fitted)


def test_unpenalized_logistic_on_separable_data_separates():
    X, y = wide(n=30, p=40)
    y = (X[:, 0] > 0).astype(int)
    fitted, _ = run(LogisticRegression(C=np.inf, max_iter=30).fit, X, y)
    assert fitted.score(X, y) == 1.0


# ------------------------------------------------------------------------ float32


def near_precision(seed=6, n=200):
    """float32 columns around 1e4 (unit spacing ~1e-3): centring cancels four digits."""
    rng = np.random.default_rng(seed)
    X = (1e4 + rng.standard_normal((n, 3))).astype(np.float32)
    y = (X.astype(np.float64) - 1e4) @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(n)
    return X, y


@pytest.mark.parametrize("make", [
    lambda: Lasso(1e-3, tol=1e-10), lambda: ElasticNet(1e-3, tol=1e-10),
    lambda: Ridge(1e-3), lambda: Lasso(1e-3, tol=1e-10, precompute=True),
], ids=["lasso", "enet", "ridge", "lasso-gram"])
@pytest.mark.parametrize("y_dtype", [np.float64, np.float32])
def test_float32_near_precision_matches_float64(make, y_dtype):
    """float32 X is read as stored; the arithmetic must not lose more than float32's own
    precision: the fit equals the float64 fit of the same values (and scikit-learn's)."""
    X, y = near_precision()
    y = y.astype(y_dtype)
    ours, caught = run(make().fit, X, y)
    assert ours.coef_.dtype == np.float32
    assert_no_numeric_trouble(caught)
    ref, _ = run(make().fit, X.astype(np.float64), y.astype(np.float64))
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5)
    # the intercept carries -1e4 * sum(coef): float32's own error in the coefficients
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-5)


def test_float32_extreme_magnitude():
    """float32 values near 1e19 square to beyond float32's range (3.4e38)."""
    X, y = regression(n=60, p=4)
    X32 = (X * 1e19).astype(np.float32)
    ours, caught = run(Lasso(0.1 * 1e19, tol=1e-10).fit, X32, y)
    assert_no_numeric_trouble(caught)
    ref = sk.Lasso(0.1, tol=1e-12, max_iter=100_000).fit(X32.astype(np.float64) / 1e19, y)
    np.testing.assert_allclose(ours.coef_.astype(np.float64) * 1e19, ref.coef_, rtol=1e-5)


def test_float32_glms_and_path():
    X, y = near_precision()
    yb = (y > 0).astype(int)
    ours, _ = run(LogisticRegression(tol=1e-10).fit, X, yb)
    ref, _ = run(LogisticRegression(tol=1e-10).fit, X.astype(np.float64), yb)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5)
    yc = np.round(np.exp(y / 5))
    ours, _ = run(PoissonRegressor(alpha=0.01, tol=1e-8).fit, X, yc)
    ref, _ = run(PoissonRegressor(alpha=0.01, tol=1e-8).fit, X.astype(np.float64), yc)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5)
    ours, _ = run(path, X, y, n_alphas=20)
    ref, _ = run(path, X.astype(np.float64), y, n_alphas=20)
    np.testing.assert_allclose(ours.coefs, ref.coefs, rtol=1e-5, atol=1e-8)


# ------------------------------------------------- sample weights with zeros = dropping

def weighted(seed=7, n=60, p=8):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    sw = rng.uniform(0.5, 2.0, n)
    sw[::3] = 0.0
    return X, y, sw, sw > 0


@pytest.mark.parametrize("storage", ["dense", "sparse", "gram"])
@pytest.mark.parametrize("make,make_ref", [
    (lambda **kw: Lasso(0.05, tol=1e-12, **kw),
     lambda: sk.Lasso(0.05, tol=1e-14, max_iter=100_000)),
    (lambda **kw: ElasticNet(0.05, l1_ratio=0.3, tol=1e-12, **kw),
     lambda: sk.ElasticNet(0.05, l1_ratio=0.3, tol=1e-14, max_iter=100_000)),
    (lambda **kw: Lasso(0.05, tol=1e-12, standardize=True, **kw), None),
], ids=["lasso", "enet", "lasso-standardize"])
def test_zero_weights_equal_dropping_rows(make, make_ref, storage):
    """Zero weights equal dropping the rows (and, where the objective is scikit-learn's,
    equal its fit on the kept rows)."""
    X, y, sw, keep = weighted()
    Xs = sp.csc_matrix(X) if storage == "sparse" else X
    kw = {"precompute": True} if storage == "gram" else {}
    ours, _ = run(make(**kw).fit, Xs, y, sample_weight=sw)
    dropped, _ = run(make(**kw).fit, Xs[keep], y[keep], sample_weight=sw[keep])
    np.testing.assert_allclose(ours.coef_, dropped.coef_, atol=1e-10)
    assert ours.intercept_ == pytest.approx(dropped.intercept_, abs=1e-10)
    if make_ref is not None:
        ref = make_ref().fit(X[keep], y[keep], sample_weight=sw[keep])
        np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)


@pytest.mark.parametrize("storage", ["dense", "sparse"])
def test_zero_weights_equal_dropping_rows_ridge(storage):
    X, y, sw, keep = weighted()
    Xs = sp.csc_matrix(X) if storage == "sparse" else X
    ours, _ = run(Ridge(1.0).fit, Xs, y, sample_weight=sw)
    ref = sk.Ridge(1.0).fit(X[keep], y[keep], sample_weight=sw[keep])
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-10)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-10)


@pytest.mark.parametrize("make,target", [
    (lambda: LogisticRegression(tol=1e-10), "binary"),
    (lambda: LogisticRegression(C=0.5, l1_ratio=1.0, tol=1e-10), "binary"),
    (lambda: LogisticRegression(tol=1e-10), "multiclass"),
    (lambda: PoissonRegressor(alpha=0.01, tol=1e-8), "counts"),
    (lambda: PoissonRegressor(alpha=0.01, l1_ratio=0.5, tol=1e-8), "counts"),
], ids=["logistic", "logistic-l1", "multinomial", "poisson", "poisson-enet"])
def test_zero_weights_equal_dropping_rows_glm(make, target):
    X, y, sw, keep = weighted()
    rng = np.random.default_rng(8)
    yy = {"binary": (y > 0).astype(int), "multiclass": np.digitize(y, [-1.0, 1.0]),
          "counts": rng.poisson(np.exp(0.3 * X[:, 0])).astype(float)}[target]
    ours, _ = run(make().fit, X, yy, sample_weight=sw)
    dropped, _ = run(make().fit, X[keep], yy[keep], sample_weight=sw[keep])
    np.testing.assert_allclose(ours.coef_, dropped.coef_, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, dropped.intercept_, atol=1e-7)


@pytest.mark.parametrize("family", ["gaussian", "binomial", "poisson"])
def test_zero_weights_equal_dropping_rows_path(family):
    X, y, sw, keep = weighted()
    yy = {"gaussian": y, "binomial": (y > 0).astype(float),
          "poisson": np.round(np.exp(y / 4))}[family]
    ours, _ = run(path, X, yy, family=family, sample_weight=sw, n_alphas=15)
    dropped, _ = run(path, X[keep], yy[keep], family=family, sample_weight=sw[keep],
                     n_alphas=15)
    np.testing.assert_allclose(ours.alphas, dropped.alphas, rtol=1e-12)
    np.testing.assert_allclose(ours.coefs, dropped.coefs, atol=1e-8)
    np.testing.assert_allclose(ours.intercepts, dropped.intercepts, atol=1e-8)


# --------------------------------------------------------------------- max_iter = 1

def hard(seed=9, n=200, p=50):
    """Strongly correlated columns: many epochs to converge."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1:] += 3.0 * X[:, :1]
    return X, X @ rng.standard_normal(p) + rng.standard_normal(n)


@pytest.mark.parametrize("make", [
    lambda: Lasso(1e-3, max_iter=1), lambda: ElasticNet(1e-3, max_iter=1),
    lambda: Lasso(1e-3, max_iter=1, precompute=True),
    lambda: Lasso(1e-3, max_iter=1, selection="random", random_state=0),
    lambda: Ridge(1.0, max_iter=1, positive=True),
], ids=["lasso", "enet", "lasso-gram", "lasso-random", "ridge-positive"])
@pytest.mark.parametrize("sparse", [False, True])
def test_max_iter_one_warns_and_is_finite(make, sparse):
    X, y = hard()
    Xs = sp.csc_matrix(X) if sparse else X
    fitted, caught = run(make().fit, Xs, y)
    assert ConvergenceWarning in categories(caught)
    assert_no_numeric_trouble(caught)
    assert_finite(fitted)
    assert np.max(fitted.n_iter_) <= 1




def test_max_iter_one_ridge_lsqr_warns():
    X, y = hard()
    _, caught = run(Ridge(1.0, max_iter=1, solver="lsqr").fit, X, y)
    assert ConvergenceWarning in categories(caught)


@pytest.mark.parametrize("make,target", [
    (lambda: LogisticRegression(max_iter=1), "binary"),
    (lambda: LogisticRegression(max_iter=1, l1_ratio=1.0), "binary"),
    (lambda: LogisticRegression(max_iter=1), "multiclass"),
    (lambda: PoissonRegressor(alpha=1e-3, max_iter=1), "counts"),
], ids=["logistic", "logistic-l1", "multinomial", "poisson"])
def test_max_iter_one_glm_warns_and_is_finite(make, target):
    X, y = hard()
    rng = np.random.default_rng(10)
    yy = {"binary": (y > np.median(y)).astype(int), "multiclass": np.digitize(y, [-5.0, 5.0]),
          "counts": rng.poisson(np.exp(0.1 * X[:, 0])).astype(float)}[target]
    fitted, caught = run(make().fit, X, yy)
    assert ConvergenceWarning in categories(caught)
    assert_no_numeric_trouble(caught)
    assert_finite(fitted)
    assert np.max(fitted.n_iter_) <= 1


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
def test_max_iter_one_path_warns_and_is_finite(family):
    X, y = hard()
    yy = y if family == "gaussian" else (y > np.median(y)).astype(float)
    fit, caught = run(path, X, yy, family=family, max_iter=1, n_alphas=10)
    assert ConvergenceWarning in categories(caught)
    assert_no_numeric_trouble(caught)
    assert np.isfinite(fit.coefs).all() and np.isfinite(fit.intercepts).all()
    assert fit.n_iter.max() <= 1


def test_constant_column_does_not_set_alpha_max():
    """Was a bug (found by the long hypothesis run): a constant column's gradient is
    rounding residue (1e-31 here), which set alpha_max to 2.8e-17 instead of 0; at that
    alpha the dual scaling divided rounding by rounding, the gap stayed at 3e-2 and
    coordinate descent ran to max_iter. Constant columns are now left out of alpha_max,
    so the path is the all-zero one with the alpha_max = 0 warning."""
    X = np.array([[1.35545984, 3.0, -0.45141437], [0.60277012, 3.0, -0.40457473],
                  [0.95256049, 3.0, -0.43762344], [1.33197091, 3.0, -0.36403724]])
    y = np.array([2.01001651, 2.20376951, 2.14387272, 1.60199482])
    sw = np.array([0.52442371, 0.0, 2.37471272, 1.91640924])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.warns(UserWarning, match="alpha_max is 0"):
            fitted = path(X, y, 1.0, n_alphas=1, tol=1e-10, sample_weight=sw, positive=True,
                          max_iter=2000)
    assert fitted.converged.all()
    assert (fitted.coefs == 0).all()
    # without the constant column: the same answer
    with pytest.warns(UserWarning, match="alpha_max is 0"):
        path(X[:, [0, 2]], y, 1.0, n_alphas=1, sample_weight=sw, positive=True)
