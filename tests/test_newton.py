"""The proximal Newton driver's step accuracy (its results are tested in tests/estimators)."""

import numpy as np

from penalized._kernels import irls
from penalized._validation import build_problem
from penalized.newton import _gap_for_gradient


def _wls(rng):
    X = np.asfortranarray(rng.standard_normal((80, 6)))
    z = X @ np.arange(6.0) + rng.standard_normal(80)
    return build_problem(X, z, fit_intercept=True)


def test_step_gap_is_the_gradient_bound_below_the_cap(rng):
    """Within gap G of a quadratic's optimum the gradient is within sqrt(2 L G): the step's
    tolerance is that G (relative to the response's weighted variance)."""
    wls = _wls(rng)
    l2 = np.zeros(6)
    curvature = wls.design.col_sq.max()
    z = wls.y - wls.y_mean(wls.y)
    null = wls.weights @ (z * z)
    error = 1e-3
    expected = error * error / (2 * curvature) / null
    assert expected < irls.STEP_TOL_CAP
    np.testing.assert_allclose(_gap_for_gradient(wls, l2, error), expected, rtol=1e-12)
    # a ridge term adds curvature, hence asks for a smaller gap
    assert _gap_for_gradient(wls, np.full(6, curvature), error) < expected


def test_far_from_the_optimum_a_step_is_solved_loosely_not_to_a_fixed_tol(rng):
    """A large gradient target gives a loose step (up to the cap), not scikit-learn's 1e-4:
    over-solving the first Newton steps doubled an L1 logistic fit on sparse text data."""
    wls = _wls(rng)
    l2 = np.zeros(6)
    curvature = wls.design.col_sq.max()
    z = wls.y - wls.y_mean(wls.y)
    null = wls.weights @ (z * z)
    loose = np.sqrt(2 * curvature * null * 1e-2)  # the bound's gap is 1e-2 of the variance
    np.testing.assert_allclose(_gap_for_gradient(wls, l2, loose), 1e-2, rtol=1e-12)
    assert _gap_for_gradient(wls, l2, 1e3 * loose) == irls.STEP_TOL_CAP
    assert irls.STEP_TOL_CAP < 0.5  # b = 0 has a relative gap of at most 1/2: a step moves


def test_single_logistic_fits_take_gram_steps_on_tall_dense_x(rng, monkeypatch):
    """LogisticRegression solves its steps on the weighted Gram block when the dense X has
    more than twice as many samples as features (`_validation.gram_pays`), without forming the
    design's unweighted Gram; wide and sparse X keep their own storage. Either storage
    reaches the same optimum (checked against a tight dense solve and by F's KKT test)."""
    import scipy.sparse as sp

    import penalized
    from penalized.families import Binomial
    from penalized.newton import solve_glm

    stores = []
    original = irls.irls_path

    def spy(*args):
        stores.append(type(args[0]).__name__)
        return original(*args)

    monkeypatch.setattr(irls, "irls_path", spy)
    n, p = 400, 30
    X = np.asfortranarray(rng.standard_normal((n, p)) + 0.5 * rng.standard_normal((n, 1)))
    y = (rng.random(n) < 1 / (1 + np.exp(-X[:, :4] @ np.array([1.0, -1.0, 0.5, 0.5])))) * 1.0
    fits = {}
    for name, data in [("tall", X), ("wide", X[:40]), ("sparse", sp.csc_matrix(X))]:
        target = y[:40] if name == "wide" else y
        fits[name] = penalized.LogisticRegression(C=0.05, l1_ratio=1.0, tol=1e-8).fit(
            data, target)
    assert stores == ["GramStore", "DenseStore", "SparseStore"]
    problem = build_problem(X, y, fit_intercept=True)
    alpha = np.array([1.0 / (0.05 * n)])
    for gram in (True, False):
        stores.clear()
        result = solve_glm(problem, Binomial(), alpha, 1.0, tol=1e-10, polish=True,
                           gram=gram)[0]
        assert stores == ["GramStore" if gram else "DenseStore"]
        assert result.gap <= result.tol
        np.testing.assert_allclose(fits["tall"].coef_[0], result.coef, atol=1e-7)
        np.testing.assert_allclose(fits["tall"].intercept_[0], result.intercept, atol=1e-7)
    np.testing.assert_allclose(fits["tall"].coef_, fits["sparse"].coef_, atol=1e-7)
