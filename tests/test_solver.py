"""The certificate: the reported duality gap bounds the true suboptimality."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from penalized._validation import build_problem
from penalized.solver import solve
from tests.conftest import make_regression


def objective(X, y, coef, intercept, alpha, l1_ratio, pf):
    r = y - X @ coef - intercept
    return r @ r / (2 * len(y)) + alpha * (
        l1_ratio * pf @ np.abs(coef) + (1 - l1_ratio) / 2 * pf @ coef**2)


@pytest.mark.parametrize("storage", ["dense", "sparse", "gram"])
@pytest.mark.parametrize("tol", [1e-2, 1e-4, 1e-6])
def test_gap_bounds_suboptimality_with_unpenalized_features(rng, storage, tol):
    X, y = make_regression(rng, 80, 15, rho=0.6)
    pf = np.r_[0.0, 0.0, 0.0, np.ones(12)]  # three unpenalized, unbounded features
    Xs = sp.csc_matrix(X) if storage == "sparse" else X
    problem = build_problem(Xs, y, penalty_factor=pf, precompute=storage == "gram")
    alpha = 0.05
    loose = solve(problem, alpha, 0.8, tol=tol, max_iter=100_000, warn=False)
    best = solve(problem, alpha, 0.8, tol=1e-15, max_iter=1_000_000, warn=False)
    excess = (objective(X, y, loose.coef, loose.intercept, alpha, 0.8, pf)
              - objective(X, y, best.coef, best.intercept, alpha, 0.8, pf))
    assert loose.converged
    assert 0 <= loose.gap
    assert excess <= loose.gap + 1e-13
    # the unpenalized features are fitted: their gradient vanishes at the tight solution
    r = y - X @ best.coef - best.intercept
    assert np.abs(X[:, :3].T @ r / len(y)).max() < 1e-6


@pytest.mark.parametrize("storage", ["dense", "sparse", "gram"])
def test_kernel_never_reads_unwritten_scratch(rng, monkeypatch, storage):
    """Garbage in the work arrays must not change any result (it once did, through the
    extrapolation history)."""
    import penalized.solver as solver_module

    X, y = make_regression(rng, 60, 300, rho=0.5)
    Xs = sp.csc_matrix(X) if storage == "sparse" else X
    problem = build_problem(Xs, y, precompute=storage == "gram")
    alphas = np.geomspace(1.0, 0.01, 8)

    def run():
        return solver_module.solve_arrays(problem, alphas, 0.9, tol=1e-8, warn=False).coefs

    clean = run()
    for garbage in (np.nan, 1e300, -7.0):
        def dirty(shape, dtype, garbage=garbage):
            return np.full(shape, garbage if dtype == np.float64 else -12345, dtype=dtype)

        monkeypatch.setattr(solver_module, "scratch", dirty)
        np.testing.assert_array_equal(run(), clean)


def test_working_set_does_not_stall_on_positive_standardized_problem():
    """Found by tests/test_properties.py: three features tied at the working set's score
    threshold took the places of a KKT violator further down the index order, so the
    working set never changed and the path's second alpha ran 100000 epochs at b = 0."""
    from pathlib import Path as FilePath

    from penalized import path

    data = np.load(FilePath(__file__).parent / "data" / "ws_stall.npz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = path(data["X"], data["y"], 0.9, n_alphas=7, tol=1e-10, standardize=True,
                      positive=True, penalty_factor=data["penalty_factor"])
    assert fitted.converged.all()


@pytest.mark.parametrize("storage", ["dense", "sparse", "gram"])
def test_one_sided_unpenalized_features_match_bounded_least_squares(rng, storage):
    """Unpenalized features with one finite bound (positive=True, or a one-sided box) have a
    sign constraint in the dual: the fit equals scipy's bounded least squares, and its gap
    bounds the excess objective (it once reported 0 at b = 0)."""
    from scipy.optimize import lsq_linear

    X, y = make_regression(rng, 50, 8, rho=0.4)
    y = y - 2.0 * X[:, 0]  # the unconstrained fit of feature 0 is negative: its bound binds
    lo = np.array([0.0, 0.0, -0.5, -np.inf, 0.0, -np.inf, 0.0, -1.0])
    hi = np.array([np.inf, np.inf, np.inf, 0.0, 0.3, np.inf, np.inf, np.inf])
    Xs = sp.csc_matrix(X) if storage == "sparse" else X
    problem = build_problem(Xs, y, penalty_factor=np.zeros(8), lower_bounds=lo,
                            upper_bounds=hi, precompute=storage == "gram")
    fit = solve(problem, 0.1, 1.0, tol=1e-12, max_iter=100_000)
    Xc, yc = X - X.mean(0), y - y.mean()
    ref = lsq_linear(Xc, yc, bounds=(lo, hi), tol=1e-14, lsmr_tol="auto").x
    ref_excess = objective(X, y, fit.coef, fit.intercept, 0.1, 1.0, np.zeros(8)) - objective(
        Xc, yc, ref, 0.0, 0.1, 1.0, np.zeros(8))
    assert abs(ref_excess) <= fit.gap + 1e-14
    np.testing.assert_allclose(fit.coef, ref, atol=1e-5)  # gap 1e-12: coefs to ~sqrt(gap)
    assert fit.coef[0] == 0.0
    loose = solve(problem, 0.1, 1.0, tol=1e-3, max_iter=100_000)
    excess = objective(X, y, loose.coef, loose.intercept, 0.1, 1.0, np.zeros(8)) - objective(
        X, y, fit.coef, fit.intercept, 0.1, 1.0, np.zeros(8))
    assert 0 <= loose.gap and excess <= loose.gap + 1e-13


def test_nonnegative_least_squares_at_alpha_zero(rng):
    """alpha=0 with positive=True is non-negative least squares (scipy.optimize.nnls)."""
    from scipy.optimize import nnls

    X, y = make_regression(rng, 40, 10, rho=0.3)
    y = y - X[:, :4].sum(1)
    problem = build_problem(X, y, fit_intercept=False, positive=True)
    fit = solve(problem, 0.0, 1.0, tol=1e-14, max_iter=100_000)
    ref, _ = nnls(X, y)
    np.testing.assert_allclose(fit.coef, ref, atol=1e-6)
    np.testing.assert_array_equal(fit.coef == 0, ref == 0)
    assert fit.gap <= 1e-14 * (y @ y) / len(y)


def test_one_sided_unpenalized_feature_in_logistic_path(rng):
    """The GLM inner solves share the projection: a positive unpenalized feature whose
    unconstrained coefficient is negative stays at 0, and the rest matches L-BFGS-B."""
    from scipy.optimize import minimize

    from penalized import path

    X = rng.standard_normal((80, 3))
    y = (X @ [-1.5, 1.0, 0.5] + rng.standard_normal(80) > 0).astype(float)
    pf = np.array([0.0, 0.0, 1.0])
    fitted = path(X, y, 0.0, family="binomial", alphas=[0.1], penalty_factor=pf,
                  lower_bounds=[0.0, 0.0, -np.inf], tol=1e-10)

    def f(z):
        eta = z[0] + X @ z[1:]
        val = np.mean(np.logaddexp(0, eta) - y * eta) + 0.05 * z[3] ** 2
        g = np.r_[0.0, 0.0, 0.0, 0.1 * z[3]]
        resid = (1 / (1 + np.exp(-eta)) - y) / len(y)
        return val, g + np.r_[resid.sum(), X.T @ resid]

    ref = minimize(f, np.zeros(4), jac=True, method="L-BFGS-B",
                   bounds=[(None, None), (0, None), (0, None), (None, None)],
                   options=dict(ftol=1e-15, gtol=1e-11)).x
    assert fitted.coefs[0, 0] == 0.0
    np.testing.assert_allclose(fitted.coefs[0], ref[1:], atol=1e-5)
    np.testing.assert_allclose(fitted.intercepts[0], ref[0], atol=1e-5)


def test_nearly_collinear_unpenalized_columns_converge(rng):
    """Was a bug: coordinate descent zig-zagged on two nearly collinear unpenalized columns
    (100 000 epochs, gap 150x the tolerance); they are now fitted exactly as a block after
    each epoch. Reference: the penalized part by scikit-learn on the data projected off the
    unpenalized columns, those columns by least squares."""
    from sklearn.linear_model import Lasso as SkLasso

    n = 40
    X = rng.standard_normal((n, 6))
    X[:, 1] = -2.1 * X[:, 0] + 0.001 * rng.standard_normal(n)  # cond(X_F) ~ 6000
    y = X @ [3.0, 1.0, 0.0, 1.5, 0.0, -1.0] + rng.standard_normal(n)
    pf = np.array([0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    problem = build_problem(X, y, penalty_factor=pf, fit_intercept=False)
    fit = solve(problem, 0.05, 1.0, tol=1e-10, max_iter=5000)  # took > 5000 epochs
    assert fit.converged and fit.n_iter < 100
    Q, _ = np.linalg.qr(X[:, :2])
    project = lambda A: A - Q @ (Q.T @ A)  # noqa: E731
    ref = SkLasso(alpha=0.05, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(
        project(X[:, 2:]), project(y)).coef_
    free = np.linalg.lstsq(X[:, :2], y - X[:, 2:] @ ref, rcond=None)[0]
    np.testing.assert_allclose(fit.coef, np.r_[free, ref], rtol=1e-5, atol=1e-6)


def test_rank_one_weighted_elastic_net_converges():
    """Found by the long property run: two samples carry all the weight, so the 41
    standardized columns are collinear and only the small ridge term curves the flat
    directions. With working sets that took every KKT violator at once, coordinate descent
    needed > 1e5 epochs for a gap of 1e-10 (scikit-learn's stops at 3e-9); capped at
    doubling, it converges (68 000 epochs: still slow, the problem is nearly singular)."""
    from pathlib import Path

    from sklearn.exceptions import ConvergenceWarning

    from penalized import ElasticNet

    data = np.load(Path(__file__).parent / "data" / "rank_one_weighted.npz")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        est = ElasticNet(alpha=float(data["alpha"]), l1_ratio=float(data["l1_ratio"]),
                         tol=1e-10, max_iter=100_000, standardize=True).fit(
            data["X"], data["y"], sample_weight=data["sample_weight"])
    assert not caught
    assert 0 <= est.dual_gap_ and est.n_iter_ < 100_000


@pytest.mark.parametrize("storage", ["dense", "sparse", "gram"])
def test_warm_started_level_moves_even_when_its_start_is_certified(rng, storage):
    """Along a sequence, a level whose warm start already meets tol still runs an epoch
    (the start is the previous level's solution, up to tol off); a single fit does not."""
    from penalized.solver import solve_arrays

    X, y = make_regression(rng, 100, 30, rho=0.3)
    Xs = sp.csc_matrix(X) if storage == "sparse" else X
    problem = build_problem(Xs, y, precompute=storage == "gram")
    alpha_max = np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / len(y)
    alphas = alpha_max * np.array([0.1, 0.0999])  # the first solution certifies the second
    loose = solve_arrays(problem, alphas, 1.0, tol=1e-1, warn=False)
    first = solve(problem, alphas[0], 1.0, tol=1e-10, warn=False)
    assert loose.gaps[1] <= loose.tol
    assert loose.n_iter[1] >= 1
    assert not np.array_equal(loose.coefs[1], loose.coefs[0])
    # at alpha_max a fit from zero is already optimal: no epoch, as scikit-learn reports
    assert solve(problem, alpha_max, 1.0, warn=False).n_iter == 0
    assert np.count_nonzero(first.coef) > 0
