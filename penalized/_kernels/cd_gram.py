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

# A pivot below this fraction of the largest diagonal marks the support's Gram as singular
# (duplicated or collinear columns without a ridge term): the jump is then not attempted.
PIVOT_FLOOR = 1e-10


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


@overload(_ops.support_solve, jit_options={"fastmath": FAST})
def _support_solve(store, state, coef, ws, m, col_sq, l1, l2, lo, hi, budget):
    if not _is_gram(store):
        return lambda store, state, coef, ws, m, col_sq, l1, l2, lo, hi, budget: -1

    def impl(store, state, coef, ws, m, col_sq, l1, l2, lo, hi, budget):
        # On the face where the support S and its signs s stay fixed, P is the quadratic
        #   1/2 b_S' Q_SS b_S - ... + l1_S' s_S b_S + 1/2 l2_S' b_S^2,
        # whose minimizer is one linear solve: (Q_SS + diag l2_S) d = g_S - l1_S s_S - l2_S b_S
        # (g = q - Q b, the state). Coordinate descent needs hundreds of epochs to get there
        # on correlated columns. The step runs along d only until the first coefficient
        # reaches zero or a bound, so P never increases.
        Q = store.Q
        p = Q.shape[0]
        k = 0
        for t in range(m):
            j = ws[t]
            b = coef[j]
            if lo[j] < b < hi[j] and (b != 0.0 or l1[j] == 0.0) and col_sq[j] + l2[j] > 0.0:
                k += 1
        if k == 0:
            return 0
        if k * k * k > 6 * budget:
            return -1
        S = np.empty(k, dtype=np.int64)
        k = 0
        for t in range(m):
            j = ws[t]
            b = coef[j]
            if lo[j] < b < hi[j] and (b != 0.0 or l1[j] == 0.0) and col_sq[j] + l2[j] > 0.0:
                S[k] = j
                k += 1
        L = np.empty((k, k))
        d = np.empty(k)
        big = 0.0
        for a in range(k):
            j = S[a]
            big = max(big, Q[j, j] + l2[j])
            sign = 0.0 if l1[j] == 0.0 else (1.0 if coef[j] > 0.0 else -1.0)
            d[a] = state[j] - l1[j] * sign - l2[j] * coef[j]
        # Cholesky of Q_SS + diag(l2_S), lower triangle, row by row
        for a in range(k):
            ja = S[a]
            for c in range(a + 1):
                jc = S[c]
                s = Q[ja, jc]
                if a == c:
                    s += l2[ja]
                for e in range(c):
                    s -= L[a, e] * L[c, e]
                if a == c:
                    if not s > PIVOT_FLOOR * big:
                        return 0
                    L[a, a] = np.sqrt(s)
                else:
                    L[a, c] = s / L[c, c]
        for a in range(k):
            s = d[a]
            for e in range(a):
                s -= L[a, e] * d[e]
            d[a] = s / L[a, a]
        for a in range(k - 1, -1, -1):
            s = d[a]
            for e in range(a + 1, k):
                s -= L[e, a] * d[e]
            d[a] = s / L[a, a]
        # the longest step in [0, 1] along d that keeps every sign and bound
        step = 1.0
        stop = -1
        for a in range(k):
            j = S[a]
            b = coef[j]
            new = b + d[a]
            if l1[j] > 0.0 and new * b <= 0.0:
                limit = b / (b - new)
            elif new > hi[j]:
                limit = (hi[j] - b) / d[a]
            elif new < lo[j]:
                limit = (lo[j] - b) / d[a]
            else:
                continue
            if limit < step:
                step = limit
                stop = a
        if not step > 0.0:
            return 0
        for a in range(k):
            j = S[a]
            b = coef[j]
            target = b + step * d[a]
            if a == stop:  # lands exactly on the zero or bound that stopped the step
                new = b + d[a]
                target = 0.0 if l1[j] > 0.0 and new * b <= 0.0 else (hi[j] if new > hi[j]
                                                                     else lo[j])
            delta = target - b
            if delta != 0.0:
                for i in range(p):
                    state[i] -= delta * Q[i, j]
                coef[j] = target
        return 1

    return impl
