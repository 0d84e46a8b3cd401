"""Coordinate-descent storage operations on a dense column-major X.

Centring is implicit: the residual r = y_c - (X - 1 x_mean') b keeps sum(w * r) = 0, so the
gradient of a centred column is x_j' W r and X itself is never modified or copied.
"""

from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.extending import overload

from penalized._kernels import _ops
from penalized._kernels._prox import prox_enet_box

FAST = {"reassoc", "contract", "nsz", "arcp"}


class DenseStore(NamedTuple):
    """X: (n_samples, n_features) F-ordered float32/float64; x_mean, w, y: float64."""

    X: np.ndarray
    x_mean: np.ndarray
    w: np.ndarray  # (n_samples,), or (1,) holding 1 / n_samples when all weights are equal
    y: np.ndarray
    wr: np.ndarray  # scratch (n_samples,)


# A column whose centred sum of squares is below this fraction of its raw one is constant up
# to rounding (std < 1e-13 |mean|): its residue, not data, would otherwise be fitted.
CONSTANT_RTOL = 1e-26


@njit(cache=True, fastmath=FAST, inline="always")
def centred_sq(X, w, j, m):
    """sum_i w_i (X[i, j] - m)^2 in one pass, w of shape (1,) meaning all weights equal."""
    uniform = w.shape[0] == 1
    s = 0.0
    for i in range(X.shape[0]):
        d = X[i, j] - m
        s += d * d if uniform else w[i] * d * d
    return s * w[0] if uniform else s


@njit(cache=True, fastmath=FAST)
def centred_col_sq(X, w, x_mean, out):
    """out[j] = sum_i w_i (X[i, j] - x_mean[j])^2 in one pass per column, no temporary."""
    for j in range(X.shape[1]):
        out[j] = centred_sq(X, w, j, x_mean[j])


@njit(cache=True, fastmath=FAST, inline="always")
def _axpy(X, x_mean, state, j, delta):
    """state <- state - delta * (x_j - x_mean_j)."""
    shift = delta * x_mean[j]
    for i in range(X.shape[0]):
        state[i] += shift - delta * X[i, j]


def _is_dense(store):
    return isinstance(store, types.BaseNamedTuple) and store.instance_class is DenseStore


@overload(_ops.epoch, jit_options={"fastmath": FAST})
def _epoch(store, state, coef, ws, m, col_sq, l1, l2, lo, hi):
    if _is_dense(store):

        def impl(store, state, coef, ws, m, col_sq, l1, l2, lo, hi):
            X, w, x_mean = store.X, store.w, store.x_mean
            n = X.shape[0]
            uniform = w.shape[0] == 1
            for t in range(m):
                j = ws[t]
                denom = col_sq[j] + l2[j]
                if denom <= 0.0:
                    continue
                s = 0.0
                if uniform:
                    for i in range(n):
                        s += X[i, j] * state[i]
                    s *= w[0]
                else:
                    for i in range(n):
                        s += X[i, j] * (w[i] * state[i])
                old = coef[j]
                new = prox_enet_box(s + col_sq[j] * old, l1[j], denom, lo[j], hi[j])
                if new != old:
                    _axpy(X, x_mean, state, j, new - old)
                    coef[j] = new

        return impl


@overload(_ops.update, jit_options={"fastmath": FAST})
def _update(store, state, j, delta):
    if _is_dense(store):

        def impl(store, state, j, delta):
            _axpy(store.X, store.x_mean, state, j, delta)

        return impl


@overload(_ops.full_grad, jit_options={"fastmath": FAST})
def _full_grad(store, state, idx, n_idx, out):
    if _is_dense(store):

        def impl(store, state, idx, n_idx, out):
            X, w, wr = store.X, store.w, store.wr
            for i in range(X.shape[0]):
                wr[i] = (w[0] if w.shape[0] == 1 else w[i]) * state[i]
            for t in range(n_idx):
                j = idx[t]
                s = 0.0
                for i in range(X.shape[0]):
                    s += X[i, j] * wr[i]
                out[j] = s

        return impl


@overload(_ops.resid_stats, jit_options={"fastmath": FAST})
def _resid_stats(store, state, coef):
    if _is_dense(store):

        def impl(store, state, coef):
            w, y = store.w, store.y
            rr = 0.0
            ry = 0.0
            if w.shape[0] == 1:
                for i in range(y.shape[0]):
                    rr += state[i] * state[i]
                    ry += state[i] * y[i]
                return rr * w[0], ry * w[0]
            for i in range(y.shape[0]):
                wr = w[i] * state[i]
                rr += wr * state[i]
                ry += wr * y[i]
            return rr, ry

        return impl


@overload(_ops.gram_block, jit_options={"fastmath": FAST})
def _gram_block(store, S, k, H):
    if _is_dense(store):

        def impl(store, S, k, H):
            X, w, x_mean, wx = store.X, store.w, store.x_mean, store.wr
            n = X.shape[0]
            uniform = w.shape[0] == 1
            for c in range(k):
                jc = S[c]
                total = 0.0
                for i in range(n):
                    wx[i] = (w[0] if uniform else w[i]) * (X[i, jc] - x_mean[jc])
                    total += wx[i]
                for a in range(c + 1, k):
                    ja = S[a]
                    s = 0.0
                    for i in range(n):
                        s += X[i, ja] * wx[i]
                    H[a, c] = s - x_mean[ja] * total

        return impl


@overload(_ops.jump_costs)
def _jump_costs(store):
    if _is_dense(store):
        return lambda store: (float(store.X.shape[0]), float(store.X.shape[0]))
