"""Choosing the penalty: K-fold cross-validation of a path (minimum and one-standard-error
rules) and information criteria (AIC / BIC).

A dense X is never copied for a fold: the fold's training problem is the full problem with
each row weighted by how often the fold trains on it (zero for held-out rows, and for rows a
splitter leaves on neither side, e.g. TimeSeriesSplit's later rows). A sparse X is fitted on
a row-sliced copy of its training rows (the CSC arrays, about nnz numbers): the sparse
kernels are cheaper on unweighted rows than on rows weighted zero. When the Gram matrix is
used (dense X with n_samples > 2 n_features, or precompute=True), the raw weighted
cross-products of all rows are computed once and each fold's Gram is that total minus the
share of the rows whose weight the fold changes, re-centred with the fold's means, so K-fold
CV costs about two passes of X'X instead of K.
"""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from scipy.special import expit, softmax
from sklearn.model_selection import check_cv

from penalized._problem import Problem
from penalized._validation import (
    build_problem,
    check_alphas,
    check_sample_weight,
    dask_backend,
    is_dask_collection,
)
from penalized.design import GramDesign
from penalized.families import get_family
from penalized.path import (
    alpha_grid,
    check_family_arrays,
    check_path_options,
    compute_glm_path,
    compute_path,
)
from penalized.results import CVResult, Path, selected

SCORINGS = {"mse": False, "deviance": False, "mae": False, "r2": True, "class": False}


def fold_scores(y: np.ndarray, pred: np.ndarray, weights: np.ndarray, scoring: str,
                family=None) -> np.ndarray:
    """Weighted score of each column of pred (n_samples, n_alphas) against y.

    pred is the linear predictor. For a GLM family, "deviance" is the mean held-out
    deviance, "class" the misclassification rate (binomial), and "mse"/"mae"/"r2" compare y
    with the fitted mean (expit or exp of the predictor).
    """
    w = weights / weights.sum()
    if family is not None and family.name == "multinomial":
        # y the indicator matrix (n, K), pred (n, K, n_alphas); mse and mae sum over classes
        if scoring == "deviance":
            return np.array([family.deviance(y, pred[:, :, k], w)
                             for k in range(pred.shape[2])])
        if scoring == "class":
            return w @ (pred.argmax(axis=1) != y.argmax(axis=1)[:, None])
        err = softmax(pred, axis=1) - y[:, :, None]
        return w @ (err * err if scoring == "mse" else np.abs(err)).sum(axis=1)
    if family is not None and family.name != "gaussian":
        if scoring == "deviance":
            return np.array([family.deviance(y, pred[:, k], w) for k in range(pred.shape[1])])
        if scoring == "class":
            return w @ ((pred > 0) != (y[:, None] > 0.5))
        pred = expit(pred) if family.name == "binomial" else family.mean(pred)
    err = pred - y[:, None]
    if scoring in ("mse", "deviance"):
        return w @ (err * err)
    if scoring == "mae":
        return w @ np.abs(err)
    centred = y - w @ y
    total = w @ (centred * centred)
    return 1.0 - (w @ (err * err)) / total if total > 0 else np.zeros(pred.shape[1])


def one_se_rule(alphas: np.ndarray, mean: np.ndarray, std_error: np.ndarray,
                greater_is_better: bool) -> tuple[int, int]:
    """Indices of the best alpha and of the largest alpha within one standard error of it."""
    sign = -1.0 if greater_is_better else 1.0
    loss = sign * mean
    best = int(np.argmin(loss))
    within = np.flatnonzero(loss <= loss[best] + std_error[best])
    return best, int(within[np.argmax(alphas[within])])


def _dense_rows(X, rows) -> np.ndarray:
    """Rows of X as a dense float64 Fortran array (a sparse X's rows densified)."""
    B = X[rows]
    return np.asfortranarray(B.toarray() if sp.issparse(B) else B, dtype=np.float64)


def _raw_cross_products(X, weights):
    """X' diag(w) X without centring, accumulated over row blocks."""
    p = X.shape[1]
    S = np.zeros((p, p))
    for start in range(0, X.shape[0], 4096):
        rows = slice(start, start + 4096)
        B = _dense_rows(X, rows)  # see DenseDesign.gram
        S += B.T @ (B * weights[rows, None])
    return S


def fold_weights(raw_w: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Each row's weight in a fold's fit: its raw weight times the number of times `train`
    lists it (as fitting on X[train] would count it)."""
    w = np.zeros_like(raw_w)
    np.add.at(w, train, raw_w[train])
    return w


def _fold_gram(S_total, X, raw_w, train, fit_intercept):
    """Centred, normalized Gram of a fold's training rows from the all-row cross-products."""
    train_w = fold_weights(raw_w, train)
    changed = np.flatnonzero(train_w != raw_w)
    Xc = _dense_rows(X, changed)
    S = S_total - Xc.T @ (Xc * (raw_w - train_w)[changed, None])
    total = train_w.sum()
    if fit_intercept:
        mean = np.asarray(X.T @ train_w, dtype=np.float64).ravel()
        return S / total - np.outer(mean, mean) / (total * total)
    return S / total


def _fit_fold(X, y, raw_w, train, options, l1_ratio, alphas, tol, max_iter, gram, family):
    if sp.issparse(X) and gram is None:
        # rows weighted zero would still run through the weighted sparse kernels in every
        # epoch: 15% of a fold's path on the 20000 x 50000 benchmark
        X, y, weights = X[train], y[train], raw_w[train]
    else:
        weights = fold_weights(raw_w, train)
    problem = build_problem(X, y, sample_weight=weights,
                            precompute=gram if gram is not None else False, **options)
    if family is not None and family.name != "gaussian":
        return compute_glm_path(problem, family, l1_ratio, alphas, tol=tol,
                                max_iter=min(max_iter, 1000), warn=False)
    return compute_path(problem, l1_ratio, alphas, tol=tol, max_iter=max_iter, warn=False)


def cross_validate_path(problem_options: dict, X, y, raw_w, folds, l1_ratio, alphas, *, tol,
                        max_iter, scoring, use_gram, n_jobs=None, family=None,
                        progress=None):
    """Fit each fold's path (in parallel threads) and score it on the held-out rows.

    progress(done, total), when given, is called as each fold's path is fitted.
    Returns (fold_paths, scores of shape (n_folds, n_alphas), fold weight sums).
    """
    S_total = _raw_cross_products(X, raw_w) if use_gram else None
    grams = [
        _fold_gram(S_total, X, raw_w, train, problem_options["fit_intercept"])
        if use_gram else None
        for train, _ in folds
    ]
    fitted = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")(
        delayed(_fit_fold)(X, y, raw_w, train, problem_options, l1_ratio, alphas, tol,
                           max_iter, gram, family)
        for (train, _), gram in zip(folds, grams, strict=True)
    )
    paths = []
    for fold_path in fitted:  # in fold order
        paths.append(fold_path)
        if progress is not None:
            progress(len(paths), len(folds))
    scores = np.array([
        fold_scores(y[test], fp.predict(X[test]), raw_w[test], scoring, family)
        for fp, (_, test) in zip(paths, folds, strict=True)
    ])
    fold_weight = np.array([raw_w[test].sum() for _, test in folds])
    return paths, scores, fold_weight


def summarize(scores: np.ndarray, fold_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fold-weighted mean and standard error per alpha (glmnet's cvm and cvsd)."""
    share = fold_weight / fold_weight.sum()
    mean = share @ scores
    n_folds = scores.shape[0]
    var = share @ (scores - mean) ** 2 / max(n_folds - 1, 1)
    return mean, np.sqrt(var)


def cv_path(X, y, l1_ratio: float = 1.0, *, family: str = "gaussian", alphas=None,
            n_alphas: int = 100, eps: float | None = None, cv=10, scoring: str | None = None,
            rule: str = "min", n_jobs: int | None = None, fit_intercept: bool = True,
            standardize: bool = False, sample_weight=None, penalty_factor=None,
            lower_bounds=None, upper_bounds=None, positive: bool = False,
            precompute="auto", tol: float = 1e-7, max_iter: int = 100_000,
            full_path: bool = True, progress=None) -> CVResult:
    """K-fold cross-validation of the elastic-net path, glmnet's cv.glmnet.

    Every fold is fitted on the grid of the full data (see `penalized.path`, whose
    parameters these are), scored on its held-out rows for every alpha at once, and the
    scores are averaged over folds weighted by each fold's share of the sample weight.
    A dask X is cross-validated on its cluster by `penalized.dask.cv_path` (cv an int).

    Parameters
    ----------
    cv : int, cross-validation splitter or iterable, default=10
        An int is KFold(cv) without shuffling (scikit-learn's default), StratifiedKFold(cv)
        for the binomial and multinomial families (as scikit-learn's classifiers).
    family : {"gaussian", "binomial", "poisson", "multinomial"}
        As in `penalized.path` (GLM folds are fitted by proximal Newton).
    scoring : {"mse", "deviance", "mae", "r2", "class"}, optional
        Held-out measure; default "mse" for the gaussian family (where "deviance" is the
        same) and "deviance" (mean held-out deviance, glmnet's default) for the others. For
        a GLM, "mse"/"mae"/"r2" compare y with the fitted mean (multinomial: the class
        probabilities against the indicators, summed over classes, as glmnet; no "r2");
        "class" is the misclassification rate (binomial, multinomial).
    rule : {"min", "1se"}
        Which alpha CVResult.alpha and selection_frequency refer to: the best mean score,
        or the largest alpha within one standard error of it.
    n_jobs : int, optional
        Folds run in that many threads (the compiled solver releases the GIL).
    full_path : bool
        Also fit the path on all the data (CVResult.path); False leaves it None.
    progress : callable, optional
        progress(done, total) is called as each fold's path (then the full path) is fitted;
        the command line draws its progress bar from it.

    Returns
    -------
    CVResult
    """
    if is_dask_collection(X):  # fitted on the cluster, X never gathered (penalized.dask)
        return dask_backend().cv_path(
            X, y, l1_ratio, family=family, alphas=alphas, n_alphas=n_alphas, eps=eps, cv=cv,
            scoring=scoring, rule=rule, n_jobs=n_jobs, fit_intercept=fit_intercept,
            standardize=standardize, sample_weight=sample_weight, penalty_factor=penalty_factor,
            lower_bounds=lower_bounds, upper_bounds=upper_bounds, positive=positive,
            precompute=precompute, tol=tol, max_iter=max_iter, full_path=full_path,
            progress=progress)
    check_path_options(family, l1_ratio, n_alphas, eps, tol, max_iter)
    fam = get_family(family)
    if scoring is None:
        scoring = "mse" if family == "gaussian" else "deviance"
    if scoring not in SCORINGS:
        raise ValueError(f"scoring must be one of {tuple(SCORINGS)}, got {scoring!r}.")
    if scoring == "class" and family not in ("binomial", "multinomial"):
        raise ValueError("scoring='class' (misclassification) needs family='binomial' or "
                         "'multinomial'.")
    if scoring == "r2" and family == "multinomial":
        raise ValueError("scoring='r2' is not defined for the multinomial family.")
    if rule not in ("min", "1se"):
        raise ValueError(f"rule must be 'min' or '1se', got {rule!r}.")
    X, y, classes = check_family_arrays(X, y, family)
    options = dict(fit_intercept=fit_intercept, standardize=standardize,
                   penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                   upper_bounds=upper_bounds, positive=positive)
    problem = build_problem(X, y, sample_weight=sample_weight, precompute=precompute,
                            **options)
    glm = family != "gaussian"
    if glm:
        fam.check_y(y)
    grid = (alpha_grid(problem, l1_ratio, n_alphas, eps, family=fam) if alphas is None
            else check_alphas(alphas))
    raw_w = check_sample_weight(sample_weight, X.shape[0])
    folds = make_folds(cv, X, y.argmax(axis=1) if y.ndim == 2 else y,
                       classifier=family in ("binomial", "multinomial"))
    total = len(folds) + bool(full_path)
    paths, scores, fold_weight = cross_validate_path(
        options, X, y, raw_w, folds, l1_ratio, grid, tol=tol, max_iter=max_iter,
        scoring=scoring, use_gram=not glm and isinstance(problem.design, GramDesign),
        n_jobs=n_jobs, family=fam,
        progress=None if progress is None else lambda done, _: progress(done, total),
    )
    full = None
    if full_path:
        full = (compute_glm_path(problem, fam, l1_ratio, grid, tol=tol,
                                 max_iter=min(max_iter, 1000), classes=classes) if glm
                else compute_path(problem, l1_ratio, grid, tol=tol, max_iter=max_iter))
        if progress is not None:
            progress(total, total)
    return make_cv_result(grid, scoring, scores, fold_weight, paths, full, rule)


def make_folds(cv, X, y, classifier: bool = False) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs; checks there are enough samples for the folds. An int cv
    gives KFold, or StratifiedKFold for a classifier (y the labels), as scikit-learn."""
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds, got {cv}.")
        if cv > X.shape[0]:
            raise ValueError(
                f"cv={cv} folds need at least {cv} samples; got n_samples={X.shape[0]}."
            )
    return [(np.asarray(tr), np.asarray(te))
            for tr, te in check_cv(cv, y, classifier=classifier).split(X, y)]


def make_cv_result(alphas: np.ndarray, scoring: str, scores: np.ndarray,
                   fold_weight: np.ndarray, fold_paths: list[Path], full: Path | None,
                   rule: str) -> CVResult:
    greater = SCORINGS[scoring]
    mean, se = summarize(scores, fold_weight)
    best, one_se = one_se_rule(alphas, mean, se, greater)
    chosen = alphas[one_se if rule == "1se" else best]
    frequency = np.mean([selected(fp.coef_at(chosen)[0]) for fp in fold_paths], axis=0)
    return CVResult(alphas=alphas, scoring=scoring, greater_is_better=greater,
                    fold_scores=scores, mean=mean, std_error=se,
                    alpha_min=float(alphas[best]), alpha_1se=float(alphas[one_se]),
                    path=full, fold_paths=fold_paths, selection_frequency=frequency,
                    rule=rule)


def information_criteria(problem: Problem, fitted: Path, criterion: str = "aic",
                         noise_variance: float | None = None) -> np.ndarray:
    """AIC or BIC of each solution of a least-squares path, as scikit-learn's LassoLarsIC.

        crit(alpha) = n log(2 pi sigma^2) + RSS(alpha) / sigma^2 + c * df(alpha)

    with c = 2 (AIC) or log(n) (BIC), n the sum of the sample weights (n_samples without),
    RSS the weighted residual sum of squares and sigma^2 the noise variance, estimated
    when not given from the unpenalized least-squares fit as RSS_ols / (n - p -
    fit_intercept) (requires n > p + intercept).
    df is the number of non-zero coefficients for the lasso and the trace of the
    elastic net's hat matrix on the active set, tr(X_A (X_A'X_A + n alpha (1 - l1_ratio)
    D_A)^-1 X_A'), for l1_ratio < 1.
    """
    n = problem.sum_weights  # n_samples without weights; repeated rows = integer weights
    rss = (1.0 - fitted.dev_ratio) * fitted.null_deviance * n
    if noise_variance is None:
        noise_variance = ols_noise_variance(problem)
    penalty = 2.0 if criterion == "aic" else np.log(n)
    df = degrees_of_freedom(problem, fitted)
    return n * np.log(2 * np.pi * noise_variance) + rss / noise_variance + penalty * df


def ols_noise_variance(problem: Problem) -> float:
    """RSS / (n - p - intercept) of the unpenalized least-squares fit (dense or sparse X)."""
    design = problem.design
    base = getattr(design, "base", design)
    n, p = problem.sum_weights, base.n_features
    dof = n - p - int(problem.fit_intercept)
    if dof <= 0:
        raise ValueError(
            f"The noise variance cannot be estimated with n_samples={n:g} <= n_features + "
            f"fit_intercept = {p + int(problem.fit_intercept)}; pass noise_variance."
        )
    X = base.X.toarray() if hasattr(base.X, "toarray") else np.asarray(base.X, np.float64)
    root_w = np.sqrt(problem.weights)
    y = problem.target(0)
    A = (X - design.x_mean) * root_w[:, None]
    r = (y - problem.y_mean(y)) * root_w
    coef = np.linalg.lstsq(A, r, rcond=None)[0]
    resid = r - A @ coef
    return float(resid @ resid) * n / dof


def degrees_of_freedom(problem: Problem, fitted: Path) -> np.ndarray:
    """Effective degrees of freedom of each solution (see `information_criteria`)."""
    if fitted.l1_ratio >= 1.0:
        # as LassoLarsIC: a coefficient at machine precision (a feature entering exactly at
        # this alpha) is not a degree of freedom
        return np.count_nonzero(np.abs(fitted.coefs) > np.finfo(np.float64).eps, axis=1)
    design = problem.design
    base = getattr(design, "base", design)
    root_w = np.sqrt(problem.weights)
    scale2 = problem.penalty_factor * problem.feature_scale ** 2
    out = np.empty(len(fitted.alphas))
    for k, (alpha, coef) in enumerate(zip(fitted.alphas, fitted.coefs, strict=True)):
        active = np.flatnonzero(np.abs(coef) > np.finfo(np.float64).eps)
        if active.size == 0:
            out[k] = 0.0
            continue
        cols = base.X[:, active]
        cols = cols.toarray() if hasattr(cols, "toarray") else np.asarray(cols, np.float64)
        A = (cols - design.x_mean[active]) * root_w[:, None]
        G = A.T @ A
        ridge = alpha * (1.0 - fitted.l1_ratio) * scale2[active]
        out[k] = np.trace(np.linalg.solve(G + np.diag(ridge), G))
    return out
