"""Scalar helpers shared by every coordinate-descent kernel.

Notation (per feature j, at one penalty level):
    l1 = alpha * l1_ratio * penalty_factor_j          (times the column scale when standardizing)
    l2 = alpha * (1 - l1_ratio) * penalty_factor_j    (times the squared column scale)
    lo <= 0 <= hi                                     box constraint on the coefficient
The per-coordinate penalty is  g(b) = l1 |b| + l2 / 2 b^2 + indicator(lo <= b <= hi).
"""

import numpy as np
from numba import njit


@njit(cache=True)
def prox_enet_box(z, l1, denom, lo, hi):
    """argmin over lo <= b <= hi of  denom/2 * b**2 - z*b + l1*|b|  (requires denom > 0)."""
    b = max(abs(z) - l1, 0.0) / denom
    if z < 0.0:
        b = -b
    return min(max(b, lo), hi)


@njit(cache=True)
def infeasibility(u, l1, l2, lo, hi):
    """Factor by which u must shrink so that the conjugate g*(u) is finite (1 when it is).

    g*(u) is infinite only on an unbounded side without a ridge term, when |u| > l1 there.
    Features with l1 = l2 = 0 and no bound are left out: their dual constraint is an equality
    that a scaling cannot enforce (the caller disables screening for them).
    """
    if l2 > 0.0 or l1 <= 0.0:
        return 1.0
    if u > l1 and hi == np.inf:
        return u / l1
    if -u > l1 and lo == -np.inf:
        return -u / l1
    return 1.0


@njit(cache=True)
def conjugate(u, l1, l2, lo, hi):
    """g*(u) = sup over lo <= b <= hi of  u*b - l1*|b| - l2/2 * b**2.

    On an unbounded side without a ridge term the caller has already scaled u into the
    domain (|u| <= l1 there), where the supremum is 0.
    """
    if l2 > 0.0:
        b = prox_enet_box(u, l1, l2, lo, hi)
    elif u > l1 and hi != np.inf:
        b = hi
    elif u < -l1 and lo != -np.inf:
        b = lo
    else:
        return 0.0
    return u * b - l1 * abs(b) - 0.5 * l2 * b * b


@njit(cache=True)
def certainly_zero(u, radius, l1, lo, hi):
    """Gap-safe sphere test: True when the optimal coefficient is provably 0.

    u is x_j' W theta at the (rescaled) dual point theta, radius = ||x_j||_W sqrt(2 gap). At
    the optimum b_j = 0 exactly when the dual correlation stays within [-l1, l1] on each side
    the box leaves open, and the dual optimum lies within `radius / ||x_j||_W` of theta.
    """
    if l1 <= 0.0:
        return lo == 0.0 and hi == 0.0
    if hi > 0.0 and u + radius >= l1:
        return False
    if lo < 0.0 and -u + radius >= l1:
        return False
    return True


@njit(cache=True)
def ws_score(u, l1, l2, col_norm, lo, hi):
    """Distance of feature j's dual constraint from saturation; small means 'likely active'."""
    if l1 <= 0.0:
        return -np.inf
    if col_norm == 0.0:
        return np.inf
    d = np.inf
    if hi > 0.0:
        d = min(d, l1 - u)
    if lo < 0.0:
        d = min(d, l1 + u)
    return d / col_norm


@njit(cache=True)
def kkt_residual(g, b, l1, l2, lo, hi):
    """Distance of 0 from  g + l2 b + l1 d|b| + N_[lo, hi](b): how far b is from optimal for
    one coordinate, g the smooth part's partial derivative there."""
    g = g + l2 * b
    if b == 0.0:
        v = 0.0
        if hi > 0.0:
            v = max(v, -g - l1)
        if lo < 0.0:
            v = max(v, g - l1)
        return v
    s = g + (l1 if b > 0.0 else -l1)
    if b >= hi:
        return max(s, 0.0)
    if b <= lo:
        return max(-s, 0.0)
    return abs(s)
