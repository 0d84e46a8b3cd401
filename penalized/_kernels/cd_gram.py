"""Coordinate-descent storage operations on a precomputed weighted Gram matrix.

With Q = X_c' W X_c, q = X_c' W y_c and yy = y_c' W y_c, the state is the gradient
g = q - Q b, so each coordinate update costs O(n_features) and never touches X, and
    r' W r = yy - b.q - b.g,   r' W y_c = yy - b.q.
"""

from typing import NamedTuple

import numpy as np
from numba import types
from numba.extending import overload

from penalized._kernels import _ops
from penalized._kernels._prox import prox_enet_box
from penalized._kernels.cd_dense import FAST


class GramStore(NamedTuple):
    """Q: (n_features, n_features) F-ordered float64; q: (n_features,); yy: (1,)."""

    Q: np.ndarray
    q: np.ndarray
    yy: np.ndarray


def _is_gram(store):
    return isinstance(store, types.BaseNamedTuple) and store.instance_class is GramStore


@overload(_ops.epoch, jit_options={"fastmath": FAST})
def _epoch(store, state, coef, ws, m, col_sq, l1, l2, lo, hi):
    if _is_gram(store):

        def impl(store, state, coef, ws, m, col_sq, l1, l2, lo, hi):
            Q = store.Q
            p = Q.shape[0]
            for t in range(m):
                j = ws[t]
                denom = col_sq[j] + l2[j]
                if denom <= 0.0:
                    continue
                old = coef[j]
                new = prox_enet_box(state[j] + col_sq[j] * old, l1[j], denom, lo[j], hi[j])
                if new != old:
                    delta = new - old
                    for i in range(p):
                        state[i] -= delta * Q[i, j]
                    coef[j] = new

        return impl


@overload(_ops.update, jit_options={"fastmath": FAST})
def _update(store, state, j, delta):
    if _is_gram(store):

        def impl(store, state, j, delta):
            Q = store.Q
            for i in range(Q.shape[0]):
                state[i] -= delta * Q[i, j]

        return impl


@overload(_ops.full_grad)
def _full_grad(store, state, idx, n_idx, out):
    if _is_gram(store):

        def impl(store, state, idx, n_idx, out):
            for t in range(n_idx):
                out[idx[t]] = state[idx[t]]

        return impl


@overload(_ops.resid_stats, jit_options={"fastmath": FAST})
def _resid_stats(store, state, coef):
    if _is_gram(store):

        def impl(store, state, coef):
            q = store.q
            bq = 0.0
            bg = 0.0
            for j in range(coef.shape[0]):
                bq += coef[j] * q[j]
                bg += coef[j] * state[j]
            yy = store.yy[0]
            return max(yy - bq - bg, 0.0), yy - bq

        return impl


@overload(_ops.gram_block)
def _gram_block(store, S, k, H):
    if _is_gram(store):

        def impl(store, S, k, H):
            Q = store.Q
            for a in range(k):
                for c in range(a):
                    H[a, c] = Q[S[a], S[c]]

        return impl


@overload(_ops.jump_costs)
def _jump_costs(store):
    if _is_gram(store):
        return lambda store: (float(store.Q.shape[0]), 1.0)
