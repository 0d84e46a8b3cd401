"""Proximal Newton (IRLS) for the non-Gaussian families, on the coordinate-descent engine.

For each alpha, minimizes

    F(b0, b) = (1 / S) sum_i s_i loss(y_i, offset_i + b0 + x_i'b)
               + alpha * sum_j pf_j s_j (l1_ratio |b_j| + (1 - l1_ratio)/2 s_j b_j^2)

within the bounds (s_i the sample weights, S their sum; pf and the scales s_j as in the
Gaussian problem). Each step solves the penalized weighted least-squares model of F at the
current point (working weights h_i = s_i loss'', working response z = eta - loss'/loss'') with
`solver.solve_arrays`, then backtracks along the step until F decreases, so F never
increases. The multinomial family takes joint steps in all K coefficient vectors (one engine
solve on an expanded design, exact for ridge) or, when that design is too large, cycles over
the classes as glmnet does; all K vectors are penalized (the symmetric parametrization) and
the intercepts, which the penalty does not pin down, are centred to sum to zero.

The stopping rule is a certificate: the largest violation of the KKT conditions of F
(gradient against the subdifferential of the penalty, with bounds and the intercept's own
condition), at most tol times the largest gradient of the intercept-only model.
"""

import dataclasses
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp, softmax
from sklearn.exceptions import ConvergenceWarning

from penalized._kernels import irls
from penalized._kernels.cd_dense import DenseStore
from penalized._kernels.cd_gram import GramStore
from penalized._kernels.cd_sparse import SparseStore
from penalized._problem import Problem
from penalized._validation import choose_design
from penalized.design import DenseDesign, GramDesign, SparseDesign, raw_X
from penalized.families import MIN_HESSIAN, Multinomial
from penalized.results import FitResult
from penalized.solver import (
    GAP_FREQ,
    GAP_ROUNDING,
    PATH_INNER_RATIO,
    WS_MIN,
    free_projection,
    penalty_weights,
    solve_arrays,
)

MAX_HALVINGS = 40  # a step shrunk 2^40 times no longer moves anything
DIRECT_MAX_WIDTH = 2000  # widest ridge Newton step solved exactly (a width^2 system)
FORCING = 0.1  # each step solved to this fraction of the KKT violation it starts from
# The least-squares step's gradient is accurate to about this times the KKT target times
# the square root of the step's width: the sqrt(2 L G) bound is on the gradient error's
# 2-norm, and the KKT test on its largest entry; an error spread over k features has a
# largest entry about 1/sqrt(k) of its norm (a step solved too loosely is retried
# tighter, and the KKT test on the true objective decides). Without the sqrt(k), the
# late steps of a sparse 4000 x 10000 logistic path (3000 features) asked for gaps of
# 1e-10 and spent 400 epochs each: 5.5 s against 2.3 s, the same 184 steps (timed while
# another benchmark ran on the other core). 3, not 1: the gap bound is loose in the same
# way (the step's gradient lands well inside it), and on the 20000 x 50000 text benchmark's
# L1 path (tol 2e-4) 3 took 4566 epochs where 1 took 6858, with the same 159 steps and the
# same objectives (14-15 s against 17.5-19 s); on the dense FHT designs (1000 x 100,
# 100 x 1000, 100 x 10000, rho 0 / 0.5 / 0.95, tol 1e-4 and 1e-6) it never took more epochs
# and the times moved within noise; 5 and 10 added Newton steps.
STEP_ACCURACY = 3.0


def _matvec(X, coef):
    return np.asarray(X @ coef, dtype=np.float64).ravel()


def _penalty(coef, alpha, l1w, l2w):
    return alpha * (l1w @ np.abs(coef) + 0.5 * l2w @ (coef * coef))


def kkt_violation(grad, grad0, coef, alpha, l1w, l2w, lower, upper,
                  intercept_weight: float) -> float:
    """Largest violation of  0 in grad_j + alpha l2_j b_j + alpha l1_j d|b_j| + N_box(b_j),
    and of grad0 = 0 (the intercept's gradient) times intercept_weight (0: no intercept).
    The compiled loop's own test (`irls.kkt_violation`), on contiguous float64 copies
    where the arguments are views (a class's column of a gradient matrix)."""
    def arr(a):
        return np.ascontiguousarray(a, dtype=np.float64)

    return float(irls.kkt_violation(arr(grad), float(grad0), arr(coef), float(alpha),
                                    arr(l1w), arr(l2w), arr(lower), arr(upper),
                                    float(intercept_weight)))


class _Fit:
    """The data of one GLM fit: X, y, offset, weights, penalty weights."""

    def __init__(self, problem: Problem, family, y, offset, l1_ratio):
        self.problem = problem
        self.family = family
        self.X = raw_X(problem.design)
        self.y = y
        self.offset = offset
        self.sw = problem.weights * problem.sum_weights  # raw sample weights
        self.S = problem.sum_weights
        self.l1w, self.l2w = penalty_weights(problem, l1_ratio)
        self.l1_ratio = l1_ratio
        self.precompute = isinstance(problem.design, GramDesign)
        self._derivatives = (None, None, None)
        # ridge without bounds: exact Newton steps (as scikit-learn's newton-cholesky),
        # which a gap-certified solve cannot match when the ridge curvature is large
        self.direct = (not self.l1w.any() and problem.n_features <= DIRECT_MAX_WIDTH
                       and np.isinf(problem.lower_bounds).all()
                       and np.isinf(problem.upper_bounds).all())

    def objective(self, eta, coef, alpha):
        return self.sw @ self.family.loss(self.y, eta) / self.S + _penalty(
            coef, alpha, self.l1w, self.l2w)

    def derivatives(self, eta):
        """The family's (g, h) at eta, kept for the next call with the same array (the
        gradient and the next step's model are both taken at the accepted point)."""
        if self._derivatives[0] is not eta:
            self._derivatives = (eta, *self.family.derivatives(self.y, eta))
        return self._derivatives[1:]

    def gradient(self, eta):
        g, _ = self.derivatives(eta)
        wg = self.sw * g / self.S
        return np.asarray(self.X.T @ wg, dtype=np.float64).ravel(), float(wg.sum())

    def candidates(self, grad, coef, alpha, alpha_prev):
        """The features a step at alpha may move: the non-zero and unpenalized ones, and the
        zeros that pass the sequential strong rule |grad_j| >= l1_j (2 alpha - alpha_prev)
        (Tibshirani et al. 2012). Every KKT violator passes it (alpha_prev >= alpha), so a
        zero left out wrongly shows up in the next KKT check and joins the next step."""
        threshold = self.l1w * (2.0 * alpha - alpha_prev)
        return np.flatnonzero((coef != 0) | (self.l1w == 0) | (np.abs(grad) >= threshold))

    def wls_step(self, eta, coef, intercept, alpha, kkt_target, max_epochs, keep=None):
        """The minimizer of the penalized quadratic model of F at eta (one IRLS solve),
        accurate enough that F's gradient there is within ~kkt_target / 10 of the model's
        exact minimizer (see `_gap_for_gradient`). keep (indices) restricts the step to
        those features, the others staying at zero: the model, its Gram matrix and the
        inner solver's sweeps then cost |keep| columns instead of all."""
        g, h = self.derivatives(eta)
        hw = self.sw * h
        total = hw.sum()
        z = (eta - self.offset) - g / h
        problem = self.problem
        X, out = self.X, None
        if keep is not None and keep.size == 0:  # only the intercept moves
            b0 = float(hw @ z) / total if problem.fit_intercept else 0.0
            return np.zeros(problem.n_features), b0, 0
        if keep is not None and keep.size < problem.n_features:
            out = np.zeros(problem.n_features)
            X, coef = X[:, keep], coef[keep]
            problem = dataclasses.replace(
                problem, penalty_factor=problem.penalty_factor[keep],
                lower_bounds=problem.lower_bounds[keep], upper_bounds=problem.upper_bounds[keep],
                feature_scale=problem.feature_scale[keep])
        design = choose_design(X, hw / total, problem.fit_intercept, self.precompute)
        wls = dataclasses.replace(problem, design=design, y=z, weights=hw / total,
                                  sum_weights=float(total))
        alpha_w = alpha * self.S / total
        if self.direct:
            coef, intercept = _ridge_newton(wls, alpha_w)
            n_iter = 1
        else:
            # F's gradient is total / S times the weighted least-squares one
            l2w = self.l2w if keep is None else self.l2w[keep]
            tol = _gap_for_gradient(wls, alpha_w * l2w, STEP_ACCURACY * np.sqrt(l2w.size)
                                    * kkt_target * self.S / total)
            result = solve_arrays(wls, np.array([alpha_w]), self.l1_ratio,
                                  tol=max(tol, 1e-16), max_iter=max_epochs, coef_init=coef,
                                  warn=False)
            coef, intercept = result.coefs[0], float(result.intercepts[0])
            n_iter = int(result.n_iter[0])
            if tol < 1e-16 and np.count_nonzero(coef) < DIRECT_MAX_WIDTH:
                # the accuracy needed is below what a gap certifies in floating point (large
                # curvature): finish with an exact solve on the support the solver found
                exact = _newton_on_support(wls, alpha_w, self.l1_ratio, coef)
                if exact is not None:
                    coef, intercept = exact
        if out is not None:
            out[keep] = coef
            coef = out
        return coef, intercept, n_iter


def _gap_for_gradient(wls: Problem, l2: np.ndarray, gradient_error: float) -> float:
    """The relative gap tolerance of a least-squares solve that keeps its gradient within
    about `gradient_error` of the gradient at its optimum.

    Within gap G of the optimum, the gradient of a convex quadratic with curvature at most
    L moves by at most sqrt(2 L G) (the gap bounds the Bregman distance). L is taken as the
    largest coordinate curvature (column sum of squares plus ridge term): the largest
    eigenvalue can be larger on correlated columns, which then costs another Newton step,
    not a wrong answer (the KKT check decides); a large ridge penalty asks for a smaller
    gap, which a tolerance relative to the data alone missed.
    """
    design = wls.design
    curvature = float(design.col_sq.max(initial=0.0)) + float(l2.max(initial=0.0))
    z = wls.y - wls.y_mean(wls.y)
    null = float(wls.weights @ (z * z))
    if not (curvature > 0 and null > 0):
        return irls.STEP_TOL_CAP
    gap = gradient_error * gradient_error / (2.0 * curvature)
    return float(min(gap / null, irls.STEP_TOL_CAP))


def kkt_tolerance(problem: Problem, sw: np.ndarray, magnitude: np.ndarray,
                  null_gradient: float, tol: float) -> tuple[float, float]:
    """(tol_kkt, intercept_weight): the KKT tolerance of the features, tol times the largest
    null-model gradient, and the weight that puts the intercept's gradient on the same
    footing (`kkt_violation`).

    Neither asks for less than the rounding noise of its gradient, sum_i s_i x_ij r_i / S
    with terms bounded by |x_ij| magnitude_i: 10 eps sqrt(n) times the Cauchy-Schwarz bound
    on the weighted second moments, with x the largest column for the features and a column
    of ones for the intercept. Relative, so problems scaled by 1e-150 (X or y) are
    certified like their unscaled twins, a tolerance below rounding (a constant y, a tiny
    tol) does not ask for the impossible, and the intercept (whose gradient does not scale
    with X) is not held to the features' scale.
    """
    design = problem.design
    r_sq = float(sw @ (magnitude * magnitude)) / problem.sum_weights
    noise = 10 * np.finfo(np.float64).eps * np.sqrt(design.n_samples * r_sq)
    x_sq = float(np.max(design.col_sq + design.x_mean ** 2, initial=0.0))
    tol_kkt = max(tol * null_gradient, noise * np.sqrt(x_sq), 1e-300)
    if not problem.fit_intercept:
        return tol_kkt, 0.0
    return tol_kkt, tol_kkt / max(tol * null_gradient, noise, 1e-300)


def _inner_tol(tol: float) -> float:
    """Gap tolerance of the least-squares steps. The KKT violation of an inexact step is
    about the square root of its gap, hence tol squared (with a margin)."""
    return max(1e-16, min(1e-4, 1e-2 * tol * tol))


def _line_search(fit, alpha, coef, intercept, eta, value, new_coef, new_intercept):
    """Backtrack from the full step until F does not increase; returns the accepted point."""
    d_coef, d_int = new_coef - coef, new_intercept - intercept
    d_eta = _matvec(fit.X, d_coef) + d_int
    t = 1.0
    for _ in range(MAX_HALVINGS):
        trial_eta = eta + t * d_eta
        # the full step is the solve's point itself: coef + (new - coef) can miss new by an
        # ulp, turning its exact zeros and bound values into interior points
        trial_coef = new_coef if t == 1.0 else coef + t * d_coef
        trial = fit.objective(trial_eta, trial_coef, alpha)
        if trial <= value + 1e-14 * abs(value):
            return trial_coef, (new_intercept if t == 1.0 else intercept + t * d_int), \
                trial_eta, trial
        t *= 0.5
    return coef, intercept, eta, value


def solve_glm(problem: Problem, family, alphas: np.ndarray, l1_ratio: float, *,
              offset: np.ndarray | None = None, tol: float = 1e-4, max_iter: int = 100,
              max_epochs: int = 100_000, coef_init=None, intercept_init=None,
              warn: bool = True, polish: bool = False,
              gram: bool | None = None) -> list[FitResult]:
    """Proximal Newton along the decreasing alphas (binomial, poisson), warm-started.

    max_iter bounds the Newton steps per alpha. FitResult.gap holds the KKT violation
    reached and FitResult.tol the bound it had to meet. polish=True (single fits) takes one
    precise step past the tolerance; along a path the next alpha refines anyway.

    Dense and sparse X run compiled (`_compiled_applies`). gram: whether that loop solves
    each step on the weighted Gram block of its candidates (dense X only; None: when the
    problem's design is a Gram design). The loop never reads the design's unweighted Gram,
    so gram=True on a dense design saves forming it. With the Gram storage over a
    row-major X, the loop reads a column-major copy of X, made once per call.
    """
    y = family.check_y(problem.y)
    n = y.shape[0]
    offset = np.zeros(n) if offset is None else np.asarray(offset, dtype=np.float64)
    fit = _Fit(problem, family, y, offset, l1_ratio)
    null_eta = family.null_eta(y, fit.sw, offset, problem.fit_intercept)
    grad_null, _ = fit.gradient(null_eta)
    g_null, _ = family.derivatives(y, null_eta)
    tol_kkt, int_weight = kkt_tolerance(problem, fit.sw, np.abs(y) + np.abs(g_null - y),
                                        float(np.abs(grad_null).max(initial=0.0)), tol)
    coef = np.zeros(problem.n_features) if coef_init is None else np.array(coef_init, float)
    if intercept_init is not None:
        intercept = float(intercept_init)
    elif problem.fit_intercept:
        intercept = float(np.mean(null_eta - offset))
    else:
        intercept = 0.0
    eta = offset + intercept
    if coef_init is not None:
        eta = eta + _matvec(fit.X, coef)
    alphas = np.asarray(alphas, dtype=np.float64)
    results, start, steps_taken = [], 0, 0
    if _compiled_applies(fit, alphas):
        if gram is None:
            gram = isinstance(problem.design, GramDesign)
        results, start, steps_taken, intercept, eta = _compiled_path(
            fit, alphas, tol_kkt, int_weight, max_iter, max_epochs, polish, coef, intercept,
            eta, warn, gram and not sp.issparse(fit.X))
    if start < alphas.shape[0]:  # the compiled loop handed over (or never ran)
        grad, grad0 = fit.gradient(eta)  # then always the gradient at the current eta
    for k in range(start, alphas.shape[0]):
        alpha = alphas[k]
        # the strong rule's previous alpha: the last level solved (this one after a step)
        alpha_prev = max(alphas[k - 1], alpha) if k else alpha
        value = fit.objective(eta, coef, alpha)
        kkt = kkt_violation(grad, grad0, coef, alpha, fit.l1w, fit.l2w, problem.lower_bounds,
                            problem.upper_bounds, int_weight)
        # steps the compiled loop already took at this alpha before handing it over
        steps = steps_taken if k == start else 0
        # One step past the tolerance: Newton's convergence is quadratic, so that step buys
        # many digits for one least-squares solve (refits then agree far below tol).
        extra = int(polish)
        accuracy = 1.0  # shrinks when a step makes no progress: it was solved too loosely
        while (kkt > tol_kkt or (extra and steps and kkt > irls.POLISH_GOAL * tol_kkt)) \
                and steps < max_iter:
            extra -= kkt <= tol_kkt
            # inexact Newton: the step need only be accurate to a fraction of the current
            # violation (a forcing term, as in truncated Newton); the extra step: to the
            # polishing goal itself (irls.POLISH_GOAL)
            target = accuracy * (max(tol_kkt, FORCING * kkt) if kkt > tol_kkt
                                 else irls.POLISH_GOAL * tol_kkt)
            keep = None if fit.direct else fit.candidates(
                grad, coef, alpha, alpha if steps else alpha_prev)
            new_coef, new_int, _ = fit.wls_step(
                eta, coef, intercept, alpha, target,
                min(max_epochs, STEP_MAX_EPOCHS) if kkt > tol_kkt else max_epochs, keep)
            if not problem.fit_intercept:
                new_int = 0.0
            coef, intercept, eta, new_value = _line_search(fit, alpha, coef, intercept, eta,
                                                           value, new_coef, new_int)
            steps += 1
            grad, grad0 = fit.gradient(eta)
            last_kkt = kkt
            kkt = kkt_violation(grad, grad0, coef, alpha, fit.l1w, fit.l2w,
                                problem.lower_bounds, problem.upper_bounds, int_weight)
            # Near the optimum of a strongly curved (large ridge) problem F changes by less
            # than its rounding: a step that leaves F equal in floating point but lowers
            # the KKT violation is progress.
            stalled = new_value >= value and kkt >= 0.5 * last_kkt
            value = new_value
            if stalled:
                if accuracy < 1e-6:
                    break
                accuracy *= 1e-2
        result = FitResult(coef.copy(), intercept, steps, kkt, tol_kkt)
        if warn and not result.converged:
            _warn(alpha, family.name, max_iter, kkt, tol_kkt, steps)
        elif warn and alpha == 0 and family.name == "binomial":
            _warn_if_separated(fit.sw > 0, (eta - offset > 0) == (y > 0.5))
        results.append(result)
    return results


def _compiled_applies(fit: _Fit, alphas: np.ndarray) -> bool:
    """Whether `irls.irls_path` can run these steps: binomial or Poisson on dense X read
    as it is (no centred copy; with or without a Gram matrix) or sparse X (no Gram), every
    alpha > 0, an l1 term somewhere (else the steps are exact ridge solves), and no
    unpenalized feature with an open side (whose dual constraint needs the projection the
    Python driver builds)."""
    problem = fit.problem
    design = problem.design
    base = design.base if isinstance(design, GramDesign) else design
    storage_ok = (isinstance(design, SparseDesign)
                  or (isinstance(base, DenseDesign) and base._kernel_X is base.X))
    lo, hi = problem.lower_bounds, problem.upper_bounds
    free = (fit.l1w == 0) & (fit.l2w == 0) & (np.isinf(lo) | np.isinf(hi))
    return (fit.family.name in ("binomial", "poisson") and storage_ok
            and not fit.direct and bool(alphas.size) and bool((alphas > 0).all())
            and not free.any())


def _compiled_path(fit: _Fit, alphas, tol_kkt, int_weight, max_iter, max_epochs, polish,
                   coef, intercept, eta, warn, gram):
    """Run `irls.irls_path` from (coef, intercept, eta), coef updated in place; returns
    (results, k, steps, intercept, eta): the FitResults of alphas[:k], and where the Python
    driver takes over (k = len(alphas) when the loop finished, after `steps` steps at k)."""
    problem = fit.problem
    n, p = fit.X.shape
    family = irls.BINOMIAL if fit.family.name == "binomial" else irls.POISSON
    hmin = MIN_HESSIAN
    if family == irls.POISSON:
        scale = float(np.mean(fit.y))
        hmin = MIN_HESSIAN * scale if scale > 0 else MIN_HESSIAN
    stale, ws_min, gap_freq = 0.0, WS_MIN, GAP_FREQ
    if gram:
        X = np.asfortranarray(fit.X)  # X may be row-major: one copy then
        store = GramStore(np.zeros((p, p), order="F"), np.zeros(p), np.zeros(1))
        means, stale, ws_min, gap_freq = np.zeros(p), STALE_CURVATURE, p, 1
        # the Gram storage's state is the gradient q - Q b, one entry per feature; entries off
        # the step's block are never set, and must not be garbage: the residual statistics
        # sum coef_j * state_j over all features (0 * NaN from np.empty changed the path)
        state = np.zeros(p)
    elif sp.issparse(fit.X):
        X = np.zeros((0, 0), order="F")  # the store holds the CSC arrays
        store = SparseStore(fit.X.data, fit.X.indices, fit.X.indptr, np.zeros(p),
                            np.empty(n), np.empty(n))
        means = store.x_mean
        state = np.empty(n + 1)  # the residual, plus the centring shift (see cd_sparse)
    else:
        X = fit.X
        store = DenseStore(X, np.zeros(p), np.empty(n), np.empty(n), np.empty(n))
        means = store.x_mean
        state = np.empty(n)  # the residual
    empty = np.zeros(0, dtype=np.int64)
    free = free_projection(problem.design, store, np.empty(n), empty, empty)
    b0 = np.array([intercept])
    eta = np.array(eta, dtype=np.float64)
    n_alphas = alphas.shape[0]
    coefs, b0s = np.empty((n_alphas, p)), np.empty(n_alphas)
    steps, kkts = np.empty(n_alphas, dtype=np.int64), np.empty(n_alphas)
    status, k, taken = irls.irls_path(
        store, state, X, fit.y, np.ascontiguousarray(fit.sw, dtype=np.float64),
        np.ascontiguousarray(fit.offset, dtype=np.float64), family, hmin, alphas, fit.l1w,
        fit.l2w, problem.lower_bounds, problem.upper_bounds, problem.fit_intercept, tol_kkt,
        int_weight, int(max_iter), int(max_epochs), STEP_MAX_EPOCHS, bool(polish), FORCING,
        STEP_ACCURACY, ws_min, gap_freq, PATH_INNER_RATIO, GAP_ROUNDING, free, means, stale,
        coef, b0, eta, np.empty(p), coefs, b0s, steps, kkts, np.zeros(n_alphas, dtype=np.int64))
    results = []
    for j in range(k):
        result = FitResult(coefs[j].copy(), float(b0s[j]), int(steps[j]), float(kkts[j]),
                           tol_kkt)
        if warn and not result.converged:
            _warn(alphas[j], fit.family.name, max_iter, result.gap, tol_kkt, result.n_iter)
        results.append(result)
    return results, int(k), int(taken), float(b0[0]), eta


def _warn_if_separated(used, correct) -> None:
    """Unpenalized classification whose fit classifies every sample correctly: the classes
    are separable, the likelihood has no finite maximizer, and the KKT tolerance only
    decided where the growing coefficients stopped."""
    if correct[used].all():
        warnings.warn(
            "The classes are perfectly separable and there is no penalty (alpha=0 / "
            "C=np.inf): the unpenalized coefficients are unbounded, and the finite ones "
            "returned are where the tolerance stopped their growth. Add a penalty.",
            ConvergenceWarning, stacklevel=3,
        )


def _warn(alpha, family_name, max_iter, kkt, tol_kkt, steps=None):
    hint = ""
    if alpha == 0 and family_name in ("binomial", "multinomial"):
        hint = (" With no penalty the classes may be perfectly separable, where the "
                "coefficients grow without bound; add a penalty (finite C or alpha > 0).")
    if steps is not None and steps < max_iter:
        how = (f"stalled after {steps} steps (the objective no longer decreases in floating "
               "point; a looser tol is within reach)")
    else:
        how = f"did not converge within max_iter={max_iter} steps"
    warnings.warn(
        f"Proximal Newton {how} at alpha={alpha:.6g}: KKT violation {kkt:.3e}, tolerance "
        f"{tol_kkt:.3e}.{hint}",
        ConvergenceWarning, stacklevel=3,
    )


# The joint Newton step expands X into an (n_samples (K-1)) x (K n_features) design; above
# this many bytes the step cycles over the classes instead (K solves on X itself per step).
JOINT_MAX_BYTES = 256 * 2**20
# Epochs allowed to the least-squares solve of one Newton step (before the tolerance is
# met; the polishing steps of single fits are not capped). The line search and the outer
# KKT certificate make an inexact step safe, and the cap makes max_iter bound the total
# work (max_iter * STEP_MAX_EPOCHS epochs). Near separation the model is so ill-conditioned
# that a precise solve would spend 1e5 epochs on digits the next step recomputes (iris
# multinomial, 30 alphas: 100 steps in 2.8 s uncapped, 223 steps in 0.7 s at 3000).
STEP_MAX_EPOCHS = 3000
# With a Gram design, a Newton step may reuse the Gram block (the curvature) of an earlier
# step while no sample's curvature has moved by more than this fraction (`irls.irls_path`).
STALE_CURVATURE = 0.25


def _helmert(K: int) -> np.ndarray:
    """An orthonormal K x (K-1) basis of the vectors summing to zero."""
    Q = np.zeros((K, K - 1))
    for m in range(1, K):
        Q[:m, m - 1] = 1.0 / np.sqrt(m * (m + 1))
        Q[m, m - 1] = -m / np.sqrt(m * (m + 1))
    return Q


def _joint_design(X, L: np.ndarray, fit_intercept: bool):
    """Rows (i, l), columns (k, j): L[i, k, l] x_ij, then K intercept columns L[i, k, l].

    The quadratic model sum_i s_i/2 (d_i - z_i)' A_i (d_i - z_i) of the multinomial loss in
    the change d_i of the linear predictor, with A_i = L_i L_i', is a least-squares problem
    in this design (a new array: X is expanded, not modified).
    """
    n, K, m = L.shape
    p = X.shape[1]
    if sp.issparse(X):
        C = X.tocoo()
        vals = L[C.row] * C.data[:, None, None]
        rows = np.broadcast_to(C.row[:, None, None] * m + np.arange(m), vals.shape)
        cols = np.broadcast_to(np.arange(K)[:, None] * p + C.col[:, None, None], vals.shape)
        out = sp.csc_matrix((vals.ravel(), (rows.ravel(), cols.ravel())), shape=(n * m, K * p))
        if fit_intercept:
            out = sp.hstack([out, sp.csc_matrix(L.transpose(0, 2, 1).reshape(n * m, K))],
                            format="csc")
        return out
    out = np.einsum("ikl,ij->ilkj", L, np.asarray(X, dtype=np.float64)).reshape(n * m, K * p)
    if fit_intercept:
        out = np.hstack([out, L.transpose(0, 2, 1).reshape(n * m, K)])
    return out


def _newton_on_support(wls: Problem, alpha: float, l1_ratio: float,
                       coef: np.ndarray | None = None):
    """The exact minimizer (coef, intercept) of the penalized least-squares model `wls`
    over the coefficients `coef` leaves free, the others held at their values.

    Free means strictly inside the box and, where the l1 weight is positive, non-zero: the
    l1 term is then linear (sign of coef) and the model a quadratic,
    (X_F,c' W X_F,c + alpha diag(l2w_F)) b_F = X_F,c' W (y - X_fixed b_fixed)_c
    - alpha l1w_F sign(b_F), X_c centred by the weighted means when fitting an intercept;
    minimum norm where singular (unpenalized collinear columns, the multinomial
    intercepts' common shift). coef=None frees every coefficient (ridge without bounds).
    Returns None when the solution would flip a sign or leave the box (the support was not
    final). Costs a dense |F| x |F| system.
    """
    X = raw_X(wls.design)
    w = wls.weights
    l1w, l2w = penalty_weights(wls, l1_ratio)
    z = np.asarray(wls.y, dtype=np.float64)
    if coef is None:
        F = np.arange(X.shape[1])
        out = np.zeros(X.shape[1])
    else:
        lo, hi = wls.lower_bounds, wls.upper_bounds
        signs = np.sign(coef)
        # a zero coefficient whose gradient passes its l1 threshold (towards an open side)
        # joins, with the sign it would move to
        design = wls.design
        z_c = z - (float(w @ z) / float(w.sum()) if wls.fit_intercept else 0.0)
        descent = design.rmatvec(z_c - (_matvec(X, coef) - design.x_mean @ coef)) \
            - alpha * l2w * coef
        wakes = (coef == 0) & (
            ((descent > alpha * l1w) & (hi > 0)) | ((-descent > alpha * l1w) & (lo < 0)))
        signs[wakes] = np.sign(descent[wakes])
        interior = (coef > lo) & (coef < hi)
        F = np.flatnonzero((interior & ((coef != 0) | (l1w == 0))) | wakes)
        out = coef.copy()
        out[F] = 0.0
        if out.any():
            z = z - _matvec(X, out)
    XF = X[:, F]
    WX = XF.multiply(w[:, None]).tocsc() if sp.issparse(XF) else XF * w[:, None]
    H = XF.T @ WX
    H = np.array(H.toarray() if sp.issparse(H) else H, dtype=np.float64)
    rhs = np.asarray(WX.T @ z, dtype=np.float64).ravel()
    z_mean = 0.0
    if wls.fit_intercept:
        x_mean = wls.design.x_mean[F]
        z_mean = float(w @ z) / float(w.sum())
        H -= w.sum() * np.outer(x_mean, x_mean)
        rhs -= w.sum() * x_mean * z_mean
    # a constant column (zero once centred, see design._zero_constant) carries only
    # rounding residue in H: zeroed, as in the Gram design, so its coefficient stays 0
    constant = wls.design.col_sq[F] == 0.0
    H[constant, :] = 0.0
    H[:, constant] = 0.0
    rhs[constant] = 0.0
    H[np.diag_indices_from(H)] += alpha * l2w[F]
    if coef is not None:
        rhs -= alpha * l1w[F] * signs[F]
    b = np.linalg.lstsq(H, rhs, rcond=None)[0]
    if coef is not None:
        flipped = (l1w[F] > 0) & (np.sign(b) != signs[F])
        if flipped.any() or (b < wls.lower_bounds[F]).any() or (b > wls.upper_bounds[F]).any():
            return None
    out[F] = b
    intercept = z_mean - float(wls.design.x_mean[F] @ b) if wls.fit_intercept else 0.0
    return out, intercept


def _ridge_newton(wls: Problem, alpha: float) -> tuple[np.ndarray, float]:
    """The exact minimizer of the ridge least-squares model `wls` (no bounds)."""
    return _newton_on_support(wls, alpha, 0.0)


def _joint_step(problem, X, Y, sw, eta, coef, intercept, alpha, l1_ratio, tol, max_epochs,
                direct=False):
    """The minimizer of the penalized quadratic model of the multinomial objective in all K
    coefficient vectors (and intercepts) at once: one engine solve.

    The Hessian of the loss in eta_i is A_i = diag(p_i) - p_i p_i', singular along the
    common shift (1, ..., 1); on the K-1 directions Q orthogonal to it, A_i = Q M_i Q' with
    M_i = C_i C_i' positive definite (floored at MIN_HESSIAN). With L_i = Q C_i the model is
    1/2 sum_i s_i ||L_i'(eta_i' - eta_i) + C_i^-1 Q' g_i||^2, g_i = p_i - y_i.
    direct=True (ridge, no bounds) solves it exactly from its normal equations.
    """
    n, K = Y.shape
    p = X.shape[1]
    P = softmax(eta, axis=1)
    A = -P[:, :, None] * P[:, None, :]
    A[:, np.arange(K), np.arange(K)] += P
    Q = _helmert(K)
    M = Q.T @ A @ Q + MIN_HESSIAN * np.eye(K - 1)
    C = np.linalg.cholesky(M)
    L = Q @ C  # (n, K, K-1)
    u = np.linalg.solve(C, ((P - Y) @ Q)[:, :, None])[:, :, 0]
    target = (np.einsum("ikl,ik->il", L, eta) - u).ravel()
    m = K - 1
    row_w = np.repeat(sw, m)
    total = float(row_w.sum())
    design = choose_design(_joint_design(X, L, problem.fit_intercept), row_w / total, False,
                           "auto")
    k0 = K if problem.fit_intercept else 0  # the intercepts: unpenalized, unbounded columns

    def tiled(v, fill):
        return np.concatenate([np.tile(v, K), np.full(k0, fill)])

    wls = dataclasses.replace(
        problem, design=design, y=target, weights=row_w / total, sum_weights=total,
        fit_intercept=False, penalty_factor=tiled(problem.penalty_factor, 0.0),
        feature_scale=tiled(problem.feature_scale, 1.0),
        lower_bounds=tiled(problem.lower_bounds, -np.inf),
        upper_bounds=tiled(problem.upper_bounds, np.inf),
    )
    init = np.concatenate([coef.ravel(), intercept if problem.fit_intercept else []])
    alpha_wls = alpha * problem.sum_weights / total
    if direct:
        new = _ridge_newton(wls, alpha_wls)[0]
    else:
        new = solve_arrays(wls, np.array([alpha_wls]), l1_ratio, tol=tol,
                           max_iter=max_epochs, coef_init=init, warn=False).coefs[0]
    new_intercept = new[K * p:] if problem.fit_intercept else np.zeros(K)
    return new[:K * p].reshape(K, p), new_intercept


def solve_multinomial(problem: Problem, Y: np.ndarray, alphas: np.ndarray, l1_ratio: float,
                      *, tol: float = 1e-4, max_iter: int = 100, max_epochs: int = 100_000,
                      coef_init=None, warn: bool = True,
                      polish: bool = False) -> list[tuple]:
    """Penalized multinomial regression (softmax, all K classes penalized) along alphas.

    Y is the (n_samples, K) indicator matrix. Returns, per alpha, (coef (K, p),
    intercept (K,), steps, kkt, tol_kkt). A step minimizes the full quadratic model of the
    multinomial objective in all classes at once (`_joint_step`, one engine solve on an
    expanded design); when that design would exceed JOINT_MAX_BYTES a step instead cycles
    over the classes (glmnet's approach: a model in class k's coefficients with weights
    s_i p_ik (1 - p_ik), solved by the engine). Each is followed by a backtracking line
    search on the full objective.
    """
    n, K = Y.shape
    p = problem.n_features
    X = raw_X(problem.design)
    sw = problem.weights * problem.sum_weights
    S = problem.sum_weights
    l1w, l2w = penalty_weights(problem, l1_ratio)
    precompute = isinstance(problem.design, GramDesign)
    width = K * p + K
    joint = (X.nnz * K * K * 12 if sp.issparse(X) else n * (K - 1) * width * 8) \
        <= JOINT_MAX_BYTES
    # ridge without bounds: exact Newton steps (quadratic convergence to the float floor,
    # as scikit-learn's newton-cholesky) while the width x width system is small
    direct = joint and l1_ratio == 0.0 and width <= DIRECT_MAX_WIDTH and \
        np.isinf(problem.lower_bounds).all() and np.isinf(problem.upper_bounds).all()

    def loss(eta):
        return sw @ (logsumexp(eta, axis=1) - np.sum(Y * eta, axis=1)) / S

    def objective(eta, coef, alpha):
        return loss(eta) + sum(_penalty(coef[k], alpha, l1w, l2w) for k in range(K))

    def gradient(eta):
        R = sw[:, None] * (softmax(eta, axis=1) - Y) / S
        return np.asarray(X.T @ R, dtype=np.float64).T, R.sum(axis=0)

    def kkt(eta, coef, alpha):
        G, g0 = gradient(eta)
        return max(kkt_violation(G[k], g0[k], coef[k], alpha, l1w, l2w, problem.lower_bounds,
                                 problem.upper_bounds, int_weight)
                   for k in range(K))

    def search(eta, coef, intercept, value, alpha, new_coef, new_int, rows=slice(None)):
        """Backtrack from (coef, intercept) towards (new_coef, new_int) on the classes `rows`
        until F does not increase; the full step takes the new point exactly."""
        d_coef, d_int = new_coef - coef[rows], new_int - intercept[rows]
        d_eta = np.asarray(X @ np.atleast_2d(d_coef).T, dtype=np.float64) + d_int
        t = 1.0
        for _ in range(MAX_HALVINGS):
            trial_eta = eta.copy()
            trial_eta[:, rows] += t * d_eta.reshape(trial_eta[:, rows].shape)
            trial_coef = coef.copy()
            trial_coef[rows] = new_coef if t == 1.0 else coef[rows] + t * d_coef
            trial = objective(trial_eta, trial_coef, alpha)
            if trial <= value + 1e-14 * abs(value):
                trial_int = intercept.copy()
                trial_int[rows] = new_int if t == 1.0 else intercept[rows] + t * d_int
                return trial_eta, trial_coef, trial_int, trial
            t *= 0.5
        return eta, coef, intercept, value

    coef = np.zeros((K, p)) if coef_init is None else np.array(coef_init, dtype=float)
    intercept = Multinomial().null_eta(Y, sw, None, problem.fit_intercept)[0].copy()
    eta = intercept + np.asarray(X @ coef.T, dtype=np.float64)
    G0, _ = gradient(np.broadcast_to(intercept, (n, K)))
    tol_kkt, int_weight = kkt_tolerance(problem, sw, np.ones(n),
                                        float(np.abs(G0).max(initial=0.0)), tol)
    out = []
    for alpha in np.asarray(alphas, dtype=np.float64):
        value = objective(eta, coef, alpha)
        violation = kkt(eta, coef, alpha)
        steps = 0
        # Single fits take three class cycles past the tolerance, so that refits agree far
        # below tol: each cycle's solves are well conditioned (one class, the intercept
        # eliminated by centring), so they reach the float floor the joint model's cannot.
        extra = 3 if polish else 0
        while (violation > tol_kkt or (extra and steps
                                       and violation > irls.POLISH_GOAL * tol_kkt)) \
                and steps < max_iter:
            extra -= violation <= tol_kkt
            # inexact Newton: each step's least-squares solve only needs to be a little more
            # precise than the KKT violation it starts from
            rel = violation / tol_kkt * tol
            step_tol = _inner_tol(max(tol, 1e-3 * rel) if violation > tol_kkt
                                  else FORCING * irls.POLISH_GOAL * tol)
            before = value
            cycle = not joint or (violation <= tol_kkt and not direct)
            if not cycle:
                new_coef, new_int = _joint_step(problem, X, Y, sw, eta, coef, intercept,
                                                alpha, l1_ratio, step_tol,
                                                min(max_epochs, STEP_MAX_EPOCHS), direct)
                eta, coef, intercept, value = search(eta, coef, intercept, value, alpha,
                                                     new_coef, new_int)
            for k in range(K if cycle else 0):
                P = softmax(eta, axis=1)
                h = np.maximum(P[:, k] * (1.0 - P[:, k]), MIN_HESSIAN)
                hw = sw * h
                total = hw.sum()
                z = eta[:, k] - (P[:, k] - Y[:, k]) / h
                design = choose_design(X, hw / total, problem.fit_intercept, precompute)
                wls = dataclasses.replace(problem, design=design, y=z, weights=hw / total,
                                          sum_weights=float(total))
                res = solve_arrays(wls, np.array([alpha * S / total]), l1_ratio,
                                   tol=step_tol, coef_init=coef[k], warn=False,
                                   max_iter=min(max_epochs, STEP_MAX_EPOCHS)
                                   if violation > tol_kkt else max_epochs)
                new_int = float(res.intercepts[0]) if problem.fit_intercept else intercept[k]
                eta, coef, intercept, value = search(eta, coef, intercept, value, alpha,
                                                     res.coefs[0], new_int, k)
            if np.isinf(problem.lower_bounds).all() and np.isinf(problem.upper_bounds).all():
                # the likelihood ignores a common shift of the K coefficient vectors: take
                # the shift that minimizes the penalty (the slow direction of the cycling)
                coef = coef - _best_shift(coef, alpha * l1w, alpha * l2w)
                eta = intercept + np.asarray(X @ coef.T, dtype=np.float64)
                value = objective(eta, coef, alpha)
            steps += 1
            violation = kkt(eta, coef, alpha)
            if value >= before:
                break
        if problem.fit_intercept:  # softmax is invariant to a common shift of the intercepts
            shift = intercept.mean()
            intercept = intercept - shift
            eta = eta - shift
        if warn and violation > tol_kkt:
            _warn(alpha, "multinomial", max_iter, violation, tol_kkt, steps)
        elif warn and alpha == 0:
            _warn_if_separated(sw > 0, eta.argmax(axis=1) == Y.argmax(axis=1))
        out.append((coef.copy(), intercept.copy(), steps, violation, tol_kkt))
    return out


def _best_shift(coef: np.ndarray, l1: np.ndarray, l2: np.ndarray) -> np.ndarray:
    """Per feature j, the c minimizing sum_k l1_j |b_kj - c| + l2_j / 2 (b_kj - c)^2.

    The mean for ridge, a median for the lasso; found by bisection on the (monotone)
    derivative for the elastic net. Features without penalty keep c = 0.
    """
    lo, hi = coef.min(axis=0), coef.max(axis=0)
    for _ in range(60):
        c = 0.5 * (lo + hi)
        d = coef - c
        slope = -(l1 * np.sign(d)).sum(axis=0) - (l2 * d).sum(axis=0)  # derivative in c
        hi = np.where(slope > 0, c, hi)
        lo = np.where(slope > 0, lo, c)
    c = 0.5 * (lo + hi)

    def cost(shift):
        d = coef - shift
        return (l1 * np.abs(d)).sum(axis=0) + 0.5 * (l2 * d * d).sum(axis=0)

    # With an L1 part the minimum is often at a kink c = b_kj: take the kink exactly (so
    # that b_kj - c is an exact zero) when it is as good as the bisection's point.
    best = cost(c)
    for k in range(coef.shape[0]):
        at_kink = cost(coef[k])
        take = (l1 > 0) & (at_kink <= best * (1 + 1e-12) + 1e-300)
        c = np.where(take, coef[k], c)
        best = np.where(take, np.minimum(at_kink, best), best)
    return np.where((l1 > 0) | (l2 > 0), c, 0.0)
