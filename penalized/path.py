"""Regularization paths: the alpha grid (alpha_max exact) and the warm-started sweep.

The path solves, for each alpha of a decreasing grid (sum_i w_i = 1),

    min_{b0, b}  1/2 sum_i w_i (y_i - b0 - x_i'b)^2
                 + alpha * sum_j pf_j s_j (l1_ratio |b_j| + (1 - l1_ratio)/2 s_j b_j^2)
    subject to   lower_j <= b_j <= upper_j,

each solution warm-started from the previous one, with gap-safe screening and a working set
whose KKT conditions are checked on every feature at every alpha (the duality gap over all
features is the stopping rule). The whole sweep runs in one compiled call.
"""

import dataclasses
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.optimize import lsq_linear
from sklearn.utils import column_or_1d
from sklearn.utils.multiclass import check_classification_targets

from penalized._problem import Problem
from penalized._validation import (
    Interval,
    build_problem,
    check_alphas,
    check_arrays,
    check_feature_vector,
    check_number,
    dask_backend,
    is_dask_collection,
)
from penalized.design import CONSTANT_RTOL, raw_X
from penalized.families import get_family
from penalized.results import Path
from penalized.solver import penalty_weights, solve, solve_arrays

# glmnet's convention for ridge (l1_ratio = 0), whose alpha_max is infinite: the grid starts
# where it would for l1_ratio = 0.001.
RIDGE_GRID_L1_RATIO = 1e-3
FAMILIES = ("gaussian", "binomial", "poisson", "multinomial")


def _pinned(problem: Problem) -> Problem:
    """The problem with every penalized coefficient held at zero by its bounds."""
    free = problem.penalty_factor == 0.0
    return dataclasses.replace(
        problem,
        lower_bounds=np.where(free, problem.lower_bounds, 0.0),
        upper_bounds=np.where(free, problem.upper_bounds, 0.0),
    )


# Above this many entries (n_samples x unpenalized features) the null model is fitted by
# coordinate descent instead of an exact least-squares solve on a dense copy of the columns.
NULL_FIT_MAX_ENTRIES = 50_000_000


def null_coef(problem: Problem, target: int = 0, tol: float = 1e-12) -> np.ndarray:
    """Coefficients of the model in which every penalized feature is zero.

    Zeros when every feature is penalized; otherwise the features with penalty_factor 0
    are fitted (within their bounds), as glmnet does before computing lambda_max. The fit is
    an exact weighted least-squares solve (LAPACK, or scipy's bounded-variable least squares
    when those features have bounds) on a dense copy of their centred columns; coordinate
    descent to `tol` only when that copy would exceed NULL_FIT_MAX_ENTRIES.
    """
    free = np.flatnonzero(problem.penalty_factor == 0.0)
    coef = np.zeros(problem.n_features)
    if not free.size:
        return coef
    design = problem.design
    n = design.n_samples
    if n * free.size > NULL_FIT_MAX_ENTRIES:
        return solve(_pinned(problem), 1.0, 1.0, target=target, tol=tol, max_iter=100_000,
                     warn=False).coef
    X = raw_X(design)
    cols = X[:, free]
    cols = np.array(cols.toarray() if sp.issparse(cols) else cols, dtype=np.float64)
    cols -= design.x_mean[free]
    root_w = np.sqrt(problem.weights)
    y = problem.target(target)
    return fit_free_features(problem, free, cols * root_w[:, None],
                             (y - problem.y_mean(y)) * root_w)


def fit_free_features(problem: Problem, free: np.ndarray, A: np.ndarray,
                      b: np.ndarray) -> np.ndarray:
    """Coefficients with the features `free` at argmin ||A x - b|| within their bounds
    (A: their weighted, centred columns or any square root of their Gram) and 0 elsewhere;
    a column that is constant (zero once centred) carries no fit and keeps 0."""
    coef = np.zeros(problem.n_features)
    lo, hi = problem.lower_bounds[free], problem.upper_bounds[free]
    if np.isinf(lo).all() and np.isinf(hi).all():
        coef[free] = np.linalg.lstsq(A, b, rcond=None)[0]
    else:
        coef[free] = _bounded_least_squares(A, b, lo, hi)
    coef[free[problem.design.col_sq[free] == 0.0]] = 0.0
    return coef


def _bounded_least_squares(A: np.ndarray, b: np.ndarray, lo: np.ndarray,
                           hi: np.ndarray) -> np.ndarray:
    """argmin ||A x - b|| over lo <= x <= hi: scipy's BVLS finds the active bounds, then one
    least-squares solve on the other columns makes them exact (BVLS stops at a first-order
    tolerance, which left gradients of ~1e-8 on interior features)."""
    x = lsq_linear(A, b, bounds=(lo, hi), method="bvls", tol=1e-14).x
    fixed = (x <= lo) | (x >= hi)
    x[fixed] = np.where(x[fixed] <= lo[fixed], lo[fixed], hi[fixed])
    inner = np.linalg.lstsq(A[:, ~fixed], b - A[:, fixed] @ x[fixed], rcond=None)[0]
    if np.all((inner >= lo[~fixed]) & (inner <= hi[~fixed])):
        x[~fixed] = inner
    return x


def alpha_max(problem: Problem, l1_ratio: float, target: int = 0,
              null: np.ndarray | None = None) -> float:
    """The smallest alpha at which every penalized coefficient is zero.

    At b = 0 (apart from unpenalized features, fitted first) with residual r, coefficient j
    stays at zero exactly when its gradient g_j = x_j,c' W r satisfies g_j <= alpha l1_j
    (if b_j may be positive) and -g_j <= alpha l1_j (if b_j may be negative), with
    l1_j = l1_ratio pf_j s_j. The ridge part has zero gradient at zero. For l1_ratio = 0
    the grid follows glmnet and uses l1_ratio = 0.001. With unpenalized features the value
    carries a relative margin of 1e-12 for rounding (1e-9 when their fit is iterative, see
    `null_coef`), and is 0 when they explain y up to rounding.
    """
    l1w, _ = penalty_weights(problem, max(l1_ratio, RIDGE_GRID_L1_RATIO))
    design = problem.design
    y = problem.target(target)
    y_c = y - problem.y_mean(y)
    if problem.weights @ (y_c * y_c) <= CONSTANT_RTOL * (problem.weights @ (y * y)):
        return 0.0  # y is constant up to rounding: nothing to explain
    coef = null_coef(problem, target) if null is None else null
    resid = y_c - (design.matvec(coef) - design.x_mean @ coef) if coef.any() else y_c
    if problem.weights @ (resid * resid) <= CONSTANT_RTOL * (problem.weights @ (y_c * y_c)):
        return 0.0  # the unpenalized features explain y up to rounding
    # the exact null fit leaves rounding only; a coordinate-descent one leaves ~sqrt(tol)
    exact = design.n_samples * (problem.penalty_factor == 0.0).sum() <= NULL_FIT_MAX_ENTRIES
    margin = 0.0 if not coef.any() else 1e-12 if exact else 1e-9
    return _zeroing_alpha(problem, design.rmatvec(resid), l1w, margin)


def _zeroing_alpha(problem: Problem, grad: np.ndarray, l1w: np.ndarray, margin: float):
    """The smallest alpha keeping every penalized b_j at 0, given the descent direction
    `grad` (minus the loss gradient) at the null model: g_j <= alpha l1_j where b_j may grow,
    -g_j <= alpha l1_j where it may shrink; times 1 + margin, which covers the error of the
    null model's fit of the unpenalized features. A constant column (zero once centred) is
    left out: its gradient is rounding residue, and it never leaves 0."""
    up = np.where(problem.upper_bounds > 0, np.maximum(grad, 0.0), 0.0)
    down = np.where(problem.lower_bounds < 0, np.maximum(-grad, 0.0), 0.0)
    penalized = (l1w > 0) & (problem.design.col_sq > 0)
    if not penalized.any():
        return 0.0
    top = float(np.max(np.maximum(up, down)[penalized] / l1w[penalized]))
    return top * (1.0 + margin)


def glm_alpha_max(problem: Problem, family, l1_ratio: float,
                  offset: np.ndarray | None = None, null: tuple | None = None) -> float:
    """alpha_max of a GLM path: the same rule as `alpha_max`, with the gradient of the mean
    loss at the intercept-only model (unpenalized features fitted first, by proximal
    Newton). For the multinomial family (problem.y the indicator matrix) the largest over
    the classes."""
    l1w, _ = penalty_weights(problem, max(l1_ratio, RIDGE_GRID_L1_RATIO))
    y = family.check_y(problem.y)
    n = y.shape[0]
    offset = np.zeros(n) if offset is None else offset
    sw = problem.weights * problem.sum_weights
    X = raw_X(problem.design)
    free = problem.penalty_factor == 0.0
    if not free.any():
        eta = family.null_eta(y, sw, offset, problem.fit_intercept)
    else:
        coef, intercept = glm_null_fit(problem, family, offset) if null is None else null
        eta = intercept + np.asarray(X @ coef.T, dtype=np.float64)
        if family.name != "multinomial":
            eta = offset + eta.ravel()
    g, _ = family.derivatives(y, eta)
    g = (sw * g.T).T / problem.sum_weights
    grad = -np.asarray(X.T @ g, dtype=np.float64).reshape(problem.n_features, -1)
    # the unpenalized features' GLM fit is iterative (KKT 1e-10): a margin well above that
    return max(_zeroing_alpha(problem, grad[:, k], l1w, 1e-9 if free.any() else 0.0)
               for k in range(grad.shape[1]))


def glm_null_fit(problem: Problem, family, offset: np.ndarray) -> tuple:
    """(coef, intercept) of the GLM with every penalized coefficient held at 0 and the
    unpenalized features fitted (KKT 1e-10): alpha_max is computed there, and the path
    starts there."""
    from penalized.newton import solve_glm, solve_multinomial

    y = family.check_y(problem.y)
    if family.name == "multinomial":
        return solve_multinomial(_pinned(problem), y, np.array([1.0]), 1.0, tol=1e-10,
                                 warn=False)[0][:2]
    fit = solve_glm(_pinned(problem), family, np.array([1.0]), 1.0, offset=offset,
                    tol=1e-10, warn=False)[0]
    return fit.coef, fit.intercept


def alpha_grid(problem: Problem, l1_ratio: float, n_alphas: int = 100,
               eps: float | None = None, target: int = 0, family=None,
               offset: np.ndarray | None = None, null=None) -> np.ndarray:
    """n_alphas values log-spaced from alpha_max down to eps * alpha_max.

    eps defaults to 1e-4 when n_samples > n_features, else 1e-2 (glmnet's lambda.min.ratio).
    `null`, when given, is the null model already fitted (`null_coef` / `glm_null_fit`).
    When alpha_max is 0 (y is constant, or explained by the unpenalized features) every
    penalized coefficient is zero at every alpha; the grid then runs from 1 to eps with a
    warning.
    """
    if eps is None:
        eps = 1e-4 if problem.design.n_samples > problem.n_features else 1e-2
    top = (alpha_max(problem, l1_ratio, target, null)
           if family is None or family.name == "gaussian"
           else glm_alpha_max(problem, family, l1_ratio, offset, null))
    if not top > 0:
        warnings.warn(
            "alpha_max is 0: y is constant (or fully explained by the unpenalized features), "
            "so every penalized coefficient is 0 at every alpha. Returning the all-zero path "
            "on the nominal grid 1 .. eps.",
            UserWarning,
            stacklevel=3,
        )
        top = 1.0
    if n_alphas == 1:
        return np.array([top])
    return top * np.geomspace(1.0, eps, n_alphas)


def compute_path(problem: Problem, l1_ratio: float, alphas: np.ndarray, *, tol: float = 1e-7,
                 max_iter: int = 100_000, relax: bool = False, target: int = 0,
                 coef_init: np.ndarray | None = None, random_seed: int | None = None,
                 warn: bool = True, feature_names=None) -> Path:
    """Solve along the decreasing `alphas` with warm starts and return the Path.

    Without coef_init the sweep starts from the null model (`null_coef`): at alpha_max that
    is the exact solution, zeros included, which the solver then only has to certify.
    """
    if coef_init is None and (problem.penalty_factor == 0.0).any():
        coef_init = null_coef(problem, target)
    result = solve_arrays(problem, alphas, l1_ratio, target=target, tol=tol,
                          max_iter=max_iter, coef_init=coef_init, random_seed=random_seed,
                          warn=warn)
    null = result.null_rss
    dev_ratio = 1.0 - result.rss / null if null > 0 else np.zeros(len(alphas))
    relaxed_coefs = relaxed_intercepts = None
    if relax:
        relaxed_coefs, relaxed_intercepts = relaxed_fits(problem, result.coefs, target, tol)
    return Path(
        alphas=np.asarray(alphas, dtype=np.float64), coefs=result.coefs,
        intercepts=result.intercepts, dual_gaps=result.gaps, n_iter=result.n_iter,
        tol=result.tol, dev_ratio=dev_ratio, null_deviance=null, l1_ratio=float(l1_ratio),
        relaxed_coefs=relaxed_coefs, relaxed_intercepts=relaxed_intercepts,
        feature_names=feature_names,
    )


def compute_glm_path(problem: Problem, family, l1_ratio: float, alphas: np.ndarray, *,
                     offset: np.ndarray | None = None, tol: float = 1e-7,
                     max_iter: int = 100, warn: bool = True, feature_names=None,
                     classes: np.ndarray | None = None, null: tuple | None = None) -> Path:
    """Proximal Newton along the decreasing alphas (binomial, poisson, multinomial) -> Path.

    dual_gaps holds each solution's KKT violation (the GLM certificate), n_iter its Newton
    steps, dev_ratio 1 - deviance / null deviance (glmnet's dev.ratio). For the multinomial
    family problem.y is the indicator matrix, `classes` its labels, and the coefficients
    have shape (n_alphas, n_classes, n_features).
    """
    from penalized.newton import solve_glm, solve_multinomial

    y = family.check_y(problem.y)
    n = y.shape[0]
    sw = problem.weights * problem.sum_weights
    X = raw_X(problem.design)
    if family.name == "multinomial":
        offset = None
        solved = solve_multinomial(problem, y, alphas, l1_ratio, tol=tol, max_iter=max_iter,
                                   warn=warn)
        coefs, intercepts, n_iter, gaps, tols = (np.array(a) for a in zip(*solved, strict=True))
        etas = _linear_predictors(X, coefs, intercepts, 0.0)
    else:
        offset = np.zeros(n) if offset is None else offset
        start = {}
        if (problem.penalty_factor == 0.0).any():  # start where alpha_max was computed
            if null is None:
                null = glm_null_fit(problem, family, offset)
            start = dict(zip(("coef_init", "intercept_init"), null, strict=True))
        solved = solve_glm(problem, family, alphas, l1_ratio, offset=offset, tol=tol,
                           max_iter=max_iter, warn=warn, **start)
        coefs = np.array([r.coef for r in solved])
        intercepts = np.array([r.intercept for r in solved])
        n_iter = np.array([r.n_iter for r in solved])
        gaps, tols = np.array([r.gap for r in solved]), np.array([r.tol for r in solved])
        etas = _linear_predictors(X, coefs, intercepts, offset)
    null_dev = family.deviance(y, family.null_eta(y, sw, offset, problem.fit_intercept), sw)
    dev = np.array([family.deviance(y, eta, sw) for eta in etas])
    return Path(
        alphas=np.asarray(alphas, dtype=np.float64), coefs=coefs, intercepts=intercepts,
        dual_gaps=gaps, n_iter=n_iter, tol=float(tols[0]) if len(solved) else tol,
        dev_ratio=1.0 - dev / null_dev if null_dev > 0 else np.zeros(len(solved)),
        null_deviance=null_dev / problem.sum_weights, l1_ratio=float(l1_ratio),
        feature_names=feature_names, family=family.name, classes=classes,
    )


def _linear_predictors(X, coefs: np.ndarray, intercepts: np.ndarray, offset) -> list:
    """offset + intercepts[k] + X coefs[k]' for each solution k, through the columns that
    some solution uses (a copy of those columns only): along a 100-alpha path on 100 x 10000
    data, products with all of X took a third of the path's time (122 -> 79 ms)."""
    coefs = np.asarray(coefs)
    used = np.flatnonzero(coefs.reshape(-1, coefs.shape[-1]).any(axis=0))
    cols = X[:, used]
    etas = []
    for k in range(coefs.shape[0]):
        part = coefs[k][..., used]  # (p,) or (n_classes, p) for the multinomial family
        eta = np.asarray(cols @ part.T, dtype=np.float64)
        etas.append(offset + intercepts[k] + (eta.ravel() if part.ndim == 1 else eta))
    return etas


def relaxed_fits(problem: Problem, coefs: np.ndarray, target: int = 0,
                 tol: float = 1e-7, least_squares=None) -> tuple[np.ndarray, np.ndarray]:
    """Unpenalized least squares on each solution's active set (glmnet's relax=TRUE).

    Bounds are kept. Without bounds on the active features the refit is a weighted
    least-squares solve on the active columns (minimum norm when they are collinear; the
    active columns are copied, densely for sparse X), or `least_squares(active)` when given
    (the Dask backend solves from its Gram); with bounds it is the coordinate-descent solver
    with no penalty. Consecutive alphas with the same active set share one refit.
    """
    design = problem.design
    y = problem.target(target)
    y_mean = problem.y_mean(y)
    if least_squares is None:
        X, root_w = raw_X(design), np.sqrt(problem.weights)

        def least_squares(active):
            cols = X[:, active]
            cols = cols.toarray() if sp.issparse(cols) else np.asarray(cols, np.float64)
            A = (cols - design.x_mean[active]) * root_w[:, None]
            return np.linalg.lstsq(A, (y - y_mean) * root_w, rcond=None)[0]

    out = np.zeros_like(coefs)
    intercepts = np.empty(coefs.shape[0])
    previous = None
    for k, coef in enumerate(coefs):
        active = np.flatnonzero(coef)
        if previous is not None and np.array_equal(active, previous):
            out[k], intercepts[k] = out[k - 1], intercepts[k - 1]
            continue
        previous = active
        if active.size:
            lo, hi = problem.lower_bounds[active], problem.upper_bounds[active]
            if np.isinf(lo).all() and np.isinf(hi).all():
                out[k, active] = least_squares(active)
            else:
                inactive = np.ones(problem.n_features, dtype=bool)
                inactive[active] = False
                sub = dataclasses.replace(
                    problem, penalty_factor=np.zeros(problem.n_features),
                    lower_bounds=np.where(inactive, 0.0, problem.lower_bounds),
                    upper_bounds=np.where(inactive, 0.0, problem.upper_bounds),
                )
                out[k] = solve(sub, 1.0, 1.0, target=target, tol=tol, max_iter=100_000,
                               coef_init=coef, warn=False).coef
        intercepts[k] = y_mean - design.x_mean @ out[k] if problem.fit_intercept else 0.0
    return out, intercepts


def check_family_arrays(X, y, family: str):
    """Validated (X, y, classes): for the multinomial family y becomes the indicator matrix
    of its class labels (classes), otherwise classes is None."""
    if family != "multinomial":
        return (*check_arrays(X, y), None)
    check_classification_targets(y)
    classes, Y = get_family(family).encode(column_or_1d(y))
    return (*check_arrays(X, Y, multi_output=True), classes)


def check_path_options(family, l1_ratio, n_alphas, eps, tol, max_iter) -> None:
    """The scalar options `path` and `cv_path` share."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}.")
    check_number(l1_ratio, "l1_ratio", Interval(Real, 0, 1))
    check_number(n_alphas, "n_alphas", Interval(Integral, 1, None))
    if eps is not None:
        check_number(eps, "eps", Interval(Real, 0, 1, closed="neither"))
    check_number(tol, "tol", Interval(Real, 0, None, closed="neither"))
    check_number(max_iter, "max_iter", Interval(Integral, 1, None))


def path(X, y, l1_ratio: float = 1.0, *, family: str = "gaussian", alphas=None,
         n_alphas: int = 100, eps: float | None = None, fit_intercept: bool = True,
         standardize: bool = False, sample_weight=None, penalty_factor=None,
         lower_bounds=None, upper_bounds=None, positive: bool = False,
         precompute="auto", tol: float = 1e-7, max_iter: int = 100_000,
         relax: bool = False, offset=None) -> Path:
    """The whole regularization path of the elastic net, glmnet-style.

    Minimizes, for each alpha of a decreasing grid,

        1 / (2 sum(w)) sum_i w_i (y_i - b0 - x_i'b)^2
            + alpha * sum_j pf_j (l1_ratio |b_j| + (1 - l1_ratio)/2 b_j^2)

    subject to lower_bounds <= b <= upper_bounds (scikit-learn's ElasticNet objective, with
    glmnet's penalty factors and bounds), warm-starting each alpha from the last.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Sparse X is used as CSC and never densified. A dask array or dataframe is fitted on
        its cluster by `penalized.dask.path` (same arguments; X is never gathered).
    y : array-like of shape (n_samples,)
        Class labels for the multinomial family.
    l1_ratio : float in [0, 1], default=1.0
        1 is the lasso, 0 ridge (whose grid follows glmnet: alpha_max as for 0.001).
    family : {"gaussian", "binomial", "poisson", "multinomial"}
        The datafit: least squares, logistic (y in {0, 1}), Poisson (log link, y >= 0) or
        multinomial (softmax over the classes of y). For the GLMs the first term is the mean
        negative log-likelihood (weighted), the solver is proximal Newton, each solution's
        certificate (Path.dual_gaps) is its KKT violation, and max_iter counts Newton steps
        (at most 1000). The multinomial path penalizes all K classes' coefficients (glmnet's
        symmetric parametrization) with the common shift the likelihood cannot see chosen to
        minimize the penalty, and intercepts summing to zero (see
        `families.Multinomial`); its coefs have shape (n_alphas, n_classes, n_features)
        and alpha_max is the largest over the classes.
    alphas : array-like, optional
        The grid. User alphas must be finite and > 0; they are sorted in decreasing order
        (the order the warm starts need), and the Path holds them sorted.
    n_alphas : int, default=100
        Size of the automatic grid: alpha_max (exact: the smallest alpha with every
        penalized coefficient zero, with weights, penalty factors, bounds, standardization and
        intercept) down to eps * alpha_max, log-spaced.
    eps : float in (0, 1), optional
        1e-4 when n_samples > n_features, else 1e-2 (glmnet's lambda.min.ratio).
    fit_intercept, standardize : bool
        standardize=True penalizes the coefficients of the columns scaled to unit (weighted)
        variance; the coefficients are reported on the original scale.
    sample_weight : array-like of shape (n_samples,), optional
    penalty_factor : float or array-like of shape (n_features,), optional
        Per-feature multipliers of the penalty (0 leaves a feature unpenalized).
    lower_bounds, upper_bounds : float or array-like of shape (n_features,), optional
    positive : bool
        Same as lower_bounds=0.
    precompute : bool or "auto"
        Use the Gram matrix X'WX ("auto": for dense X with n_samples > 2 n_features).
    tol : float, default=1e-7
        Each solution's duality gap is at most tol * sum_i w_i (y_i - ybar)^2 / sum(w).
    max_iter : int, default=100000
        Coordinate-descent epochs allowed per alpha.
    relax : bool
        Also compute the relaxed fits (unpenalized refits on each active set) for
        Path.coef_at(alpha, gamma); gaussian family.
    offset : array-like of shape (n_samples,), optional
        A fixed part of the linear predictor (binomial, poisson): for counts with exposure
        t_i, offset = log(t_i).

    Returns
    -------
    Path
    """
    if is_dask_collection(X):  # fitted on the cluster, X never gathered (penalized.dask)
        return dask_backend().path(
            X, y, l1_ratio, family=family, alphas=alphas, n_alphas=n_alphas, eps=eps,
            fit_intercept=fit_intercept, standardize=standardize, sample_weight=sample_weight,
            penalty_factor=penalty_factor, lower_bounds=lower_bounds, upper_bounds=upper_bounds,
            positive=positive, precompute=precompute, tol=tol, max_iter=max_iter, relax=relax,
            offset=offset)
    check_path_options(family, l1_ratio, n_alphas, eps, tol, max_iter)
    if family != "gaussian" and relax:
        raise ValueError("relax=True is available for the gaussian family only.")
    names = getattr(X, "columns", None)
    fam = get_family(family)
    X, y, classes = check_family_arrays(X, y, family)
    problem = build_problem(
        X, y, sample_weight=sample_weight, fit_intercept=fit_intercept,
        standardize=standardize, penalty_factor=penalty_factor, lower_bounds=lower_bounds,
        upper_bounds=upper_bounds, positive=positive, precompute=precompute,
    )
    names = None if names is None else np.asarray(names, dtype=object)
    if family in ("binomial", "poisson"):
        fam.check_y(y)
        offset = None if offset is None else check_feature_vector(offset, "offset", X.shape[0],
                                                                  0.0)
    elif offset is not None:
        raise ValueError("offset is for the binomial and poisson families.")
    # the null model (unpenalized features fitted) serves both the grid and the start
    null = None  # (the multinomial path does not start from it)
    if (problem.penalty_factor == 0.0).any() and (alphas is None or family != "multinomial"):
        null = (null_coef(problem) if family == "gaussian" else glm_null_fit(
            problem, fam, np.zeros(X.shape[0]) if offset is None else offset))
    grid = (alpha_grid(problem, l1_ratio, n_alphas, eps, family=fam, offset=offset, null=null)
            if alphas is None else check_alphas(alphas))
    if family != "gaussian":
        return compute_glm_path(problem, fam, l1_ratio, grid, offset=offset, tol=tol,
                                max_iter=min(max_iter, 1000), feature_names=names,
                                classes=classes, null=null)
    return compute_path(problem, l1_ratio, grid, tol=tol, max_iter=max_iter, relax=relax,
                        feature_names=names, coef_init=null)


def enet_path(X, y, *, l1_ratio: float = 0.5, eps: float = 1e-3, n_alphas="deprecated",
              alphas="warn", precompute="auto", Xy=None, copy_X: bool = True, coef_init=None,
              verbose=False, return_n_iter: bool = False, positive: bool = False,
              check_input: bool = True, **params):
    """scikit-learn's `enet_path`, same signature and return values.

    Minimizes 1/(2 n_samples) ||y - X b||^2 + alpha (l1_ratio ||b||_1
    + (1 - l1_ratio)/2 ||b||^2) at each alpha, without intercept or centring (as
    scikit-learn's function). `alphas` takes an int (grid size) or an array (sorted
    decreasing); the automatic grid runs from alpha_max = max|X'y| / (n l1_ratio) down to
    eps * alpha_max (for l1_ratio = 0, glmnet's convention: as for 0.001). `Xy`, `copy_X`
    and `verbose` are accepted and not needed (X is never modified). params: tol (1e-4),
    max_iter (1000), random_state and selection ("cyclic" or "random"), sample_weight.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
    n_iters : list of int, when return_n_iter
    """
    from sklearn.utils import check_random_state

    tol = params.pop("tol", 1e-4)
    max_iter = params.pop("max_iter", 1000)
    random_state = params.pop("random_state", None)
    selection = params.pop("selection", "cyclic")
    sample_weight = params.pop("sample_weight", None)
    if params:
        raise ValueError("Unexpected parameters in params", params.keys())
    if selection not in ("cyclic", "random"):
        raise ValueError("selection should be either random or cyclic.")
    check_number(l1_ratio, "l1_ratio", Interval(Real, 0, 1))
    if np.ndim(y) != 1 and not (np.ndim(y) == 2 and np.shape(y)[1] == 1):
        raise ValueError(
            "y must be 1-D: with a 2-D y scikit-learn's enet_path fits the multi-task (group) "
            "penalty, which penalized does not provide. Fit one column at a time."
        )
    X, y = check_arrays(X, np.ravel(y))
    problem = build_problem(X, y, sample_weight=sample_weight, fit_intercept=False,
                            positive=positive, precompute=precompute)
    n_grid = 100 if alphas is None or isinstance(alphas, str) else alphas
    if n_alphas != "deprecated":
        n_grid = n_alphas
    if isinstance(n_grid, Integral):
        check_number(eps, "eps", Interval(Real, 0, 1, closed="neither"))
        grid = alpha_grid(problem, l1_ratio, int(n_grid), eps)
    else:
        grid = check_alphas(n_grid)
    seed = None
    if selection == "random":
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    result = solve_arrays(problem, grid, l1_ratio, tol=tol, max_iter=max_iter,
                          coef_init=coef_init, random_seed=seed)
    out = (grid, result.coefs.T.astype(X.dtype), result.gaps)
    return (*out, list(result.n_iter)) if return_n_iter else out


def lasso_path(X, y, *, eps: float = 1e-3, n_alphas="deprecated", alphas="warn",
               precompute="auto", Xy=None, copy_X: bool = True, coef_init=None, verbose=False,
               return_n_iter: bool = False, positive: bool = False, **params):
    """scikit-learn's `lasso_path`: `enet_path` with l1_ratio=1 (see there)."""
    return enet_path(X, y, l1_ratio=1.0, eps=eps, n_alphas=n_alphas, alphas=alphas,
                     precompute=precompute, Xy=Xy, copy_X=copy_X, coef_init=coef_init,
                     verbose=verbose, return_n_iter=return_n_iter, positive=positive, **params)
