"""Proximal Newton (IRLS) for the binomial and Poisson families along a path, compiled.

The same algorithm as `penalized.newton.solve_glm`, step for step, for a dense X read by the
dense coordinate-descent storage: at each alpha, minimize

    F(b0, b) = (1 / S) sum_i s_i loss(y_i, offset_i + b0 + x_i'b) + alpha * pen(b)

by steps that each solve the penalized weighted least-squares model of F at the current
point (working weights h_i = s_i loss''(eta_i), response z_i = eta_i - offset_i
- loss'(eta_i) / h_i) with `cd_path._solve_one`, restricted to the strong-rule candidates,
then backtrack until F does not increase, and stop on the KKT violation of F. Running the
whole loop compiled removes the Python work around each least-squares solve (designs,
array copies, dispatch), which was three quarters of a logistic path on 100 x 1000.

The Python driver keeps what this loop does not do (ridge's exact steps, unpenalized
unbounded features, sparse or Gram storage, accuracy below what a gap certifies): the loop
stops with STATUS_HANDOFF at the first step that needs it, and `solve_glm` goes on from
that point.
"""

import numpy as np
from numba import njit

from penalized._kernels import _ops
from penalized._kernels.cd_dense import FAST
from penalized._kernels.cd_path import ANDERSON_K, _solve_one

BINOMIAL = 0
POISSON = 1
MAX_ETA = 700.0  # as families.MAX_ETA: e^700 is the largest Poisson mean kept finite
MAX_HALVINGS = 40
FORCING = 0.1
STEP_ACCURACY = 1.0
STATUS_DONE = 0
STATUS_HANDOFF = 1


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


@njit(cache=True, fastmath=FAST)
def _gradient(X, sw_g, S, grad):
    """grad = X' sw_g / S; returns the intercept's, sum(sw_g) / S."""
    n, p = X.shape
    for j in range(p):
        s = 0.0
        for i in range(n):
            s += X[i, j] * sw_g[i]
        grad[j] = s / S
    total = 0.0
    for i in range(n):
        total += sw_g[i]
    return total / S


@njit(cache=True)
def kkt_violation(grad, grad0, coef, alpha, l1w, l2w, lo, hi, intercept_weight):
    """As `newton.kkt_violation`: the largest violation of 0 in grad_j + alpha l2_j b_j
    + alpha l1_j d|b_j| + N_box(b_j), and intercept_weight |grad0|."""
    worst = intercept_weight * abs(grad0)
    for j in range(coef.shape[0]):
        b = coef[j]
        g = grad[j] + alpha * l2w[j] * b
        l1 = alpha * l1w[j]
        if b == 0.0:
            v = 0.0
            if hi[j] > 0.0:
                v = max(v, -g - l1)
            if lo[j] < 0.0:
                v = max(v, g - l1)
        else:
            s = g + (l1 if b > 0.0 else -l1)
            if b >= hi[j]:
                v = max(s, 0.0)
            elif b <= lo[j]:
                v = max(-s, 0.0)
            else:
                v = abs(s)
        worst = max(worst, v)
    return worst


@njit(cache=True, fastmath=FAST)
def _wls_store(store, X, hw, total, z, keep, n_keep, fit_intercept, col_sq, col_norm, l2w,
               coef, state):
    """Fill the dense store for the least-squares model with weights hw / total and
    response z on the features keep[:n_keep]; returns the response's weighted mean (the
    model's intercept is z_mean - x_mean . b). The store's arrays are overwritten; coef is
    the starting point, with a constant column's coefficient set to 0 when nothing else
    pins it (as `solver.solve_arrays` does)."""
    n = X.shape[0]
    w, x_mean, y_c = store.w, store.x_mean, store.y
    z_mean = 0.0
    for i in range(n):
        w[i] = hw[i] / total
        z_mean += w[i] * z[i]
    if not fit_intercept:
        z_mean = 0.0
    for i in range(n):
        y_c[i] = z[i] - z_mean
        state[i] = y_c[i]
    for t in range(n_keep):
        j = keep[t]
        m = 0.0
        if fit_intercept:
            for i in range(n):
                m += w[i] * X[i, j]
        s = 0.0
        for i in range(n):
            d = X[i, j] - m
            s += w[i] * d * d
        # a column constant up to rounding carries residue, not data (design._zero_constant)
        if s <= 1e-26 * (s + m * m):
            s = 0.0
        x_mean[j] = m
        col_sq[j] = s
        col_norm[j] = np.sqrt(s)
        if s == 0.0 and l2w[j] == 0.0:
            coef[j] = 0.0
        b = coef[j]
        if b != 0.0:
            _ops.update(store, state, j, b)
    return z_mean


@njit(cache=True)
def irls_path(store, state, X, y, sw, offset, family, hmin, alphas, l1w, l2w, lo, hi,
              fit_intercept, tol_kkt, intercept_weight, max_iter, max_epochs,
              step_max_epochs, polish, ws_min, gap_freq, inner_ratio, gap_rounding, free,
              coef, b0, eta, grad, coefs_out, b0_out, steps_out, kkt_out):
    """Solve at each alpha in order, warm-started (see the module docstring).

    coef (p,) and b0 (1,) are the starting point, updated in place; eta must equal
    offset + b0 + X coef and grad its gradient (`_gradient`) on entry, and they are kept in
    step. Writes coefs_out[k], b0_out[k], steps_out[k] (Newton steps) and kkt_out[k]
    (violation reached). Returns (status, k, steps): STATUS_DONE, or STATUS_HANDOFF when
    alpha k needs the Python driver, after `steps` steps already taken at that alpha.
    """
    n, p = X.shape
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
    derivatives(family, y, eta, hmin, g, h)
    for i in range(n):
        work[i] = sw[i] * g[i]
    grad0 = _gradient(X, work, S, grad)
    for k in range(alphas.shape[0]):
        alpha = alphas[k]
        alpha_prev = max(alphas[k - 1], alpha) if k > 0 else alpha
        value = loss_sum(family, y, sw, eta) / S + _penalty(coef, alpha, l1w, l2w)
        kkt = kkt_violation(grad, grad0, coef, alpha, l1w, l2w, lo, hi, intercept_weight)
        steps = np.int64(0)
        extra = np.int64(1 if polish else 0)
        accuracy = 1.0
        while (kkt > tol_kkt or (extra > 0 and steps > 0 and kkt > 1e-3 * tol_kkt)) \
                and steps < max_iter:
            if kkt <= tol_kkt:
                extra -= 1
            if kkt > tol_kkt:
                target = accuracy * max(tol_kkt, FORCING * kkt)
            else:
                target = accuracy * 1e-4 * tol_kkt
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
            total = 0.0
            for i in range(n):
                hw[i] = sw[i] * h[i]
                total += hw[i]
                z[i] = (eta[i] - offset[i]) - g[i] / h[i]
            for j in range(p):
                new_coef[j] = coef[j]
            if n_keep == 0:
                new_b0 = 0.0
                if fit_intercept:
                    for i in range(n):
                        new_b0 += hw[i] * z[i]
                    new_b0 /= total
            else:
                z_mean = _wls_store(store, X, hw, total, z, keep, n_keep, fit_intercept,
                                    col_sq, col_norm, l2w, new_coef, state)
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
                null = 0.0
                for i in range(n):
                    null += store.w[i] * store.y[i] * store.y[i]
                # newton._gap_for_gradient: F's gradient is total / S times the model's
                error = STEP_ACCURACY * target * S / total
                tol = 1e-4
                if curvature > 0.0 and null > 0.0:
                    tol = min(error * error / (2.0 * curvature) / null, 1e-4)
                if tol < 1e-16:
                    # below what a gap certifies: the Python driver finishes with an exact
                    # solve on the support
                    return STATUS_HANDOFF, k, steps
                epochs = min(max_epochs, step_max_epochs) if kkt > tol_kkt else max_epochs
                _solve_one(store, state, new_coef, v, l1, l2, lo, hi, col_sq, col_norm, free,
                           tol * null, gap_rounding * null, inner_ratio, epochs, True, ws_min,
                           gap_freq, rng_state, screened, cand, ws, score, hist, weights,
                           False)
                new_b0 = z_mean
                if fit_intercept:
                    for t in range(n_keep):
                        j = keep[t]
                        new_b0 -= store.x_mean[j] * new_coef[j]
                else:
                    new_b0 = 0.0
            # backtrack from the full step until F does not increase (newton._line_search)
            d_b0 = new_b0 - b0[0]
            for i in range(n):
                d_eta[i] = d_b0
            for j in range(p):
                d = new_coef[j] - coef[j]
                if d != 0.0:
                    for i in range(n):
                        d_eta[i] += d * X[i, j]
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
            grad0 = _gradient(X, work, S, grad)
            last_kkt = kkt
            kkt = kkt_violation(grad, grad0, coef, alpha, l1w, l2w, lo, hi, intercept_weight)
            # a step that leaves F equal in floating point but lowers the violation is
            # progress (strongly curved problems near their optimum)
            stalled = new_value >= value and kkt >= 0.5 * last_kkt
            value = new_value
            if stalled:
                if accuracy < 1e-6:
                    break
                accuracy *= 1e-2
        for j in range(p):
            coefs_out[k, j] = coef[j]
        b0_out[k] = b0[0]
        steps_out[k] = steps
        kkt_out[k] = kkt
    return STATUS_DONE, alphas.shape[0], np.int64(0)
