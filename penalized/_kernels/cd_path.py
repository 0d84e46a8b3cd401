"""Working-set coordinate descent along a sequence of penalty levels, compiled end to end.

For each level lam_k the driver minimizes

    P(b) = 1/2 sum_i w_i (y_c,i - x_c,i' b)^2 + sum_j ( l1_j |b_j| + l2_j / 2 b_j^2 ),
    lo_j <= b_j <= hi_j,      l1_j = lam_k * l1w_j,  l2_j = lam_k * l2w_j,  sum_i w_i = 1,

warm-started from the previous level. One outer iteration computes the gradient
v = X_c' W r on every feature not yet screened out, the duality gap at the dual point
theta = c r (c rescales r into the dual domain), applies the gap-safe sphere test, and picks
a working set: the non-zero coefficients plus the features whose dual constraints are closest
to saturation. Coordinate descent then runs on the working set only, until its own gap falls
below a fraction of the outer one. The loop ends when the full gap is <= tol_abs (certified)
or the epoch budget is spent. The dual used is

    D(theta) = theta' W y_c - 1/2 theta' W theta - sum_j g_j*(x_j' W theta),

with g_j* the conjugate of the coordinate penalty (see `_prox.conjugate`).
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from penalized._kernels import _ops, cd_dense, cd_gram, cd_sparse  # noqa: F401  (overloads)
from penalized._kernels._prox import (
    certainly_zero,
    conjugate,
    infeasibility,
    kkt_residual,
    ws_score,
)

# An inner solve stops at inner_ratio (an argument) times the outer gap, never below
# INNER_FLOOR * tol: each outer iteration costs a pass over every feature, so it should gain
# a lot.
INNER_FLOOR = 0.3
# Counters start at np.int64(0), not 0: numba types a literal 0 as Literal[int](0) in its
# first inference pass and compiles every callee that receives the counter twice (once for
# the literal), which cost about 1.5 s of the cold compile.
# Anderson extrapolation (as in skglm): after every ANDERSON_K + 1 epochs on a working set,
# try the affine combination of the last iterates that best cancels their differences, and
# keep it only when it lowers the objective. It tames the slow zig-zag of coordinate descent
# on correlated columns, which otherwise makes epochs explode as the support grows.
ANDERSON_K = 5
ANDERSON_GAP = 10  # epochs between the samples extrapolated from
# The exact jump on a support (its Gram block plus a k^3 / 6 Cholesky) may cost this many
# epochs of the working set plus the epochs spent since the last jump, so that jumps at
# most double the work when the support keeps changing.
JUMP_EPOCHS = 20
# ... and only from this many epochs on a working set: coordinate descent that converges in
# one or two (uncorrelated columns) is cheaper than any solve.
JUMP_AFTER = 3
# A pivot below this fraction of the largest diagonal marks the support's Gram as singular
# (duplicated or collinear columns without a ridge term): the jump is then not taken.
PIVOT_FLOOR = 1e-10


class FreeProjection(NamedTuple):
    """What the dual point needs about the unpenalized features with an infinite bound.

    With no bound (set F), a feature's dual constraint is an equality, x_j' W theta = 0,
    which no rescaling of the residual satisfies; projecting r off the span of X_F does:
    theta = r - X_F delta with delta = G^+ X_F' W r, G = X_F' W X_F. Everything the gap needs
    follows from v = X' W r:
        theta' W theta = r' W r - v_F . delta,   theta' W y = r' W y - q_F . delta,
        x_j' W theta = v_j - QF[j] . delta.
    A one-sided feature (one finite bound, e.g. positive=True) has a one-sided constraint,
    x_j' W theta <= 0 towards its open side: it joins the projection while its coefficient is
    off the bound (where the optimum has the equality) or while its correlation points to the
    open side (`_project`); otherwise the sign constraint already holds.
    idx: (f,) int64; always: (f,) int64, 1 for a feature with no bound; Ginv: (f, f), G^+ of
    all f; QF: (n_features, f) = X' W X_idx; qF: (f,) = X_idx' W y; scratch: delta (f,),
    inset (f,) int64, chol (f, f). f = 0 when no unpenalized feature has an infinite bound.
    The features with no bound at all, bidx (b,) int64 with Binv = their Gram's
    pseudo-inverse (b, b), are also fitted exactly as a block after each epoch
    (`_free_block`); bgrad (n_features,) is its scratch.
    """

    idx: np.ndarray
    always: np.ndarray
    Ginv: np.ndarray
    QF: np.ndarray
    qF: np.ndarray
    delta: np.ndarray
    inset: np.ndarray
    chol: np.ndarray
    bidx: np.ndarray
    Binv: np.ndarray
    bgrad: np.ndarray


@njit(cache=True, inline="always")
def _projected(v, j, free):
    """x_j' W theta at the projected dual point (v_j when there is nothing to project)."""
    u = v[j]
    for k in range(free.idx.shape[0]):
        u -= free.QF[j, k] * free.delta[k]
    return u


@njit(cache=True)
def _free_block(store, state, coef, free):
    """Move the unpenalized, unbounded features to their exact least-squares values given
    the others: b_B += Binv X_B' W r. Coordinate descent alone zig-zags on nearly collinear
    unpenalized columns (1e5 epochs on two columns with a condition number of 300)."""
    b = free.bidx.shape[0]
    if b == 0:
        return
    _ops.full_grad(store, state, free.bidx, b, free.bgrad)
    for a in range(b):
        d = 0.0
        for k in range(b):
            d += free.Binv[a, k] * free.bgrad[free.bidx[k]]
        if d != 0.0:
            j = free.bidx[a]
            _ops.update(store, state, j, d)
            coef[j] += d


@njit(cache=True)
def _solve_subset(free, v, m):
    """delta = G_SS^+ v_S on the projection's current subset S (inset), zero elsewhere.

    A Cholesky factorization that drops a column whose pivot is negligible (it lies in the
    span of the earlier ones, so the projection is the same without it).
    """
    f = free.idx.shape[0]
    if m == f:
        for a in range(f):
            s = 0.0
            for k in range(f):
                s += free.Ginv[a, k] * v[free.idx[k]]
            free.delta[a] = s
        return
    L = free.chol
    big = 0.0
    for a in range(f):
        if free.inset[a]:
            big = max(big, free.QF[free.idx[a], a])
    for a in range(f):
        free.delta[a] = 0.0
        if not free.inset[a]:
            continue
        for b in range(a + 1):
            if not free.inset[b] or (b < a and L[b, b] == 0.0):
                L[a, b] = 0.0
                continue
            s = free.QF[free.idx[a], b]
            for k in range(b):
                s -= L[a, k] * L[b, k]
            if b < a:
                L[a, b] = s / L[b, b]
            else:
                L[a, a] = np.sqrt(s) if s > 1e-13 * big else 0.0
    # forward then backward substitution on the kept columns
    for a in range(f):
        if free.inset[a] and L[a, a] > 0.0:
            s = v[free.idx[a]]
            for k in range(a):
                s -= L[a, k] * free.delta[k]
            free.delta[a] = s / L[a, a]
    for a in range(f - 1, -1, -1):
        if free.inset[a] and L[a, a] > 0.0:
            s = free.delta[a]
            for k in range(a + 1, f):
                if free.inset[k]:
                    s -= L[k, a] * free.delta[k]
            free.delta[a] = s / L[a, a]
        else:
            free.delta[a] = 0.0


@njit(cache=True)
def _project(coef, v, lo, hi, free):
    """Set free.delta for the dual point's projection (see `FreeProjection`)."""
    f = free.idx.shape[0]
    m = np.int64(0)
    for a in range(f):
        j = free.idx[a]
        free.inset[a] = 1 if free.always[a] or (coef[j] != lo[j] and coef[j] != hi[j]) else 0
        m += free.inset[a]
    while True:
        _solve_subset(free, v, m)
        grown = False
        for a in range(f):
            if free.inset[a]:
                continue
            j = free.idx[a]
            u = _projected(v, j, free)
            if (u > 0.0 and hi[j] == np.inf) or (u < 0.0 and lo[j] == -np.inf):
                free.inset[a] = 1
                m += 1
                grown = True
        if not grown:
            return


@njit(cache=True)
def _primal_dual(store, state, coef, v, idx, n_idx, l1, l2, lo, hi, free):
    """(P, D, c) restricted to idx[:n_idx], which holds every non-zero coefficient.

    v must be the gradient at `state` on idx (which includes the projection's features). The
    dual point is theta = c r_F, r_F the residual projected off the unpenalized features that
    need it (see `FreeProjection`; r itself when there are none), with c <= 1 the largest
    factor that puts every conjugate in idx within its domain.
    """
    rr_primal, ry = _ops.resid_stats(store, state, coef)
    rr = rr_primal
    f = free.idx.shape[0]
    if f:
        _project(coef, v, lo, hi, free)
    for a in range(f):
        rr -= v[free.idx[a]] * free.delta[a]
        ry -= free.qF[a] * free.delta[a]
    rr = max(rr, 0.0)
    pen = 0.0
    ratio = 1.0
    for t in range(n_idx):
        j = idx[t]
        b = coef[j]
        pen += l1[j] * abs(b) + 0.5 * l2[j] * b * b
        ratio = max(ratio, infeasibility(_projected(v, j, free), l1[j], l2[j], lo[j], hi[j]))
    c = 1.0 / ratio
    dual = c * ry - 0.5 * c * c * rr
    for t in range(n_idx):
        j = idx[t]
        dual -= conjugate(c * _projected(v, j, free), l1[j], l2[j], lo[j], hi[j])
    return 0.5 * rr_primal + pen, dual, c


@njit(cache=True)
def _kth_smallest(a, n, k):
    """k-th smallest of a[:n] (0-based) by in-place quickselect; a[:n] is reordered."""
    left = 0
    right = n - 1
    while left < right:
        pivot = a[(left + right) // 2]
        i = left
        j = right
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            right = j
        elif k >= i:
            left = i
        else:
            break
    return a[k]


@njit(cache=True)
def _select_ws(coef, v, c, cand, n_cand, l1, l2, lo, hi, col_norm, ws_min, ws, mark, score):
    """Working set: forced features plus the best-scored others, in feature order.

    mark[j] is 1 for a screened feature and 0 for the others; it is set to 2 while j is
    chosen and reset to 0 on return.
    """
    n_forced = np.int64(0)
    n_free = np.int64(0)
    n_viol = np.int64(0)
    for t in range(n_cand):
        j = cand[t]
        if mark[j] == 1:
            continue
        s = ws_score(c * v[j], l1[j], l2[j], col_norm[j], lo[j], hi[j])
        if coef[j] != 0.0 or s == -np.inf:
            mark[j] = 2
            n_forced += 1
        elif s < np.inf:
            score[n_free] = s
            n_free += 1
            if ws_score(v[j], l1[j], l2[j], col_norm[j], lo[j], hi[j]) < 0.0:
                n_viol += 1
    # The non-zeros plus a quarter as many candidates (along a path the support grows by
    # little per alpha), or plus the current KKT violators up to as many again (doubling,
    # as skglm, from a fit far from its solution). Taking every violator at once made a
    # single fit from zero on a wide correlated X (thousands of violators) sweep thousands
    # of columns per epoch: 25x slower on 1000 x 10000.
    extra = min(max(ws_min - n_forced, n_forced // 4, min(n_viol, max(n_forced, ws_min))),
                n_free)
    if extra > 0:
        threshold = _kth_smallest(score, n_free, extra - 1)
        # strictly better scores first: features tied at the threshold must not take the
        # places of better ones further down the index order (e.g. a KKT violator)
        for tie in range(2):
            for t in range(n_cand):
                j = cand[t]
                if extra > 0 and mark[j] == 0:
                    s = ws_score(c * v[j], l1[j], l2[j], col_norm[j], lo[j], hi[j])
                    if s < threshold or (tie == 1 and s == threshold):
                        mark[j] = 2
                        extra -= 1
    m = np.int64(0)
    for t in range(n_cand):
        j = cand[t]
        if mark[j] == 2:
            ws[m] = j
            m += 1
            mark[j] = 0
    return m


@njit(cache=True, inline="always")
def _move(store, state, coef, ws, m, target):
    """Set coef[j] = target[j] for j in ws[:m], keeping state in step."""
    for t in range(m):
        j = ws[t]
        delta = target[j] - coef[j]
        if delta != 0.0:
            _ops.update(store, state, j, delta)
            coef[j] = target[j]


# Reassociation lets the row dot products vectorize: the jump's Cholesky on a 60-feature
# support cost about nine epochs of a 100-column Gram, half the time of a 1000 x 100 path
# (8 -> 4.5 ms, the same epochs). The jump checks the objective it reaches, so rounding in
# another order cannot make it wrong.
@njit(cache=True, fastmath=cd_dense.FAST)
def _cholesky_solve(A, z, floor):
    """Solve A x = z in place (x in z) for symmetric A given by its lower triangle, which
    becomes its Cholesky factor; False, leaving z unusable, when a pivot is <= floor."""
    K = z.shape[0]
    for a in range(K):
        for b in range(a + 1):
            s = A[a, b]
            for c in range(b):
                s -= A[a, c] * A[b, c]
            if a == b:
                if not s > floor:
                    return False
                A[a, a] = np.sqrt(s)
            else:
                A[a, b] = s / A[b, b]
    for a in range(K):
        s = z[a]
        for c in range(a):
            s -= A[a, c] * z[c]
        z[a] = s / A[a, a]
    for a in range(K - 1, -1, -1):
        s = z[a]
        for c in range(a + 1, K):
            s -= A[c, a] * z[c]
        z[a] = s / A[a, a]
    return True


@njit(cache=True)
def _anderson_weights(hist, ws, m, out):
    """Weights c (sum 1) minimizing ||sum_k c_k (hist[k+1] - hist[k])|| over ws[:m].

    Solves (U U') z = 1 by Cholesky with a small ridge, c = z / sum(z); returns False when
    the system is numerically singular (the iterates have stopped moving).
    """
    K = hist.shape[0] - 1
    A = np.zeros((K, K))
    for a in range(K):
        for b in range(a + 1):
            s = 0.0
            for t in range(m):
                j = ws[t]
                s += (hist[a + 1, j] - hist[a, j]) * (hist[b + 1, j] - hist[b, j])
            A[a, b] = s
    trace = 0.0
    for a in range(K):
        trace += A[a, a]
    if not trace > 0.0:
        return False
    for a in range(K):
        A[a, a] += 1e-10 * trace
    z = np.ones(K)
    if not _cholesky_solve(A, z, 0.0):
        return False
    total = 0.0
    for a in range(K):
        total += z[a]
    if not abs(total) > 0.0:
        return False
    for a in range(K):
        out[a] = z[a] / total
    return True


@njit(cache=True)
def _extrapolated_gap(store, state, coef, v, ws, m, hist, l1, l2, lo, hi, free, weights):
    """(gap on ws[:m], whether the iterate moved) from the better of the current and the
    extrapolated points.

    hist[k, j] holds coef[j] after the k-th of the last K + 1 epochs (indexed by feature, so
    shuffling ws between epochs is harmless). The extrapolated point (Anderson, as skglm) is
    kept as the new iterate when it lies in the box and lowers the objective. Either way its
    residual serves as a dual point: as in celer's dual extrapolation, it is much closer to
    the dual optimum than the current residual, whose error is first order in the gap.
    Rows 0 and 1 of hist are scratch afterwards. Leaves v the gradient at the kept point.
    """
    _ops.full_grad(store, state, ws, m, v)
    primal, dual, _ = _primal_dual(store, state, coef, v, ws, m, l1, l2, lo, hi, free)
    if not _anderson_weights(hist, ws, m, weights):
        return primal - dual, False
    K = hist.shape[0] - 1
    inside = True
    for t in range(m):
        j = ws[t]
        s = 0.0
        for k in range(K):
            s += weights[k] * hist[k + 1, j]
        inside = inside and lo[j] <= s <= hi[j]
        hist[0, j] = s
        hist[1, j] = coef[j]
        hist[2, j] = v[j]
    _move(store, state, coef, ws, m, hist[0])
    _ops.full_grad(store, state, ws, m, v)
    primal_x, dual_x, _ = _primal_dual(store, state, coef, v, ws, m, l1, l2, lo, hi, free)
    accepted = inside and primal_x < primal
    if not accepted:
        _move(store, state, coef, ws, m, hist[1])
        for t in range(m):
            v[ws[t]] = hist[2, ws[t]]
    return min(primal, primal_x) - max(dual, dual_x), accepted


@njit(cache=True)
def _screen(store, state, coef, v, c, gap, cand, n_cand, l1, lo, hi, col_norm, screened):
    """Screen the candidates the gap-safe test proves zero (setting any that is not);
    returns (how many it screened, whether state changed)."""
    radius = np.sqrt(2.0 * max(gap, 0.0))
    n_screened = np.int64(0)
    moved = False
    for t in range(n_cand):
        j = cand[t]
        if certainly_zero(c * v[j], radius * col_norm[j], l1[j], lo[j], hi[j]):
            screened[j] = 1
            n_screened += 1
            if coef[j] != 0.0:
                _ops.update(store, state, j, -coef[j])
                coef[j] = 0.0
                moved = True
    return n_screened, moved


@njit(cache=True)
def _kkt(coef, v, idx, n_idx, l1, l2, lo, hi):
    """The largest KKT residual of P over the features idx[:n_idx] (v = X_c' W r there)."""
    worst = 0.0
    for t in range(n_idx):
        j = idx[t]
        worst = max(worst, kkt_residual(-v[j], coef[j], l1[j], l2[j], lo[j], hi[j]))
    return worst


@njit(cache=True)
def _solve_one(store, state, coef, v, l1, l2, lo, hi, col_sq, col_norm, free, tol_abs,
               floor_abs, inner_ratio, max_iter, min_epochs, screening, ws_min, gap_freq,
               rng_state, screened, cand, ws, score, hist, weights, v_fresh, kkt_abs):
    """Minimize P at one penalty level; returns (gap, epochs, whether v is the gradient).

    At least min_epochs epochs run before the gap may end the solve (see `solve_path`).
    With kkt_abs > 0 the solve also stops once every candidate's KKT residual is within
    kkt_abs: a Newton step needs its model's gradient within a target, and the gap that
    bounds it (through norm inequalities) asks for far more (see `irls.irls_path`).

    An extrapolated iterate is an affine mix, so coefficients that should be exactly zero can
    be tiny instead; when the certificate is reached right after one, a last epoch on the
    working set restores the exact zeros. The epoch cannot raise P, so the gap still bounds
    the suboptimality, but v is then stale.
    """
    p = coef.shape[0]
    n_iter = np.int64(0)
    m = np.int64(0)
    polish = False
    on_face = False
    epoch_unit, pair_unit = _ops.jump_costs(store)
    while True:
        n_cand = np.int64(0)
        for j in range(p):
            if not screened[j]:
                cand[n_cand] = j
                n_cand += 1
        if not v_fresh:
            _ops.full_grad(store, state, cand, n_cand, v)
        v_fresh = False
        primal, dual, c = _primal_dual(store, state, coef, v, cand, n_cand, l1, l2, lo, hi,
                                        free)
        gap = primal - dual
        done = kkt_abs > 0.0 and n_iter >= min_epochs and \
            _kkt(coef, v, cand, n_cand, l1, l2, lo, hi) <= kkt_abs
        # at the exact minimizer of its face (a jump, the support unchanged since) a gap
        # within rounding (floor_abs) cannot shrink further: stop there even when tol asks
        # for less (the gap is reported, and compared with tol, as reached)
        if done or (gap <= tol_abs and n_iter >= min_epochs) or n_iter >= max_iter or (
                on_face and gap <= floor_abs):
            if polish:
                _ops.epoch(store, state, coef, ws, m, col_sq, l1, l2, lo, hi)
                return gap, n_iter + 1, False
            return gap, n_iter, True
        n_left = n_cand
        moved = False
        if screening:
            n_screened, moved = _screen(store, state, coef, v, c, gap, cand, n_cand, l1, lo,
                                        hi, col_norm, screened)
            n_left -= n_screened
        m = _select_ws(coef, v, c, cand, n_cand, l1, l2, lo, hi, col_norm, ws_min, ws,
                       screened, score)
        # When the working set is every candidate left, the gradient of its last gap check
        # is the next outer test's: skipping that pass (half an epoch) took the 20000 x
        # 50000 text benchmark's single logistic fit from 0.224 to 0.212 s (alternating
        # runs, medians of 5 fits), the same coefficients.
        whole = m == n_left and not moved
        inner_tol = max(INNER_FLOOR * tol_abs, inner_ratio * gap)
        n_inner = np.int64(0)
        last_sig = _signature(coef, ws, m)[0]
        solved_sig = -1
        spent = 0.0
        while n_iter < max_iter:
            _ops.epoch(store, state, coef, ws, m, col_sq, l1, l2, lo, hi)
            _free_block(store, state, coef, free)
            n_iter += 1
            # Once an epoch leaves the support and its signs as they were, jump to the
            # minimizer on that face, at most once per face and at a cost capped by
            # JUMP_EPOCHS epochs (see `_jump`). The non-zero count prices the jump before
            # `_jump` scans for its face: on a large support it is refused on most epochs,
            # and that scan cost a tenth of each epoch of a 20000-feature working set.
            if pair_unit >= 0.0:
                sig, k = _signature(coef, ws, m)
                spent += m * epoch_unit
                budget = JUMP_EPOCHS * m * epoch_unit + spent
                if sig != last_sig:
                    on_face = False
                elif (sig != solved_sig and n_inner + 1 >= JUMP_AFTER
                      and _jump_cost(k, pair_unit) <= budget):
                    moved = _jump(store, state, coef, ws, m, col_sq, l1, l2, lo, hi,
                                  budget, pair_unit)
                    if moved >= 0:
                        solved_sig = sig
                        spent = 0.0
                    sig = _signature(coef, ws, m)[0]
                    on_face = moved == 1 and sig == solved_sig
                last_sig = sig
            if rng_state.shape[0] > 0:
                _shuffle(ws, m, rng_state)
            n_inner += 1
            # samples s = 1, 2, ... (every ANDERSON_GAP epochs) fill rows 0..K in order; the
            # extrapolation uses rows written in this working set's loop only
            slot = (n_inner // ANDERSON_GAP - 1) % (ANDERSON_K + 1)
            if n_inner % ANDERSON_GAP == 0:
                for t in range(m):
                    hist[slot, ws[t]] = coef[ws[t]]
            polish = False
            checked = False  # v is the gradient on ws at the current point
            if n_inner % ANDERSON_GAP == 0 and slot == ANDERSON_K:
                gap_ws, polish = _extrapolated_gap(store, state, coef, v, ws, m, hist, l1, l2,
                                                   lo, hi, free, weights)
                if polish:
                    on_face = False  # the extrapolated point is a mix, not the face's minimizer
            elif n_inner % gap_freq == 0:
                _ops.full_grad(store, state, ws, m, v)
                checked = True
                primal, dual, _ = _primal_dual(store, state, coef, v, ws, m, l1, l2, lo, hi, free)
                gap_ws = primal - dual
                if on_face and gap_ws <= floor_abs:
                    v_fresh = whole
                    break  # nothing left to gain on this working set (see the outer test)
            else:
                continue
            if gap_ws <= inner_tol or (kkt_abs > 0.0 and
                                       _kkt(coef, v, ws, m, l1, l2, lo, hi) <= kkt_abs):
                v_fresh = whole and checked
                break


@njit(cache=True, inline="always")
def _jump_cost(k, pair_unit):
    """Multiply-adds of a jump on k features: their Gram block and its Cholesky."""
    return 0.5 * k * k * pair_unit + k * k * k / 6.0


@njit(cache=True)
def _jump(store, state, coef, ws, m, col_sq, l1, l2, lo, hi, budget, pair_unit):
    """Move towards the minimizer on the face where the support S and its signs s stay
    fixed; returns 1 when it moved, 0 when it could not (singular or empty support) and -1
    when it would cost more than budget multiply-adds.

    On that face P is a quadratic in b_S whose minimizer is one linear solve,
        (Q_SS + diag l2_S) d = g_S - l1_S s_S - l2_S b_S,   g = X_c' W r,
    which coordinate descent approaches in hundreds of epochs on correlated columns. The
    step runs along d only until the first coefficient reaches zero or a bound (landing on
    it exactly), so P never increases; it is undone should rounding make P larger.
    """
    S = np.empty(m, dtype=np.int64)
    k = np.int64(0)
    for t in range(m):
        j = ws[t]
        b = coef[j]
        if lo[j] < b < hi[j] and (b != 0.0 or l1[j] == 0.0) and col_sq[j] + l2[j] > 0.0:
            S[k] = j
            k += 1
    if k == 0:
        return 0
    if _jump_cost(k, pair_unit) > budget:
        return -1
    g = np.empty(coef.shape[0])
    _ops.full_grad(store, state, S, k, g)
    H = np.empty((k, k))
    _ops.gram_block(store, S, k, H)
    d = np.empty(k)
    old = np.empty(k)
    big = 0.0
    before = 0.0
    for a in range(k):
        j = S[a]
        b = coef[j]
        old[a] = b
        H[a, a] = col_sq[j] + l2[j]  # the diagonal is the columns' centred sums of squares
        big = max(big, H[a, a])
        sign = 0.0 if l1[j] == 0.0 else (1.0 if b > 0.0 else -1.0)
        d[a] = g[j] - l1[j] * sign - l2[j] * b
        before += l1[j] * abs(b) + 0.5 * l2[j] * b * b
    if not _cholesky_solve(H, d, PIVOT_FLOOR * big):
        return 0
    # the longest step in [0, 1] along d that keeps every sign and bound
    step = 1.0
    stop = -1
    stop_at = 0.0  # the zero or bound where coefficient `stop` lands exactly
    for a in range(k):
        j = S[a]
        b = old[a]
        new = b + d[a]
        if l1[j] > 0.0 and new * b <= 0.0:
            edge = 0.0
        elif new > hi[j]:
            edge = hi[j]
        elif new < lo[j]:
            edge = lo[j]
        else:
            continue
        limit = (edge - b) / d[a]
        if limit < step:
            step = limit
            stop = a
            stop_at = edge
    if not step > 0.0:
        return 0
    before += 0.5 * _ops.resid_stats(store, state, coef)[0]
    after = 0.0
    for a in range(k):
        j = S[a]
        b = old[a]
        target = stop_at if a == stop else b + step * d[a]
        if target != b:
            _ops.update(store, state, j, target - b)
            coef[j] = target
        after += l1[j] * abs(target) + 0.5 * l2[j] * target * target
    after += 0.5 * _ops.resid_stats(store, state, coef)[0]
    if after > before:
        for a in range(k):
            j = S[a]
            if coef[j] != old[a]:
                _ops.update(store, state, j, old[a] - coef[j])
                coef[j] = old[a]
        return 0
    return 1


@njit(cache=True)
def _signature(coef, ws, m):
    """(hash, count) of the support and signs of coef on ws[:m]; the hash does not depend
    on the order of ws (shuffled with selection="random"), and a collision only skips a
    jump."""
    h = 0
    count = np.int64(0)
    for t in range(m):
        j = ws[t]
        if coef[j] != 0.0:
            code = 2 * j + 1 if coef[j] > 0.0 else 2 * j + 2
            h += (code * 2654435761) % 4294967291
            count += 1
    return h, count


@njit(cache=True, inline="always")
def _shuffle(a, m, rng_state):
    """Fisher-Yates on a[:m] with a 64-bit LCG (numba's np.random costs seconds to compile)."""
    x = rng_state[0]
    for i in range(m - 1, 0, -1):
        x = x * 6364136223846793005 + 1442695040888963407
        j = (x >> 33) % (i + 1)
        a[i], a[j] = a[j], a[i]
    rng_state[0] = x


@njit(cache=True, nogil=True)
def solve_path(store, state, coef, lambdas, l1w, l2w, lo, hi, col_sq, col_norm, free, tol_abs,
               floor_abs, inner_ratio, max_iter, screening, ws_min, gap_freq, rng_state,
               coefs_out, gaps_out, iters_out, work, iwork):
    """Solve at every lambdas[k] in order, warm-starting each from the last.

    coef (n_features,) float64 and `state` (see `_ops`) are updated in place and must agree on
    entry. tol_abs is the gap to reach; floor_abs the gap at which an exact solve on a face
    (a jump) counts as final when tol_abs is below rounding. Writes coefs_out[k],
    gaps_out[k, 0] (gap reached), gaps_out[k, 1] (r'Wr at the solution) and iters_out[k]
    (epochs).
    Scratch: work (5 + ANDERSON_K, n_features) float64, iwork (3, n_features) int64.
    Features are visited in index order, or shuffled each epoch when rng_state (1,) int64 is
    non-empty.
    """
    p = coef.shape[0]
    l1 = work[0]
    l2 = work[1]
    v = work[2]
    score = work[3]
    hist = work[4:]
    weights = np.empty(ANDERSON_K)
    screened = iwork[0]
    cand = iwork[1]
    ws = iwork[2]
    for j in range(p):
        screened[j] = 0
    v_ok = False
    for k in range(lambdas.shape[0]):
        # v is the gradient at the current coef, except on features screened at the last level.
        n_stale = np.int64(0)
        for j in range(p):
            if screened[j]:
                cand[n_stale] = j
                n_stale += 1
            screened[j] = 0
            l1[j] = lambdas[k] * l1w[j]
            l2[j] = lambdas[k] * l2w[j]
        if k > 0 and n_stale > 0:
            _ops.full_grad(store, state, cand, n_stale, v)
        # A warm start whose gap already meets tol still gets one epoch on its working set:
        # it is the last level's solution, off by as much as tol allows, and the epoch costs
        # less than the gradient pass that certified it (on the 20000 x 50000 benchmark,
        # levels certified without moving were 3.5e-4 above the optimal objective at tol
        # 1e-4; with the epoch, 1e-8).
        gap, n_iter, v_ok = _solve_one(store, state, coef, v, l1, l2, lo, hi, col_sq, col_norm,
                                       free, tol_abs, floor_abs, inner_ratio, max_iter,
                                       1 if k > 0 else 0, screening, ws_min, gap_freq,
                                       rng_state, screened, cand, ws, score, hist, weights,
                                       k > 0 and v_ok, 0.0)
        for j in range(p):
            coefs_out[k, j] = coef[j]
        gaps_out[k, 0] = gap
        gaps_out[k, 1] = _ops.resid_stats(store, state, coef)[0]
        iters_out[k] = n_iter
