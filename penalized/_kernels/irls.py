"""Proximal Newton (IRLS) for the binomial and Poisson families along a path, compiled.

The same algorithm as `penalized.newton.solve_glm`, step for step, on the dense, Gram or
sparse coordinate-descent storage: at each alpha, minimize

    F(b0, b) = (1 / S) sum_i s_i loss(y_i, offset_i + b0 + x_i'b) + alpha * pen(b)

by steps that each solve the penalized weighted least-squares model of F at the current
point (working weights h_i = s_i loss''(eta_i), response z_i = eta_i - offset_i
- loss'(eta_i) / h_i) with `cd_path._solve_one`, restricted to the strong-rule candidates
(cut to the largest violators when the rule keeps far too many, `cap_candidates`), then
backtrack until F does not increase, and stop on the KKT violation of F. Running the
whole loop compiled removes the Python work around each least-squares solve (designs,
array copies, dispatch), which was three quarters of a logistic path on 100 x 1000.

The Python driver keeps what this loop does not do: ridge's exact steps, unpenalized
unbounded features, a Gram matrix of sparse X, alpha = 0, and a step that asks for more
accuracy than a gap certifies (the polishing step of a single fit, strongly curved
problems), which it ends with an exact solve on the support: the loop stops with
STATUS_HANDOFF at the first such step, and `solve_glm` goes on from that point. (Clamping
the tolerance instead and relying on the solver's own jump to the support's minimizer
stalled short of the KKT tolerance on a ridge-heavy elastic net.)
"""

import numpy as np
from numba import njit, types
from numba.extending import overload

from penalized._kernels import _ops
from penalized._kernels._prox import kkt_residual
from penalized._kernels.cd_dense import CONSTANT_RTOL, FAST, DenseStore, centred_sq
from penalized._kernels.cd_gram import GramStore
from penalized._kernels.cd_path import ANDERSON_K, _solve_one
from penalized._kernels.cd_sparse import INDEXED, SparseStore, sparse_centred_sq, sparse_dot

BINOMIAL = 0
POISSON = 1
MAX_ETA = 700.0  # as families.MAX_ETA: e^700 is the largest Poisson mean kept finite
STATUS_DONE = 0
STATUS_HANDOFF = 1
MAX_HALVINGS = 40
# A Newton step's least-squares solve needs the gap that keeps F's gradient within the
# step's target (`newton._gap_for_gradient`): far from the optimum that is a loose gap, and
# only this cap (relative to the response's weighted variance, which bounds the gap of
# b = 0 by 1/2) keeps the step from being skipped. A cap of 1e-4 (scikit-learn's default
# tol) made the first steps over-solve: a single L1 logistic fit on the 20000 x 50000 text
# benchmark spent 456 epochs where 240 gave the same Newton steps (2.2 -> 0.6 s).
STEP_TOL_CAP = 0.1
# A single fit (polish=True) takes one Newton step past its tolerance, solved to POLISH_GOAL
# times the target: 10x in KKT terms is 100x in gap terms, the margin of a single Gaussian
# fit (solver.SINGLE_INNER_RATIO); Newton's quadratic convergence from within the tolerance
# leaves the step's own accuracy as the result's. On the 20000 x 50000 text benchmark's
# single fit at tol 1e-3 the polish step was a quarter of the time (0.25 s, 0.18 without);
# solved to the forcing term times the goal it took 0.25 s, to the goal 0.23 s (relative
# objective 6e-10 and 2e-8 above the optimum, 8e-7 without the step; the benchmark's 1e-6).
POLISH_GOAL = 0.1
# A step's solve also stops once its model's KKT residual is within KKT_FRACTION times the
# step's target (`cd_path._solve_one`'s kkt_abs): the gap that bounds that residual through
# norm inequalities asked ~700x more in the tail of the 20000 x 50000 text benchmark's L1
# logistic path (60-90 epochs per step where ~6 reach the target). There, at the loosest tol
# whose objectives are within 1e-6 of the optimum: gap only 6.8 s (tol 2e-4), KKT stop with
# fraction 1 3.7 s (2e-5), 0.5 3.6 s (5e-5), 0.3 3.2 s (1e-4), 0.1 3.7 s (2e-4). Smaller
# fractions take fewer Newton steps for more epochs each.
KKT_FRACTION = 0.3
# A step's candidates are cut to this many, or twice its fixed features, when the strong
# rule keeps more than twice that (`cap_candidates`).
CANDIDATES_MIN = 100


@njit(cache=True)
def derivatives(family, y, eta, hmin, g, h):
    """g = loss'(eta), h = max(loss''(eta), hmin), as families.Binomial/Poisson.derivatives."""
    for i in range(y.shape[0]):
        e = eta[i]
        if family == BINOMIAL:
            if e >= 0.0:
                mu = 1.0 / (1.0 + np.exp(-e))
            else:
                t = np.exp(e)
                mu = t / (1.0 + t)
            g[i] = mu - y[i]
            h[i] = max(mu * (1.0 - mu), hmin)
        else:
            mu = np.exp(min(e, MAX_ETA))
            g[i] = mu - y[i]
            h[i] = max(mu, hmin)


@njit(cache=True)
def loss_sum(family, y, sw, eta):
    """sum_i s_i loss(y_i, eta_i): log(1 + e^eta) - y eta, or e^eta - y eta."""
    total = 0.0
    for i in range(y.shape[0]):
        e = eta[i]
        if family == BINOMIAL:
            value = max(e, 0.0) + np.log1p(np.exp(-abs(e))) - y[i] * e
        else:
            value = np.exp(min(e, MAX_ETA)) - y[i] * e
        total += sw[i] * value
    return total


@njit(cache=True)
def _penalty(coef, alpha, l1w, l2w):
    s = 0.0
    for j in range(coef.shape[0]):
        b = coef[j]
        if b != 0.0:
            s += l1w[j] * abs(b) + 0.5 * l2w[j] * b * b
    return alpha * s


def column_dot(store, X, j, v):
    """sum_i X[i, j] v[i], X's raw (uncentred) column j: from X itself for the dense and
    Gram storages, from the store's CSC arrays for the sparse one (X is then unused)."""


def column_axpy(store, X, j, a, out):
    """out += a X[:, j] (raw column), read as in `column_dot`."""


def _reads_dense_x(store):
    return isinstance(store, types.BaseNamedTuple) and store.instance_class in (DenseStore,
                                                                                  GramStore)


def _is_sparse(store):
    return isinstance(store, types.BaseNamedTuple) and store.instance_class is SparseStore


@overload(column_dot, jit_options={"fastmath": FAST})
def _column_dot_dense(store, X, j, v):
    if _reads_dense_x(store):
        def impl(store, X, j, v):
            s = 0.0
            for i in range(X.shape[0]):
                s += X[i, j] * v[i]
            return s
        return impl
    return None


@overload(column_dot, jit_options={"fastmath": INDEXED})
def _column_dot_sparse(store, X, j, v):
    if _is_sparse(store):
        def impl(store, X, j, v):
            return sparse_dot(store.data, store.indices, store.indptr[j], store.indptr[j + 1],
                              v)
        return impl
    return None


@overload(column_axpy, jit_options={"fastmath": FAST})
def _column_axpy_dense(store, X, j, a, out):
    if _reads_dense_x(store):
        def impl(store, X, j, a, out):
            for i in range(X.shape[0]):
                out[i] += a * X[i, j]
        return impl
    return None


@overload(column_axpy, jit_options={"fastmath": INDEXED})
def _column_axpy_sparse(store, X, j, a, out):
    if _is_sparse(store):
        def impl(store, X, j, a, out):
            for k in range(store.indptr[j], store.indptr[j + 1]):
                out[store.indices[k]] += a * store.data[k]
        return impl
    return None


def column_centred_sq(store, X, w, j, m):
    """sum_i w_i (X[i, j] - m)^2 (w of shape (n_samples,)), read as in `column_dot`."""


@overload(column_centred_sq, jit_options={"fastmath": FAST})
def _column_centred_sq_dense(store, X, w, j, m):
    if _reads_dense_x(store):
        return lambda store, X, w, j, m: centred_sq(X, w, j, m)
    return None


@overload(column_centred_sq, jit_options={"fastmath": INDEXED})
def _column_centred_sq_sparse(store, X, w, j, m):
    if _is_sparse(store):
        return lambda store, X, w, j, m: sparse_centred_sq(
            store.data, store.indices, store.indptr, w.shape[0], w, j, m)
    return None


@njit(cache=True, fastmath=FAST)
def _gradient(store, X, sw_g, S, grad, idx, n_idx):
    """grad[j] = x_j' sw_g / S for j in idx[:n_idx]; returns the intercept's, sum(sw_g) / S."""
    for t in range(n_idx):
        j = idx[t]
        grad[j] = column_dot(store, X, j, sw_g) / S
    total = 0.0
    for i in range(sw_g.shape[0]):
        total += sw_g[i]
    return total / S


@njit(cache=True)
def kkt_violation(grad, grad0, coef, alpha, l1w, l2w, lo, hi, intercept_weight):
    """The largest violation of 0 in grad_j + alpha l2_j b_j + alpha l1_j d|b_j|
    + N_box(b_j), and intercept_weight |grad0| (the Python driver's test too, through
    `newton.kkt_violation`)."""
    p = coef.shape[0]
    return _kkt_on(grad, grad0, coef, alpha, l1w, l2w, lo, hi, intercept_weight, np.arange(p),
                   p)


@njit(cache=True)
def _kkt_on(grad, grad0, coef, alpha, l1w, l2w, lo, hi, intercept_weight, idx, n_idx):
    """`kkt_violation` over the features idx[:n_idx] (and the intercept): a lower bound."""
    worst = intercept_weight * abs(grad0)
    for t in range(n_idx):
        j = idx[t]
        worst = max(worst, kkt_residual(grad[j], coef[j], alpha * l1w[j], alpha * l2w[j],
                                        lo[j], hi[j]))
    return worst


def prepare(store, X, hw, total, z, keep, n_keep, fit_intercept, means, col_sq, col_norm, l2w,
            coef, state, refresh, built):
    """Fill `store` for the least-squares model with weights hw / total and response z on
    the features keep[:n_keep]; returns (z_mean, yy): the response's weighted mean (the model's
    intercept is z_mean - means . b, means the columns' weighted means: the dense or sparse
    store's own x_mean, a separate array for the Gram) and weighted sum of squares once
    centred. coef is the starting point: a column constant under the weights gets
    coefficient 0 when nothing else pins it (as `solver.solve_arrays`).

    Dense and sparse storages recompute everything. Gram storage rebuilds its Gram block
    (n k^2) only when `refresh`; otherwise hw must be the weights it was built with (the
    caller keeps them: a stale curvature), candidates new to the block are added to it (n
    per block column), and q = X_c' W z_c and yy are recomputed. built[j] marks the
    block's columns.
    """


@overload(prepare, jit_options={"fastmath": FAST})
def _prepare_data(store, X, hw, total, z, keep, n_keep, fit_intercept, means, col_sq,
                  col_norm, l2w, coef, state, refresh, built):
    if not (_is_sparse(store) or (isinstance(store, types.BaseNamedTuple)
                                  and store.instance_class is DenseStore)):
        return None

    def impl(store, X, hw, total, z, keep, n_keep, fit_intercept, means, col_sq, col_norm,
             l2w, coef, state, refresh, built):
        n = hw.shape[0]
        w, y_c = store.w, store.y
        z_mean = _weigh(hw, total, z, fit_intercept, w, y_c)
        yy = 0.0
        for i in range(n):
            state[i] = y_c[i]
            yy += w[i] * y_c[i] * y_c[i]
        for i in range(n, state.shape[0]):
            state[i] = 0.0  # sparse: the centring shift x_mean . b (see cd_sparse)
        for t in range(n_keep):
            j = keep[t]
            _moments(store, X, w, j, fit_intercept, means, col_sq, col_norm)
            if col_sq[j] == 0.0 and l2w[j] == 0.0:
                coef[j] = 0.0
            if coef[j] != 0.0:
                _ops.update(store, state, j, coef[j])
        return z_mean, yy

    return impl


@overload(prepare, jit_options={"fastmath": FAST})
def _prepare_gram(store, X, hw, total, z, keep, n_keep, fit_intercept, means, col_sq,
                  col_norm, l2w, coef, state, refresh, built):
    if not (isinstance(store, types.BaseNamedTuple) and store.instance_class is GramStore):
        return None

    def impl(store, X, hw, total, z, keep, n_keep, fit_intercept, means, col_sq, col_norm,
             l2w, coef, state, refresh, built):
        n = X.shape[0]
        Q, q = store.Q, store.q
        w = np.empty(n)
        y_c = np.empty(n)
        z_mean = _weigh(hw, total, z, fit_intercept, w, y_c)
        if refresh:
            # B = W^1/2 (X_K - 1 x_mean_K'), Q_KK = B'B by BLAS
            for j in range(Q.shape[0]):
                built[j] = 0
            root = np.sqrt(w)
            B = np.empty((n_keep, n))  # row t: column keep[t], so B' is column-major
            for t in range(n_keep):
                j = keep[t]
                _moments(store, X, w, j, fit_intercept, means, col_sq, col_norm)
                m = means[j]
                for i in range(n):
                    B[t, i] = root[i] * (X[i, j] - m)
            block = np.dot(B, B.T)
            for a in range(n_keep):
                built[keep[a]] = 1
                for c in range(n_keep):
                    Q[keep[c], keep[a]] = block[c, a]
                Q[keep[a], keep[a]] = col_sq[keep[a]]  # the two-pass sum, as the diagonal
        else:
            # the block's own weights: a candidate new to it costs a pass per block column
            for t in range(n_keep):
                a = keep[t]
                if built[a]:
                    continue
                _moments(store, X, w, a, fit_intercept, means, col_sq, col_norm)
                for c in range(Q.shape[0]):
                    if built[c]:
                        s = 0.0
                        for i in range(n):
                            s += w[i] * (X[i, a] - means[a]) * (X[i, c] - means[c])
                        Q[a, c] = s
                        Q[c, a] = s
                Q[a, a] = col_sq[a]
                built[a] = 1
        yy = 0.0
        for i in range(n):
            yy += w[i] * y_c[i] * y_c[i]
        store.yy[0] = yy
        for t in range(n_keep):
            j = keep[t]
            m = means[j]
            s = 0.0
            for i in range(n):
                s += w[i] * (X[i, j] - m) * y_c[i]
            q[j] = s
            state[j] = s
            if col_sq[j] == 0.0 and l2w[j] == 0.0:
                coef[j] = 0.0
        for t in range(n_keep):
            j = keep[t]
            if coef[j] != 0.0:
                _ops.update(store, state, j, coef[j])
        return z_mean, yy

    return impl


@njit(cache=True, fastmath=FAST)
def _weigh(hw, total, z, fit_intercept, w, y_c):
    """w = hw / total and y_c = z - z_mean (z_mean its weighted mean, or 0 without an
    intercept); returns z_mean."""
    z_mean = 0.0
    for i in range(hw.shape[0]):
        w[i] = hw[i] / total
        z_mean += w[i] * z[i]
    if not fit_intercept:
        z_mean = 0.0
    for i in range(hw.shape[0]):
        y_c[i] = z[i] - z_mean
    return z_mean


@njit(cache=True, fastmath=FAST)
def _moments(store, X, w, j, fit_intercept, x_mean, col_sq, col_norm):
    """x_mean[j], col_sq[j], col_norm[j]: column j's weighted mean and centred sum of
    squares (two passes), 0 for a column constant up to rounding (design._zero_constant)."""
    m = column_dot(store, X, j, w) if fit_intercept else 0.0
    s = column_centred_sq(store, X, w, j, m)
    if s <= CONSTANT_RTOL * (s + m * m):
        s = 0.0
    x_mean[j] = m
    col_sq[j] = s
    col_norm[j] = np.sqrt(s)


@njit(cache=True)
def cap_candidates(keep, n_keep, coef, l1w, grad, screened):
    """Cut the strong rule's candidates keep[:n_keep], when they exceed twice the cap
    max(CANDIDATES_MIN, 2 * fixed), to the fixed features (non-zero or unpenalized) plus the
    zeros whose |grad_j| / l1w_j is largest, cap in all; the zeros cut get screened.
    Returns the new count (keep keeps its order).

    The strong rule at a single small alpha keeps nearly every feature: 8500 of 10000 on
    the 100 x 10000 FHT design at alpha_max / 20, where each step's model and its gap
    checks cost n per candidate. A violator cut shows in F's KKT test, which the step is
    then checked with, and the next step ranks it; it joins as one the strong rule missed
    does. Along a path the rule's sets are small and nothing is cut. Measured, single L1
    fits at alpha_max / 20: 100 x 10000 17.5 -> 5.7 ms at correlation 0, 29 -> 9.2 ms at
    0.5; 100 x 1000 2.6 -> 1.4 ms at 0, but 4.2 -> 7.0 ms at 0.9 (more, costlier steps).
    """
    n_fixed = np.int64(0)
    for t in range(n_keep):
        j = keep[t]
        if coef[j] != 0.0 or l1w[j] == 0.0:
            n_fixed += 1
    cap = max(CANDIDATES_MIN, 2 * n_fixed)
    if n_keep <= 2 * cap:
        return n_keep
    room = cap - n_fixed
    scores = np.empty(n_keep - n_fixed)
    u = 0
    for t in range(n_keep):
        j = keep[t]
        if coef[j] == 0.0 and l1w[j] != 0.0:
            scores[u] = -abs(grad[j]) / l1w[j]
            u += 1
    cut = np.partition(scores, room - 1)[room - 1]  # the room-th largest score, negated
    m = np.int64(0)
    taken = np.int64(0)
    for t in range(n_keep):
        j = keep[t]
        if coef[j] != 0.0 or l1w[j] == 0.0:
            keep[m] = j
            m += 1
        elif taken < room and -abs(grad[j]) / l1w[j] <= cut:
            keep[m] = j
            m += 1
            taken += 1
        else:
            screened[j] = 1
    return m


@njit(cache=True, nogil=True)
def irls_path(store, state, X, y, sw, offset, family, hmin, alphas, l1w, l2w, lo, hi,
              fit_intercept, tol_kkt, intercept_weight, max_iter, max_epochs,
              step_max_epochs, polish, forcing, step_accuracy, ws_min, gap_freq, inner_ratio,
              gap_rounding, free, means, stale_ratio, coef, b0, eta, grad, coefs_out, b0_out,
              steps_out, kkt_out, epochs_out):
    """Solve at each alpha in order, warm-started (see the module docstring).

    means (p,): the columns' weighted means, the dense store's own x_mean for that storage.
    stale_ratio > 0 (Gram storage) lets a step keep the curvature, hence the Gram block, of
    an earlier one while every sample's curvature is within that ratio of it and the last
    stale step cut the violation at least 4-fold (new candidates join the block): the
    step's model is then F's gradient with an older Hessian (a quasi-Newton step; the line
    search keeps F decreasing, the KKT test is on F itself). Along a path the weights move
    slowly, and the n k^2 Gram block was the cost of each step.

    coef (p,) and b0 (1,) are the starting point, updated in place; eta must equal
    offset + b0 + X coef on entry and is kept in step; grad (p,) is scratch (the gradient
    at the current point). Writes coefs_out[k], b0_out[k], steps_out[k] (Newton steps),
    kkt_out[k] (violation reached) and epochs_out[k] (coordinate-descent epochs).
    Returns (status, k, steps): STATUS_DONE, or STATUS_HANDOFF when alpha k needs the
    Python driver, after `steps` steps at it. X is read through `column_dot` and
    `column_axpy` (unused with sparse storage, whose store holds the CSC arrays).
    """
    n, p = y.shape[0], coef.shape[0]
    S = 0.0
    for i in range(n):
        S += sw[i]
    g = np.empty(n)
    h = np.empty(n)
    hw = np.empty(n)
    z = np.empty(n)
    work = np.empty(n)
    d_eta = np.empty(n)
    trial_eta = np.empty(n)
    new_coef = np.empty(p)
    trial_coef = np.empty(p)
    l1 = np.empty(p)
    l2 = np.empty(p)
    v = np.empty(p)
    score = np.empty(p)
    col_sq = np.zeros(p)
    col_norm = np.zeros(p)
    hist = np.empty((ANDERSON_K + 1, p))
    weights = np.empty(ANDERSON_K)
    screened = np.empty(p, dtype=np.int64)
    cand = np.empty(p, dtype=np.int64)
    ws = np.empty(p, dtype=np.int64)
    keep = np.empty(p, dtype=np.int64)
    rng_state = np.zeros(0, dtype=np.int64)
    h_used = np.empty(n)
    built = np.zeros(p, dtype=np.int64)
    have_model = False
    force_refresh = True
    derivatives(family, y, eta, hmin, g, h)
    for i in range(n):
        work[i] = sw[i] * g[i]
    everything = np.arange(p)
    grad0 = _gradient(store, X, work, S, grad, everything, p)
    partial = False  # grad is exact on keep[:n_keep] only (see below)
    for k in range(alphas.shape[0]):
        alpha = alphas[k]
        alpha_prev = max(alphas[k - 1], alpha) if k > 0 else alpha
        value = loss_sum(family, y, sw, eta) / S + _penalty(coef, alpha, l1w, l2w)
        kkt = _kkt_on(grad, grad0, coef, alpha, l1w, l2w, lo, hi, intercept_weight, everything,
                      p)
        steps = np.int64(0)
        epochs_out[k] = 0
        extra = np.int64(1 if polish else 0)
        accuracy = 1.0
        while (kkt > tol_kkt or (extra > 0 and steps > 0 and kkt > POLISH_GOAL * tol_kkt)) \
                and steps < max_iter:
            if kkt <= tol_kkt:
                extra -= 1
            if kkt > tol_kkt:
                target = accuracy * max(tol_kkt, forcing * kkt)
            else:
                target = accuracy * POLISH_GOAL * tol_kkt
            # the strong rule (newton._Fit.candidates)
            threshold_alpha = 2.0 * alpha - (alpha if steps > 0 else alpha_prev)
            n_keep = np.int64(0)
            for j in range(p):
                if coef[j] != 0.0 or l1w[j] == 0.0 or abs(grad[j]) >= l1w[j] * threshold_alpha:
                    keep[n_keep] = j
                    n_keep += 1
                    screened[j] = 0
                else:
                    screened[j] = 1
            n_before = n_keep
            n_keep = cap_candidates(keep, n_keep, coef, l1w, grad, screened)
            refresh = stale_ratio <= 0.0 or force_refresh or not have_model
            for i in range(n):
                refresh = refresh or (sw[i] > 0.0 and
                                      abs(h[i] - h_used[i]) > stale_ratio * h_used[i])
            if refresh:
                for i in range(n):
                    h_used[i] = h[i]
            total = 0.0
            for i in range(n):
                hw[i] = sw[i] * h_used[i]
                total += hw[i]
                z[i] = (eta[i] - offset[i]) - g[i] / h_used[i]
            for j in range(p):
                new_coef[j] = coef[j]
            spent = np.int64(0)
            if n_keep == 0:
                new_b0 = 0.0
                if fit_intercept:
                    for i in range(n):
                        new_b0 += hw[i] * z[i]
                    new_b0 /= total
            else:
                z_mean, null = prepare(store, X, hw, total, z, keep, n_keep, fit_intercept, means,
                                 col_sq, col_norm, l2w, new_coef, state, refresh, built)
                have_model = True
                alpha_w = alpha * S / total
                top_sq = 0.0
                top_l2 = 0.0
                for t in range(n_keep):
                    j = keep[t]
                    l1[j] = alpha_w * l1w[j]
                    l2[j] = alpha_w * l2w[j]
                    top_sq = max(top_sq, col_sq[j])
                    top_l2 = max(top_l2, l2[j])
                curvature = top_sq + top_l2
                # newton._gap_for_gradient: F's gradient is total / S times the model's,
                # and the bound is on its 2-norm over the step's n_keep features
                error = step_accuracy * np.sqrt(n_keep) * target * S / total
                tol = STEP_TOL_CAP
                if curvature > 0.0 and null > 0.0:
                    tol = min(error * error / (2.0 * curvature) / null, STEP_TOL_CAP)
                if tol < 1e-16:
                    # below what a gap certifies: the Python driver finishes the step with
                    # an exact solve on the support
                    return STATUS_HANDOFF, k, steps
                epochs = min(max_epochs, step_max_epochs) if kkt > tol_kkt else max_epochs
                spent = _solve_one(store, state, new_coef, v, l1, l2, lo, hi, col_sq,
                                   col_norm, free, tol * null, gap_rounding * null,
                                   inner_ratio, epochs, 0, True, ws_min, gap_freq, rng_state,
                                   screened, cand, ws, score, hist, weights, False,
                                   KKT_FRACTION * target * S / total)[1]
                epochs_out[k] += spent
                new_b0 = z_mean
                if fit_intercept:
                    for t in range(n_keep):
                        j = keep[t]
                        new_b0 -= means[j] * new_coef[j]
                else:
                    new_b0 = 0.0
            # backtrack from the full step until F does not increase (newton._line_search)
            d_b0 = new_b0 - b0[0]
            for i in range(n):
                d_eta[i] = d_b0
            for j in range(p):
                d = new_coef[j] - coef[j]
                if d != 0.0:
                    column_axpy(store, X, j, d, d_eta)
            t_step = 1.0
            new_value = value
            accepted = False
            for _ in range(MAX_HALVINGS):
                for i in range(n):
                    trial_eta[i] = eta[i] + t_step * d_eta[i]
                # the full step is the solve's point itself (exact zeros and bounds kept)
                for j in range(p):
                    trial_coef[j] = new_coef[j] if t_step == 1.0 else \
                        coef[j] + t_step * (new_coef[j] - coef[j])
                trial = loss_sum(family, y, sw, trial_eta) / S + \
                    _penalty(trial_coef, alpha, l1w, l2w)
                if trial <= value + 1e-14 * abs(value):
                    accepted = True
                    new_value = trial
                    break
                t_step *= 0.5
            if accepted:
                for j in range(p):
                    coef[j] = trial_coef[j]
                b0[0] = new_b0 if t_step == 1.0 else b0[0] + t_step * d_b0
                for i in range(n):
                    eta[i] = trial_eta[i]
            steps += 1
            derivatives(family, y, eta, hmin, g, h)
            for i in range(n):
                work[i] = sw[i] * g[i]
            # Between the steps of one alpha the gradient is taken on the step's candidates
            # only: their violation bounds F's from below, so while it exceeds tol_kkt
            # another step follows anyway, and the strong rule on the stale gradient keeps
            # the same candidates. The full gradient (one pass over X, most of a step's
            # cost on wide dense data) is taken once that bound passes, and at the end; and
            # after a step whose candidates were cut, as the next cut must rank every
            # feature on its current gradient (on stale ones it kept re-choosing features
            # that no longer violated: 25 steps instead of 6 on a 100 x 1000 single fit);
            # and after a step whose epochs cost more than that pass (epochs times
            # candidates above the features' count), where a stale gradient saves little
            # and hides the features that became violators: on the sparse 20000 x 50000
            # single fit they were found only once the candidates passed, 4 steps later.
            last_kkt = kkt
            partial = n_keep == n_before and spent * n_keep < p
            if partial:
                grad0 = _gradient(store, X, work, S, grad, keep, n_keep)
                kkt = _kkt_on(grad, grad0, coef, alpha, l1w, l2w, lo, hi, intercept_weight,
                              keep, n_keep)
            if not partial or kkt <= tol_kkt:
                grad0 = _gradient(store, X, work, S, grad, everything, p)
                kkt = _kkt_on(grad, grad0, coef, alpha, l1w, l2w, lo, hi, intercept_weight,
                              everything, p)
                partial = False
            # a step that leaves F equal in floating point but lowers the violation is
            # progress (strongly curved problems near their optimum)
            stalled = new_value >= value and kkt >= 0.5 * last_kkt
            force_refresh = not refresh and kkt > 0.25 * last_kkt
            value = new_value
            if stalled:
                if accuracy < 1e-6:
                    break
                accuracy *= 1e-2
        if partial:
            grad0 = _gradient(store, X, work, S, grad, everything, p)
            kkt = _kkt_on(grad, grad0, coef, alpha, l1w, l2w, lo, hi, intercept_weight,
                          everything, p)
            partial = False
        for j in range(p):
            coefs_out[k, j] = coef[j]
        b0_out[k] = b0[0]
        steps_out[k] = steps
        kkt_out[k] = kkt
    return STATUS_DONE, alphas.shape[0], np.int64(0)
