"""Lasso and ElasticNet against scikit-learn, closed forms and the KKT conditions."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from penalized import ElasticNet, Lasso
from tests.conftest import kkt_violation, make_regression

TIGHT = dict(tol=1e-14, max_iter=100_000)


def _sk(cls_name, **kw):
    return getattr(sk, cls_name)(**kw)


CASES = {
    "tall": dict(n=200, p=20, rho=0.0),
    "wide": dict(n=50, p=200, rho=0.0),
    "correlated": dict(n=100, p=60, rho=0.8),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("precompute", [False, True])
def test_matches_sklearn_dense(rng, case, l1_ratio, precompute):
    X, y = make_regression(rng, **CASES[case])
    alpha = 0.05 * np.abs(X.T @ (y - y.mean())).max() / len(y)
    ours = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, precompute=precompute, **TIGHT).fit(X, y)
    ref = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-6)
    assert np.array_equal(ours.coef_ == 0, ref.coef_ == 0)
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio) < 1e-6
    assert ours.dual_gap_ <= 1e-14 * np.var(y) * 1.0001


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_matches_sklearn_sparse_and_weights(rng, l1_ratio):
    X, y = make_regression(rng, 120, 80)
    X[rng.random(X.shape) < 0.7] = 0.0
    Xs = sp.csc_matrix(X)
    sw = rng.uniform(0.1, 3.0, len(y))
    alpha = 0.02
    ours = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **TIGHT).fit(Xs, y, sample_weight=sw)
    ref = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **TIGHT).fit(Xs, y, sample_weight=sw)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-6)
    dense = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **TIGHT).fit(X, y, sample_weight=sw)
    # both gaps are ~1e-14: with curvature >= alpha (1 - l1_ratio) that bounds each
    # coefficient's error by ~1e-6 (they agreed further only by solving past the tolerance)
    assert_allclose(ours.coef_, dense.coef_, rtol=1e-6, atol=1e-6)
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio, sw) < 1e-6


def test_float32_keeps_dtype_and_matches(rng):
    X, y = make_regression(rng, 150, 30)
    X32 = X.astype(np.float32)
    ours = Lasso(alpha=0.05, tol=1e-10).fit(X32, y)
    ref = Lasso(alpha=0.05, tol=1e-10).fit(X32.astype(np.float64), y)
    assert ours.coef_.dtype == np.float32
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-4, atol=1e-4)
    skl = sk.Lasso(alpha=0.05, tol=1e-6, max_iter=100_000).fit(X32, y.astype(np.float32))
    assert_allclose(ours.coef_, skl.coef_, rtol=1e-3, atol=1e-3)


def test_positive_matches_sklearn(rng):
    X, y = make_regression(rng, 100, 30)
    ours = Lasso(alpha=0.02, positive=True, **TIGHT).fit(X, y)
    ref = sk.Lasso(alpha=0.02, positive=True, **TIGHT).fit(X, y)
    assert (ours.coef_ >= 0).all() and (ours.coef_ == 0).any() and (ours.coef_ > 0).any()
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6)


def test_multi_target_fits_each_column(rng):
    X, y = make_regression(rng, 80, 15)
    Y = np.column_stack([y, -2 * y + rng.standard_normal(len(y))])
    ours = ElasticNet(alpha=0.05, l1_ratio=0.7, **TIGHT).fit(X, Y)
    assert ours.coef_.shape == (2, 15) and ours.intercept_.shape == (2,)
    assert ours.dual_gap_.shape == (2,) and len(ours.n_iter_) == 2
    for k in range(2):
        ref = sk.ElasticNet(alpha=0.05, l1_ratio=0.7, **TIGHT).fit(X, Y[:, k])
        assert_allclose(ours.coef_[k], ref.coef_, rtol=1e-6, atol=1e-6)
    assert ours.predict(X).shape == (80, 2)


def test_duplicated_and_constant_columns(rng):
    X, y = make_regression(rng, 100, 10)
    X = np.column_stack([X, X[:, 0], np.full(100, 7.0)])
    ours = ElasticNet(alpha=0.05, l1_ratio=0.5, **TIGHT).fit(X, y)
    ref = sk.ElasticNet(alpha=0.05, l1_ratio=0.5, **TIGHT).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6)
    assert ours.coef_[-1] == 0.0
    # The ridge part splits the weight of a duplicated column equally.
    assert_allclose(ours.coef_[0], ours.coef_[10], rtol=1e-5)


def test_lasso_is_soft_thresholding_on_orthonormal_design(rng):
    n = 50
    Q, _ = np.linalg.qr(rng.standard_normal((n, 5)))
    X = Q * np.sqrt(n)
    y = X @ np.array([2.0, -1.0, 0.5, 0.0, 0.0]) + 0.1 * rng.standard_normal(n)
    z = X.T @ y / n
    expected = np.sign(z) * np.maximum(np.abs(z) - 0.75, 0.0)
    assert (expected == 0).any() and (expected != 0).any()
    fitted = Lasso(alpha=0.75, fit_intercept=False, tol=1e-12).fit(X, y)
    assert_allclose(fitted.coef_, expected, atol=1e-10)
    # Elastic net: soft-threshold, then divide by 1 + alpha (1 - l1_ratio).
    enet = ElasticNet(alpha=0.75, l1_ratio=0.4, fit_intercept=False, tol=1e-14).fit(X, y)
    expected = np.sign(z) * np.maximum(np.abs(z) - 0.3, 0.0) / (1 + 0.45)
    assert_allclose(enet.coef_, expected, atol=1e-10)


def test_standardize_equals_fit_on_standardized_columns(rng):
    X, y = make_regression(rng, 120, 12)
    X = X * rng.uniform(0.1, 50.0, 12)
    ours = ElasticNet(alpha=0.1, l1_ratio=0.8, standardize=True, **TIGHT).fit(X, y)
    mean, std = X.mean(0), X.std(0)
    ref = sk.ElasticNet(alpha=0.1, l1_ratio=0.8, **TIGHT).fit((X - mean) / std, y)
    assert_allclose(ours.coef_, ref.coef_ / std, rtol=1e-6, atol=1e-9)
    assert_allclose(ours.predict(X), ref.predict((X - mean) / std), rtol=1e-6)


def test_penalty_factor_equals_rescaled_columns(rng):
    # For the lasso, penalty factor f_j on column x_j equals no factor on column x_j / f_j.
    X, y = make_regression(rng, 100, 8)
    pf = np.array([0.5, 1.0, 2.0, 1.0, 0.0, 3.0, 1.0, 1.0])
    ours = Lasso(alpha=0.1, penalty_factor=pf, **TIGHT).fit(X, y)
    assert ours.coef_[4] != 0.0
    kkt = kkt_violation(X, y, ours.coef_, ours.intercept_, 0.1, 1.0, penalty_factor=pf)
    assert kkt < 1e-6
    mask = pf > 0
    ref = sk.Lasso(alpha=0.1, **TIGHT).fit(np.column_stack([X[:, mask] / pf[mask]]), y)
    # Unpenalized column 4 is excluded from the reference: compare only when it is absent.
    ours_sub = Lasso(alpha=0.1, penalty_factor=pf[mask], **TIGHT).fit(X[:, mask], y)
    assert_allclose(ours_sub.coef_, ref.coef_ / pf[mask], rtol=1e-6, atol=1e-8)


def test_bounds_hold_and_kkt(rng):
    X, y = make_regression(rng, 100, 10, noise=0.1)
    lower, upper = -0.5, 1.0
    ours = ElasticNet(alpha=0.01, l1_ratio=0.5, lower_bounds=lower, upper_bounds=upper,
                      **TIGHT).fit(X, y)
    assert (ours.coef_ >= lower).all() and (ours.coef_ <= upper).all()
    assert (ours.coef_ == upper).any() or (ours.coef_ == lower).any()
    kkt = kkt_violation(X, y, ours.coef_, ours.intercept_, 0.01, 0.5, lower=lower, upper=upper)
    assert kkt < 1e-6


def test_selected_features_indices_and_names(rng):
    pd = pytest.importorskip("pandas")
    X, y = make_regression(rng, 100, 6, n_informative=2)
    model = Lasso(alpha=0.3).fit(X, y)
    assert_allclose(model.selected_features_, np.flatnonzero(model.coef_))
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(6)])
    named = Lasso(alpha=0.3).fit(frame, y)
    assert list(named.selected_features_) == [f"f{j}" for j in np.flatnonzero(named.coef_)]
    assert 0 < len(named.selected_features_) < 6


def test_warm_start_and_random_selection(rng):
    X, y = make_regression(rng, 100, 30)
    model = ElasticNet(alpha=0.05, warm_start=True, tol=1e-14).fit(X, y)
    first_iters = model.n_iter_
    model.fit(X, y)
    assert first_iters > 1 and model.n_iter_ <= 1
    rand = ElasticNet(alpha=0.05, selection="random", random_state=3, tol=1e-14).fit(X, y)
    assert_allclose(rand.coef_, model.coef_, rtol=1e-5, atol=1e-6)


def test_convergence_warning_carries_gap(rng):
    X, y = make_regression(rng, 100, 50, rho=0.9)
    with pytest.warns(ConvergenceWarning, match="Duality gap"):
        Lasso(alpha=1e-4, max_iter=1, precompute=False).fit(X, y)


def test_alpha_above_alpha_max_gives_zeros(rng):
    X, y = make_regression(rng, 60, 20)
    alpha_max = np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / len(y)
    assert (Lasso(alpha=alpha_max * 1.0001).fit(X, y).coef_ == 0).all()
    assert (Lasso(alpha=alpha_max * 0.99, tol=1e-10).fit(X, y).coef_ != 0).any()


def test_sklearn_tools_work(rng):
    X, y = make_regression(rng, 120, 10)
    pipe = make_pipeline(StandardScaler(), Lasso(alpha=0.1))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and (scores > 0.5).all()
    grid = GridSearchCV(ElasticNet(), {"alpha": [0.01, 0.1, 1.0], "l1_ratio": [0.2, 0.9]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["alpha"] in (0.01, 0.1, 1.0)


def test_reference_snippet_runs_with_only_the_import_changed(rng, capsys):
    X_train, y_train = make_regression(rng, 100, 4, n_informative=2)
    from penalized import ElasticNet, Lasso, Ridge  # noqa: F811

    ridge = Ridge(alpha=1.0).fit(X_train, y_train)
    print("Ridge coefficients:", ridge.coef_)
    lasso = Lasso(alpha=0.1).fit(X_train, y_train)
    print("Lasso coefficients:", lasso.coef_)
    selected_features = np.where(lasso.coef_ != 0)[0]
    print(f"Lasso selected {len(selected_features)} of {len(lasso.coef_)} features")
    en = ElasticNet(alpha=0.1, l1_ratio=0.5).fit(X_train, y_train)
    assert (ridge.coef_ != 0).all()
    assert (lasso.coef_ == 0).any()
    assert len(selected_features) == 2
    ref = sk.Lasso(alpha=0.1).fit(X_train, y_train)
    assert np.array_equal(lasso.coef_ == 0, ref.coef_ == 0)
    assert en.coef_.shape == (4,)
    assert "Lasso selected 2 of 4 features" in capsys.readouterr().out


def test_no_warning_on_a_plain_fit(rng):
    X, y = make_regression(rng, 100, 20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Lasso(alpha=0.05).fit(X, y)


def test_failed_refit_leaves_the_fitted_model_unchanged():
    """fit is all-or-nothing: a refit that fails after validation keeps the old model."""
    import numpy as np
    import pytest

    from penalized import Lasso

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    model = Lasso(alpha=0.1).fit(X, X[:, 0]).set_params(penalty_factor=-np.ones(7))
    before = {k: np.copy(v) if isinstance(v, np.ndarray) else v
              for k, v in vars(model).items()}
    with pytest.raises(ValueError, match="penalty_factor"):  # checked after validate_data
        model.fit(rng.standard_normal((40, 7)), rng.standard_normal(40))
    assert model.n_features_in_ == 5
    assert vars(model).keys() == before.keys()
    for key, value in before.items():
        np.testing.assert_array_equal(getattr(model, key), value)
