"""The dense, sparse and Gram kernels solve the same problem to the same answer."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from penalized._validation import build_problem
from penalized.solver import solve, solve_sequence
from tests.conftest import kkt_violation, make_regression


def _problems(X, y, **kw):
    Xs = sp.csc_matrix(X)
    return {
        "dense": build_problem(X, y, precompute=False, **kw),
        "sparse": build_problem(Xs, y, precompute=False, **kw),
        "gram": build_problem(X, y, precompute=True, **kw),
        "sparse-gram": build_problem(Xs, y, precompute=True, **kw),
    }


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.3])
def test_storages_agree(rng, dtype, l1_ratio):
    X, y = make_regression(rng, 90, 40, rho=0.3)
    X[rng.random(X.shape) < 0.5] = 0
    X = X.astype(dtype)
    sw = rng.uniform(0.2, 2.0, 90)
    kw = dict(sample_weight=sw, standardize=True, penalty_factor=rng.uniform(0.5, 2, 40),
              lower_bounds=-1.0, upper_bounds=2.0)
    fits = {name: solve(p, 0.02, l1_ratio, tol=1e-14, max_iter=100_000)
            for name, p in _problems(X, y, **kw).items()}
    ref = fits["dense"]
    assert ref.coef.any()
    for name, fit in fits.items():
        assert fit.converged, name
        assert_allclose(fit.coef, ref.coef, rtol=1e-6, atol=1e-7, err_msg=name)
        assert_allclose(fit.intercept, ref.intercept, rtol=1e-6, atol=1e-7, err_msg=name)
    problem = _problems(X, y, **kw)["dense"]
    assert kkt_violation(X.astype(np.float64), y, ref.coef, ref.intercept, 0.02, l1_ratio, sw,
                         kw["penalty_factor"], -1.0, 2.0, problem.feature_scale) < 1e-6


def test_sequence_is_warm_started_and_certified(rng):
    X, y = make_regression(rng, 100, 300)
    problem = build_problem(X, y, precompute=False)
    alpha_max = np.abs(problem.design.rmatvec(y - y.mean())).max()
    alphas = alpha_max * np.geomspace(1, 0.01, 30)
    fits = solve_sequence(problem, alphas, 1.0, tol=1e-10)
    assert all(f.converged for f in fits)
    assert (fits[0].coef == 0).all() and (fits[-1].coef != 0).sum() > 5
    for a, f in zip(alphas[::7], fits[::7], strict=True):
        cold = solve(problem, a, 1.0, tol=1e-12)
        assert_allclose(f.coef, cold.coef, atol=1e-5)
        assert kkt_violation(X, y, f.coef, f.intercept, a, 1.0) < 1e-4
