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
