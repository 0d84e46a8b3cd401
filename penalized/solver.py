"""Certified coordinate descent for the weighted elastic net, at one or many penalty levels.

For each alpha the solver minimizes (see `Problem`)

    1/2 sum_i w_i (y_i - b0 - x_i'b)^2 + alpha * sum_j pf_j s_j (l1_ratio |b_j|
                                                                + (1 - l1_ratio)/2 s_j b_j^2)
    subject to lower_j <= b_j <= upper_j,       sum_i w_i = 1,

with the intercept b0 eliminated by centring, and stops when the duality gap is at most
tol * sum_i w_i (y_i - ybar)^2 -- scikit-learn's meaning of `tol`. The loops over penalty
levels, working sets and epochs all run compiled (`_kernels.cd_path`).
"""

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from penalized._kernels.cd_path import ANDERSON_K, FreeProjection, solve_path
from penalized._problem import Problem
from penalized.design import GramDesign
from penalized.results import FitResult

WS_MIN = 10  # smallest working set beyond the forced features
# A working-set solve stops at this fraction of the outer gap. Along a path the next alpha
# refines the solution anyway, so the loose ratio is fastest (about 2x on correlated wide
# paths); a single fit solves well past its tolerance, as scikit-learn's coordinate descent
# does, so that refits of the same problem agree far below tol.
PATH_INNER_RATIO = 0.3
SINGLE_INNER_RATIO = 0.01
GAP_FREQ = ANDERSON_K + 1  # epochs between working-set gap checks (Gram: every epoch)
# An unpenalized, unbounded feature costs a column of the dual projection (one pass over X,
# p numbers): alpha = 0 makes every feature one, so it is refused for wider problems.
MAX_UNPENALIZED = 4000
# A gap below this fraction of the weighted variance of y is rounding (P and D are computed
# from residuals of y, to about 10 eps of its size): after an exact solve on a face the
# solver stops there even when tol asks for less, and reports the gap it reached.
GAP_ROUNDING = 2.2e-15


def penalty_weights(problem: Problem, l1_ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature L1 and L2 multipliers of alpha, standardization included."""
    pf, s = problem.penalty_factor, problem.feature_scale
    return l1_ratio * pf * s, (1.0 - l1_ratio) * pf * s * s


@dataclass(frozen=True)
class SequenceResult:
    """Solutions along a sequence of alphas, as arrays (coefficients on the original scale).

    rss[k] is sum_i w_i (y_i - b0 - x_i'b)^2 at the k-th solution (weights summing to one),
    null_rss the same for the intercept-only model (b = 0).
    """

    coefs: np.ndarray  # (n_alphas, n_features)
    intercepts: np.ndarray  # (n_alphas,)
    gaps: np.ndarray
    n_iter: np.ndarray
    rss: np.ndarray
    null_rss: float
    tol: float

    def fit_result(self, k: int) -> FitResult:
        return FitResult(self.coefs[k], float(self.intercepts[k]), int(self.n_iter[k]),
                         float(self.gaps[k]), self.tol)


def scratch(shape, dtype) -> np.ndarray:
    """Uninitialized work memory for the kernel (which must write before it reads; the
    tests fill it with garbage to check that)."""
    return np.empty(shape, dtype=dtype)


def free_projection(design, store, y_c: np.ndarray, free: np.ndarray,
                    always: np.ndarray) -> FreeProjection:
    """The kernel's data for projecting the dual point off the unpenalized features with an
    infinite bound, and for fitting those with no bound (`always`) exactly as a block (see
    `FreeProjection`): one pass over X per such feature (none for Gram)."""
    p, f = design.n_features, free.shape[0]
    QF = np.zeros((p, f))
    qF = np.zeros(f)
    if f:
        if isinstance(design, GramDesign):
            QF[:] = design.Q[:, free]
            qF[:] = store.q[free]
        else:
            X, w = design.X, design.weights
            for k, j in enumerate(free):
                col = X[:, j].toarray().ravel() if sp.issparse(X) else np.asarray(X[:, j])
                col = col - design.x_mean[j]
                QF[:, k] = design.rmatvec(col)
                qF[k] = (w * col) @ y_c
    Ginv = np.linalg.pinv(QF[free]) if f else np.zeros((0, 0))
    block = np.flatnonzero(always)
    if block.size == f:
        Binv = Ginv
    else:
        Binv = np.linalg.pinv(QF[np.ix_(free[block], block)]) if block.size else np.zeros((0, 0))
    return FreeProjection(free.astype(np.int64), always.astype(np.int64),
                          np.ascontiguousarray(Ginv), QF, qF, np.zeros(f),
                          np.zeros(f, dtype=np.int64), np.zeros((f, f)),
                          free[block].astype(np.int64), np.ascontiguousarray(Binv),
                          np.zeros(p))


def solve_arrays(
    problem: Problem,
    alphas: np.ndarray,
    l1_ratio: float,
    *,
    target: int = 0,
    tol: float = 1e-4,
    max_iter: int = 1000,
    coef_init: np.ndarray | None = None,
    random_seed: int | None = None,
    warn: bool = True,
    inner_ratio: float = PATH_INNER_RATIO,
) -> SequenceResult:
    """Solve at each alpha in the given order, each warm-started from the previous one.

    Parameters
    ----------
    problem : Problem
    alphas : ndarray of shape (n_alphas,)
        Penalty levels, >= 0 (decreasing order makes the warm starts effective).
    l1_ratio : float in [0, 1]
    target : int
        Which column of problem.y to fit.
    tol, max_iter : float, int
        Gap tolerance (relative to the weighted variance of y) and epoch budget per alpha.
    coef_init : ndarray of shape (n_features,), optional
        Starting coefficients (original scale); clipped into the bounds.
    random_seed : int, optional
        Visit coordinates in a fresh random order each epoch (scikit-learn's
        selection="random"); cyclic order when None.
    warn : bool
        Raise a ConvergenceWarning for each alpha whose gap stays above the tolerance.
    inner_ratio : float
        Working-set solves stop at this fraction of the current full gap.
    """
    design = problem.design
    y = problem.target(target)
    y_mean = problem.y_mean(y)
    y_c = np.ascontiguousarray(y - y_mean, dtype=np.float64)
    l1w, l2w = penalty_weights(problem, l1_ratio)
    lo, hi = problem.lower_bounds, problem.upper_bounds
    col_sq = design.col_sq

    coef = np.zeros(problem.n_features)
    if coef_init is not None:
        coef[:] = np.clip(np.asarray(coef_init, dtype=np.float64).ravel(), lo, hi)
        coef[(col_sq == 0.0) & (l2w == 0.0)] = 0.0  # such columns are zero once centred
    store = design.store(y_c)
    state = design.state(store, y_c, coef)

    alphas = np.ascontiguousarray(alphas, dtype=np.float64)
    n_alphas, p = alphas.shape[0], problem.n_features
    coefs = np.empty((n_alphas, p))
    gaps = np.empty((n_alphas, 2))
    n_iters = np.empty(n_alphas, dtype=np.int64)
    null_rss = float(problem.weights @ (y_c * y_c))
    tol_abs = tol * null_rss
    unbounded = np.isinf(lo) & np.isinf(hi)
    open_side = np.isinf(lo) | np.isinf(hi)
    if alphas.size and not alphas.any():
        # alpha = 0: no penalty at all, every feature with an open side has a dual equality
        # (or sign) constraint the projection must enforce (else b = 0 would look optimal)
        free = open_side
        if free.sum() > MAX_UNPENALIZED:
            raise ValueError(
                f"alpha=0 (no penalty) with {int(free.sum())} features without finite bounds "
                f"is not supported (at most {MAX_UNPENALIZED}): use a small alpha > 0, or "
                "scikit-learn's LinearRegression for ordinary least squares.")
    elif (alphas == 0).any():
        raise ValueError("alpha = 0 must be solved on its own, not within a sequence.")
    else:
        free = (l1w == 0.0) & (l2w == 0.0) & open_side
    # Screening stays off with such features (its sphere test would need the projected
    # gradient on every feature); the gap itself is exact through the projection.
    screening = not free.any()
    members = np.flatnonzero(free & (col_sq > 0))
    projection = free_projection(design, store, y_c, members, unbounded[members])
    is_gram = isinstance(design, GramDesign)
    rng_state = (
        np.zeros(0, dtype=np.int64)
        if random_seed is None
        else np.array([random_seed + 1], dtype=np.int64)
    )
    solve_path(
        store, state, coef, alphas, l1w, l2w, lo, hi, col_sq, np.sqrt(col_sq), projection,
        tol_abs, GAP_ROUNDING * null_rss, inner_ratio, int(max_iter), screening,
        p if is_gram else WS_MIN, 1 if is_gram else GAP_FREQ, rng_state, coefs, gaps, n_iters,
        scratch((5 + ANDERSON_K, p), np.float64), scratch((3, p), np.int64),
    )
    intercepts = (y_mean - coefs @ design.x_mean if problem.fit_intercept
                  else np.zeros(n_alphas))
    # a gap is >= 0; below zero is rounding, left by an exact solve (the support jump)
    result = SequenceResult(coefs, intercepts, np.maximum(gaps[:, 0], 0.0), n_iters,
                            np.maximum(gaps[:, 1], 0.0), null_rss, tol_abs)
    if warn:
        for k in np.flatnonzero(result.gaps > tol_abs):
            warnings.warn(
                f"Objective did not converge at alpha={alphas[k]:.6g}. You might want to "
                f"increase the number of iterations (max_iter={max_iter}). "
                f"Duality gap: {result.gaps[k]:.3e}, tolerance: {tol_abs:.3e}",
                ConvergenceWarning,
                stacklevel=3,
            )
    return result


def solve_sequence(problem: Problem, alphas: np.ndarray, l1_ratio: float,
                   **kwargs) -> list[FitResult]:
    """`solve_arrays` as one FitResult per alpha; keyword arguments as there."""
    result = solve_arrays(problem, alphas, l1_ratio, **kwargs)
    return [result.fit_result(k) for k in range(len(result.gaps))]


def solve(problem: Problem, alpha: float, l1_ratio: float, **kwargs) -> FitResult:
    """Solve at one alpha (well past tol, see SINGLE_INNER_RATIO); keyword arguments as in
    `solve_arrays`."""
    kwargs.setdefault("inner_ratio", SINGLE_INNER_RATIO)
    return solve_sequence(problem, np.array([alpha]), l1_ratio, **kwargs)[0]
