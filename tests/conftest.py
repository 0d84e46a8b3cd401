"""Seeded data fixtures and an independent KKT checker."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def make_regression(rng, n, p, n_informative=5, rho=0.0, noise=0.5):
    """Gaussian design with pairwise correlation rho and a sparse true coefficient vector."""
    Z = rng.standard_normal((n, p))
    X = np.sqrt(1 - rho) * Z + np.sqrt(rho) * rng.standard_normal((n, 1))
    beta = np.zeros(p)
    k = min(n_informative, p)
    beta[:k] = rng.choice([-1.0, 1.0], k) * rng.uniform(1.0, 3.0, k)
    y = X @ beta + 3.0 + noise * rng.standard_normal(n)
    return X, y


def kkt_violation(X, y, coef, intercept, alpha, l1_ratio, sample_weight=None,
                  penalty_factor=None, lower=None, upper=None, scale=None):
    """Largest violation of the elastic-net optimality conditions (0 at the exact optimum).

    Objective: 1/2 sum w_i r_i^2 + alpha sum pf_j s_j (l1_ratio |b_j| + (1-l1_ratio)/2 s_j b_j^2),
    w summing to one. Computed in plain numpy from the definition, independent of the solver.
    """
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=float)
    n, p = X.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    w = w / w.sum()
    pf = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, float)
    s = np.ones(p) if scale is None else scale
    lo = np.full(p, -np.inf) if lower is None else np.broadcast_to(lower, (p,))
    hi = np.full(p, np.inf) if upper is None else np.broadcast_to(upper, (p,))
    r = y - X @ coef - intercept
    grad = X.T @ (w * r) - alpha * (1 - l1_ratio) * pf * s * s * coef
    l1 = alpha * l1_ratio * pf * s
    viol = np.zeros(p)
    for j in range(p):
        b, g = coef[j], grad[j]
        if b != 0 and lo[j] < b < hi[j]:
            viol[j] = abs(g - l1[j] * np.sign(b))
        elif b == 0:
            upper_room = g - l1[j] if hi[j] > 0 else -np.inf
            lower_room = -g - l1[j] if lo[j] < 0 else -np.inf
            viol[j] = max(upper_room, lower_room, 0.0)
        elif b == hi[j]:
            viol[j] = max(-(g - l1[j] * np.sign(b)), 0.0)
        else:
            viol[j] = max(g - l1[j] * np.sign(b), 0.0)
    # The intercept's own condition: the weighted residuals sum to zero.
    return max(viol.max(initial=0.0), abs(w @ r) if intercept != 0 else 0.0)


# Hypothesis profiles for tests/test_properties.py: "ci" (the default) is small and
# derandomized so CI is reproducible; "long" explores thousands of examples per test.
# Choose with PENALIZED_HYPOTHESIS_PROFILE=long (or pytest --hypothesis-profile=long).
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True,
                          database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None, print_blob=True,
                          database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("PENALIZED_HYPOTHESIS_PROFILE", "ci"))
