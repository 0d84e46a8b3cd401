"""Coordinate-descent storage operations on a CSC X (data, indices, indptr), never densified.

Centring is implicit: the stored vector holds y_c - X b and its last entry the shift
s = x_mean . b, so the centred residual is r_i = state[i] + s. Because sum(w * r) = 0 and
sum_i w_i x_ij = x_mean_j (weights sum to one), the centred gradient is
x_j' W state + s * x_mean_j.
"""

from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.extending import overload

from penalized._kernels import _ops
from penalized._kernels._prox import prox_enet_box
from penalized._kernels.cd_dense import FAST

# Without "reassoc": it lets LLVM turn the indexed dot products (x_j' r over column j's
# stored rows) into AVX2 gathers, slower than scalar loads on AMD EPYC (a full epoch of the
# 20000 x 50000 benchmark X: 3.0 ms with gathers, 2.1-2.3 ms without).
INDEXED = FAST - {"reassoc"}


class SparseStore(NamedTuple):
    """CSC arrays (data float32/float64, indices/indptr int32/int64); x_mean, w, y float64."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    x_mean: np.ndarray
    w: np.ndarray  # (n_samples,), or (1,) holding 1 / n_samples when all weights are equal
    y: np.ndarray


def _is_sparse(store):
    return isinstance(store, types.BaseNamedTuple) and store.instance_class is SparseStore


@njit(cache=True, fastmath=INDEXED, inline="always")
def sparse_centred_sq(data, indices, indptr, n_samples, w, j, m):
    """sum_i w_i (X[i, j] - m)^2 from column j's stored entries alone: the implicit zeros
    contribute m^2 times their weight. Exact where E[x^2] - mean^2 would cancel
    (|mean| >> sd); w of shape (1,) means all weights equal."""
    uniform = w.shape[0] == 1
    s = 0.0
    w_stored = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        d = data[k] - m
        if uniform:
            s += d * d
        else:
            wi = w[indices[k]]
            s += wi * d * d
            w_stored += wi
    stored = indptr[j + 1] - indptr[j]
    if uniform:
        return w[0] * (s + (n_samples - stored) * m * m)
    # the implicit zeros' weight, 1 - w_stored, is rounding residue when every row is
    # stored (or the unstored rows weigh nothing): m^2 times it made a constant stored
    # column look like data (sd ~ 1e-8 |mean|)
    rest = 1.0 - w_stored
    if stored == n_samples or rest <= 1e-15 * (stored + 1):
        rest = 0.0
    return s + rest * m * m


@njit(cache=True, fastmath=INDEXED)
def sparse_centred_col_sq(data, indices, indptr, n_samples, w, x_mean, out):
    """out[j] = sum_i w_i (X[i, j] - x_mean[j])^2 for every column (`sparse_centred_sq`),
    no temporary."""
    for j in range(indptr.shape[0] - 1):
        out[j] = sparse_centred_sq(data, indices, indptr, n_samples, w, j, x_mean[j])


# The weighted and unweighted dot products are two branch-free helpers, and callers choose
# between them: a helper holding the branch itself, inlined into the epoch, kept numba's
# reference counting on its array arguments in the per-column loop (0.75 ms of a 2.7 ms
# epoch on the 20000 x 50000 benchmark X, whose columns hold 20 entries each).
@njit(cache=True, fastmath=INDEXED, inline="always")
def sparse_dot(data, indices, start, end, v):
    """sum of data[k] * v[indices[k]] over the stored entries k in [start, end)."""
    s = 0.0
    for k in range(start, end):
        s += data[k] * v[indices[k]]
    return s


@njit(cache=True, fastmath=INDEXED, inline="always")
def _wdot(data, indices, start, end, w, v):
    """sum of data[k] * w[i] * v[i], i = indices[k], over the stored entries in [start, end)."""
    s = 0.0
    for k in range(start, end):
        i = indices[k]
        s += data[k] * (w[i] * v[i])
    return s


@njit(cache=True, fastmath=INDEXED, inline="always")
def _axpy(data, indices, indptr, x_mean, state, j, delta):
    """state <- state - delta * (x_j - x_mean_j), the shift kept in state's last entry."""
    for k in range(indptr[j], indptr[j + 1]):
        state[indices[k]] -= delta * data[k]
    state[state.shape[0] - 1] += delta * x_mean[j]


@overload(_ops.epoch, jit_options={"fastmath": INDEXED})
def _epoch(store, state, coef, ws, m, col_sq, l1, l2, lo, hi):
    if _is_sparse(store):

        def impl(store, state, coef, ws, m, col_sq, l1, l2, lo, hi):
            data, indices, indptr = store.data, store.indices, store.indptr
            x_mean, w = store.x_mean, store.w
            uniform = w.shape[0] == 1
            last = state.shape[0] - 1
            for t in range(m):
                j = ws[t]
                denom = col_sq[j] + l2[j]
                if denom <= 0.0:
                    continue
                old = coef[j]
                if uniform:
                    z = w[0] * sparse_dot(data, indices, indptr[j], indptr[j + 1], state)
                else:
                    z = _wdot(data, indices, indptr[j], indptr[j + 1], w, state)
                z += state[last] * x_mean[j] + col_sq[j] * old
                new = prox_enet_box(z, l1[j], denom, lo[j], hi[j])
                if new != old:
                    _axpy(data, indices, indptr, x_mean, state, j, new - old)
                    coef[j] = new

        return impl


@overload(_ops.update, jit_options={"fastmath": INDEXED})
def _update(store, state, j, delta):
    if _is_sparse(store):

        def impl(store, state, j, delta):
            _axpy(store.data, store.indices, store.indptr, store.x_mean, state, j, delta)

        return impl


@overload(_ops.full_grad)
def _full_grad(store, state, idx, n_idx, out):
    if _is_sparse(store):

        def impl(store, state, idx, n_idx, out):
            data, indices, indptr = store.data, store.indices, store.indptr
            x_mean, w = store.x_mean, store.w
            uniform = w.shape[0] == 1
            shift = state[state.shape[0] - 1]
            for t in range(n_idx):
                j = idx[t]
                if uniform:
                    s = w[0] * sparse_dot(data, indices, indptr[j], indptr[j + 1], state)
                else:
                    s = _wdot(data, indices, indptr[j], indptr[j + 1], w, state)
                out[j] = s + shift * x_mean[j]

        return impl


@overload(_ops.resid_stats, jit_options={"fastmath": FAST})  # contiguous: no gathers
def _resid_stats(store, state, coef):
    if _is_sparse(store):

        def impl(store, state, coef):
            w, y = store.w, store.y
            n = y.shape[0]
            shift = state[n]
            rr = 0.0
            ry = 0.0
            if w.shape[0] == 1:
                for i in range(n):
                    r = state[i] + shift
                    rr += r * r
                    ry += r * y[i]
                return rr * w[0], ry * w[0]
            for i in range(n):
                r = state[i] + shift
                rr += w[i] * r * r
                ry += w[i] * r * y[i]
            return rr, ry

        return impl


@overload(_ops.gram_block, jit_options={"fastmath": INDEXED})
def _gram_block(store, S, k, H):
    if _is_sparse(store):

        def impl(store, S, k, H):
            # sum_i w_i (x_ia - m_a)(x_ic - m_c) = sum_i w_i x_ia x_ic - m_a m_c (weights
            # summing to one, m the weighted means): one merge of two sorted index lists per
            # pair
            data, indices, indptr, x_mean, w = (store.data, store.indices, store.indptr,
                                                store.x_mean, store.w)
            uniform = w.shape[0] == 1
            for a in range(k):
                ja = S[a]
                for c in range(a):
                    jc = S[c]
                    p, q = indptr[ja], indptr[jc]
                    p_end, q_end = indptr[ja + 1], indptr[jc + 1]
                    s = 0.0
                    while p < p_end and q < q_end:
                        ia, ic = indices[p], indices[q]
                        if ia == ic:
                            s += data[p] * data[q] * (w[0] if uniform else w[ia])
                            p += 1
                            q += 1
                        elif ia < ic:
                            p += 1
                        else:
                            q += 1
                    H[a, c] = s - x_mean[ja] * x_mean[jc]

        return impl


@overload(_ops.jump_costs)
def _jump_costs(store):
    if _is_sparse(store):

        def impl(store):
            # per column: a dot product and an update in an epoch; a merge of two per pair
            per_column = 2.0 * store.indptr[store.indptr.shape[0] - 1] / max(
                store.indptr.shape[0] - 1, 1)
            return per_column, per_column

        return impl
