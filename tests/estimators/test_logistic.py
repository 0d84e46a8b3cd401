"""LogisticRegression against scikit-learn, hard data, and the binomial/poisson paths."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler

from penalized import LogisticRegression, path
from penalized.newton import kkt_violation


@pytest.fixture(scope="module")
def binary():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X)[:, :12], y


@pytest.mark.parametrize("C, l1_ratio", [(1.0, 0.0), (0.1, 1.0), (0.5, 0.5)])
@pytest.mark.parametrize("sparse", [False, True])
def test_binary_matches_sklearn(binary, C, l1_ratio, sparse):
    X, y = binary
    solver = "saga" if l1_ratio > 0 else "lbfgs"
    ref = SkLogisticRegression(C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-12,
                               max_iter=100_000).fit(X, y)
    got = LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-9).fit(
        sp.csr_matrix(X) if sparse else X, y)
    assert got.coef_.shape == (1, 12) and got.intercept_.shape == (1,)
    np.testing.assert_allclose(got.coef_, ref.coef_, atol=2e-5)
    np.testing.assert_allclose(got.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    if l1_ratio == 1.0:
        np.testing.assert_array_equal(got.coef_ == 0, np.abs(ref.coef_) < 1e-8)


@pytest.mark.parametrize("C, l1_ratio", [(1.0, 0.0), (0.3, 1.0)])
def test_multinomial_matches_sklearn(C, l1_ratio):
    X, y = load_iris(return_X_y=True)
    solver = "saga" if l1_ratio > 0 else "lbfgs"
    ref = SkLogisticRegression(C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-12,
                               max_iter=200_000).fit(X, y)
    got = LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-9).fit(X, y)
    assert got.coef_.shape == (3, 4)
    np.testing.assert_allclose(got.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(got.coef_, ref.coef_, atol=1e-3)
    assert got.intercept_.sum() == pytest.approx(0.0, abs=1e-10)
    np.testing.assert_allclose(np.exp(got.predict_log_proba(X)), got.predict_proba(X))


def test_weights_and_class_weights_match_sklearn(binary):
    X, y = binary
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    kw = dict(C=0.5, class_weight="balanced")
    ref = SkLogisticRegression(tol=1e-12, max_iter=100_000, **kw).fit(X, y, sample_weight=w)
    got = LogisticRegression(tol=1e-9, **kw).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(got.coef_, ref.coef_, atol=2e-5)


def test_deprecated_penalty_spelling(binary):
    X, y = binary
    with pytest.warns(FutureWarning, match="'penalty' was deprecated"):
        old = LogisticRegression(penalty="l1", C=0.1, tol=1e-9).fit(X, y)
    new = LogisticRegression(l1_ratio=1.0, C=0.1, tol=1e-9).fit(X, y)
    np.testing.assert_allclose(old.coef_, new.coef_)


def test_solution_satisfies_kkt(binary):
    X, y = binary
    model = LogisticRegression(C=0.2, l1_ratio=0.7, tol=1e-8).fit(X, y)
    n = len(y)
    eta = X @ model.coef_[0] + model.intercept_[0]
    resid = (1 / (1 + np.exp(-eta)) - y) / n
    alpha = 1 / (0.2 * n)
    viol = kkt_violation(X.T @ resid, resid.sum(), model.coef_[0], alpha, np.full(12, 0.7),
                         np.full(12, 0.3), np.full(12, -np.inf), np.full(12, np.inf), True)
    assert viol < 1e-6


def test_separable_without_penalty_warns_and_stops():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(ConvergenceWarning, match="separable"):
        model = LogisticRegression(C=np.inf, max_iter=30).fit(X, y)
    assert np.isfinite(model.coef_).all()
    # with a penalty the solution is finite and found
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        penalized_fit = LogisticRegression(C=1.0, tol=1e-8).fit(X, y)
    assert 0 < penalized_fit.coef_[0, 0] < 10


def test_bad_input(binary):
    X, y = binary
    with pytest.raises(ValueError, match="at least 2 classes"):
        LogisticRegression().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="dual=True"):
        LogisticRegression(dual=True).fit(X, y)
    with pytest.raises(ValueError, match="'C' parameter"):
        LogisticRegression(C=-1.0).fit(X, y)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(Xn, y)


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 8))
    return X, rng.poisson(np.exp(0.3 + X[:, :3] @ np.array([0.5, -0.4, 0.2])))


def test_glm_paths(binary, counts):
    X, y = binary
    fitted = path(X, y, family="binomial", n_alphas=20, tol=1e-8)
    assert fitted.n_nonzero[0] == 0 and fitted.n_nonzero[-1] > 5
    assert (np.diff(fitted.dev_ratio) >= -1e-9).all()
    below = path(X, y, family="binomial", alphas=[0.999 * fitted.alphas[0]], tol=1e-8)
    assert below.n_nonzero[0] >= 1
    n, k = len(y), 10
    single = LogisticRegression(C=1 / (fitted.alphas[k] * n), l1_ratio=1.0, tol=1e-9).fit(X, y)
    np.testing.assert_allclose(single.coef_[0], fitted.coefs[k], atol=1e-5)
    Xc, yc = counts
    exposure = np.random.default_rng(2).uniform(0.5, 2.0, len(yc))
    with_offset = path(Xc, yc, family="poisson", n_alphas=5, offset=np.log(exposure))
    assert np.isfinite(with_offset.coefs).all() and with_offset.converged.all()
    with pytest.raises(ValueError, match="relax=True"):
        path(X, y, family="binomial", relax=True)


def test_logistic_cv_matches_sklearn(binary):
    from sklearn.linear_model import LogisticRegressionCV as SkLogisticRegressionCV

    from penalized import LogisticRegressionCV

    X, y = binary
    kw = dict(Cs=6, cv=4, scoring="neg_log_loss")
    ref = SkLogisticRegressionCV(tol=1e-10, max_iter=10_000, use_legacy_attributes=True,
                                 **kw).fit(X, y)
    got = LogisticRegressionCV(tol=1e-8, **kw).fit(X, y)
    np.testing.assert_allclose(got.C_, ref.C_)
    np.testing.assert_allclose(got.scores_[1][:, :, 0], ref.scores_[1], atol=1e-4)
    np.testing.assert_allclose(got.coef_, ref.coef_, atol=1e-5)


def test_logistic_cv_one_se_rule(binary):
    from penalized import LogisticRegressionCV

    X, y = binary
    fitted = LogisticRegressionCV(Cs=8, cv=4, scoring="neg_log_loss", rule="1se",
                                  l1_ratios=[1.0]).fit(X, y)
    mean, se = fitted.mean_scores_[:, 0], fitted.std_errors_[:, 0]
    best = np.argmax(mean)
    expected = min(C for C, m in zip(fitted.Cs_, mean, strict=True) if m >= mean[best] - se[best])
    assert fitted.C_[0] == expected
    scores = fitted.scores_[1][:, :, 0]
    np.testing.assert_allclose(se, scores.std(axis=0, ddof=1) / 2)


def test_l1_logistic_path_recovers_a_sparse_truth():
    rng = np.random.default_rng(0)
    n, p = 200, 1000
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[[3, 50, 200, 700, 999]] = [3.0, -3.0, 2.5, -2.5, 3.0]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ beta)))).astype(float)
    top = path(X, y, family="binomial", n_alphas=1).alphas[0]
    fitted = path(X, y, family="binomial", alphas=top * np.geomspace(1, 0.3, 12), tol=1e-6)
    supports = [set(np.flatnonzero(c)) for c in fitted.coefs]
    assert set(np.flatnonzero(beta)) in supports
    assert fitted.converged.all()


def test_hard_classification_data_gives_finite_answers():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 5))
    one_sample = np.zeros(100, dtype=int)
    one_sample[0] = 1
    fit = LogisticRegression(tol=1e-8).fit(X, one_sample)
    assert np.isfinite(fit.coef_).all() and fit.intercept_[0] < -3
    rare = (rng.uniform(size=100) < 0.03).astype(int)
    rare[:2] = 1
    balanced = LogisticRegression(class_weight="balanced").fit(X, rare)
    plain = LogisticRegression().fit(X, rare)
    assert balanced.predict(X).mean() > plain.predict(X).mean()  # the weights matter
    huge = LogisticRegression(C=1e6).fit(X * 1e3, (X[:, 0] > 0).astype(int))
    assert np.isfinite(huge.coef_).all() and np.isfinite(huge.predict_proba(X)).all()


@pytest.fixture(scope="module")
def three_classes():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X, np.array(["setosa", "versicolor", "virginica"])[y]


def multinomial_kkt(X, labels, classes, coef, intercept, alpha, l1w):
    """Largest KKT violation of the multinomial lasso/enet, from numpy alone."""
    Y = (labels[:, None] == classes[None, :]).astype(float)
    eta = X @ coef.T + intercept
    P = np.exp(eta - eta.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    G = (P - Y).T @ X / len(labels)
    worst = np.abs((P - Y).mean(axis=0)).max()  # intercepts: zero gradient
    for k in range(coef.shape[0]):
        worst = max(worst, kkt_violation(G[k], 0.0, coef[k], alpha, l1w, 0 * l1w,
                                         np.full(len(l1w), -np.inf), np.full(len(l1w), np.inf),
                                         False))
    return worst


def test_multinomial_path(three_classes):
    X, y = three_classes
    fitted = path(X, y, family="multinomial", n_alphas=15, tol=1e-8)
    n, p = X.shape
    assert fitted.coefs.shape == (15, 3, p) and fitted.intercepts.shape == (15, 3)
    assert list(fitted.classes) == ["setosa", "versicolor", "virginica"]
    assert fitted.n_nonzero[0] == 0 and fitted.n_nonzero[-1] == p
    assert fitted.converged.all() and (np.diff(fitted.dev_ratio) >= -1e-9).all()
    np.testing.assert_allclose(fitted.intercepts.sum(axis=1), 0.0, atol=1e-12)
    for k in (3, 9, 14):
        viol = multinomial_kkt(X, y, fitted.classes, fitted.coefs[k], fitted.intercepts[k],
                               fitted.alphas[k], np.ones(p))
        assert viol <= 1e-6
    below = path(X, y, family="multinomial", alphas=[0.999 * fitted.alphas[0]], tol=1e-8)
    assert below.n_nonzero[0] >= 1
    # the same objective as scikit-learn's multinomial L1 logistic regression (C = 1/(n alpha))
    k = 6
    ref = SkLogisticRegression(C=1 / (n * fitted.alphas[k]), l1_ratio=1.0, solver="saga",
                               tol=1e-12, max_iter=100_000).fit(X, y)
    proba = fitted.predict(X, fitted.alphas[k], type="response")
    np.testing.assert_allclose(proba, ref.predict_proba(X), atol=1e-6)
    every = fitted.predict(X, type="response")
    assert every.shape == (n, 3, 15)
    np.testing.assert_allclose(every.sum(axis=1), 1.0)
    np.testing.assert_allclose(every[:, :, k], proba, atol=1e-12)


def test_multinomial_ridge_path_matches_lbfgs(three_classes):
    X, y = three_classes
    fitted = path(X, y, l1_ratio=0.0, family="multinomial", n_alphas=8, tol=1e-10)
    k = 5
    ref = SkLogisticRegression(C=1 / (len(y) * fitted.alphas[k]), tol=1e-12,
                               max_iter=10_000).fit(X, y)
    coef, intercept = fitted.coef_at(fitted.alphas[k])
    np.testing.assert_allclose(coef, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(intercept, ref.intercept_, atol=1e-6)


def test_multinomial_path_options(three_classes):
    X, y = three_classes
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 2.0, len(y))
    pf = np.array([0.0, 1.0, 2.0, 1.0])
    kw = dict(family="multinomial", sample_weight=w, penalty_factor=pf, standardize=True,
              tol=1e-9)
    fitted = path(X * [1.0, 3.0, 0.5, 2.0], y, n_alphas=6, **kw)
    top = fitted.alphas[0]
    assert np.all(fitted.coefs[0][:, 1:] == 0) and np.any(fitted.coefs[0][:, 0] != 0)
    below = path(X * [1.0, 3.0, 0.5, 2.0], y, alphas=[0.999 * top], **kw)
    assert np.any(below.coefs[0][:, 1:] != 0)
    dense = path(X, y, family="multinomial", n_alphas=6, tol=1e-9)
    sparse = path(sp.csr_matrix(X), y, family="multinomial", n_alphas=6, tol=1e-9)
    np.testing.assert_allclose(sparse.coefs, dense.coefs, atol=1e-7)


def test_multinomial_path_bad_input(three_classes):
    X, y = three_classes
    with pytest.raises(ValueError, match="2 classes"):
        path(X, np.full(len(y), "a"), family="multinomial")
    with pytest.raises(ValueError, match="Unknown label type"):
        path(X, np.linspace(0, 1, len(y)), family="multinomial")
    with pytest.raises(ValueError, match="offset"):
        path(X, y, family="multinomial", offset=np.zeros(len(y)))


def test_multinomial_class_cycling_agrees_with_joint_steps(three_classes, monkeypatch):
    import penalized.newton

    X, y = three_classes
    joint = path(X, y, family="multinomial", l1_ratio=0.5, n_alphas=5)
    monkeypatch.setattr(penalized.newton, "JOINT_MAX_BYTES", 0)  # too large to expand
    cycled = path(X, y, family="multinomial", l1_ratio=0.5, n_alphas=5)
    assert cycled.converged.all()
    np.testing.assert_allclose(cycled.coefs, joint.coefs, atol=1e-4)
