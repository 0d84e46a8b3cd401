"""Bigger than memory: the penalized models on Dask arrays and dataframes.

Every model is the minimizer of (see DESIGN.md)

    F(b0, b) = (1 / S) sum_i s_i loss(y_i, b0 + x_i'b)
               + alpha * sum_j pf_j s_j (l1_ratio |b_j| + (1 - l1_ratio)/2 s_j b_j^2)
    subject to lower_j <= b_j <= upper_j,

(s_i the sample weights, S their sum, loss = 1/2 (y - eta)^2 for the gaussian family), and
the data only ever enter the solver through weighted sufficient statistics:

* gaussian: ONE pass over the data computes S, the weighted means, X_c' W X_c, X_c' W y_c and
  y_c' W y_c (centred per block and merged with Chan's update, so no digits are lost to
  large means); the whole path then runs locally on that Gram matrix with the same compiled
  engine as in memory (`GramDesign`).
* binomial / poisson: proximal Newton as `penalized.newton.solve_glm`. A pass at a point
  returns F's loss there, its gradient (the KKT certificate) and the Gram statistics of the
  next Newton step (X_c' H X_c and X_c' H z_c); a pass that proposes a step also returns
  the loss at t = 1/2, 1/4, 1/8 along it, so one Newton iteration costs one pass whenever the
  line search accepts one of those (two when it accepts t < 1, more only past 1/8).
* cross-validation: folds are whole row blocks (block i in fold i mod K) or a hash of a key
  column; one pass returns each fold's statistics, a fold's training statistics are the merge
  of the others' (the in-memory "full minus held-out" Gram, without its cancellation), and
  the GLM folds take their Newton steps together (one pass serves every fold).

X itself is never pulled to the client: only p x p matrices and p-vectors come back, and a
Gram that would exceed ``max_gram_bytes`` (``dask.config`` key ``penalized.max-gram-bytes``,
1 GiB by default) is refused with a ValueError. Passes are counted (`count_passes`,
``n_passes_`` on the estimators).

Only this module imports dask (DESIGN.md; ruff's TID251 enforces it).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

try:
    import dask
    import dask.array as da
    import dask.dataframe as dd
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "penalized.dask needs the `dask` extra: pip install 'penalized[dask]' "
        "(dask[array,dataframe] and distributed)."
    ) from exc

from sklearn.utils import check_random_state

import penalized
from penalized._kernels.cd_gram import GramStore
from penalized._problem import Problem
from penalized._validation import (
    check_alphas,
    check_penalty_bounds,
    validate_params,
)
from penalized.design import CONSTANT_RTOL, GramDesign, _zero_constant
from penalized.estimators._base import atomic_fit
from penalized.families import MIN_HESSIAN, get_family
from penalized.newton import (
    DIRECT_MAX_WIDTH,
    MAX_HALVINGS,
    STEP_MAX_EPOCHS,
    _gap_for_gradient,
    _penalty,
    _warn,
    kkt_tolerance,
    kkt_violation,
)
from penalized.path import (
    RIDGE_GRID_L1_RATIO,
    _pinned,
    _zeroing_alpha,
    check_path_options,
    fit_free_features,
)
from penalized.results import CVResult, FitResult, Path
from penalized.selection import make_cv_result
from penalized.solver import penalty_weights, solve, solve_arrays

__all__ = [
    "ElasticNet",
    "Lasso",
    "LogisticRegression",
    "Statistics",
    "StatsDesign",
    "check_gram_size",
    "count_passes",
    "cv_path",
    "fold_labels",
    "gram_statistics",
    "path",
]

DEFAULT_MAX_GRAM_BYTES = 2**30
SUB_BLOCK = 65_536  # rows per sub-block inside a task: bounds a task's temporaries
TREE_WIDTH = 8  # partial results merged per reduction task
LADDER = (0.5, 0.25, 0.125)  # line-search steps evaluated alongside every proposed step


# ----------------------------------------------------------------------------------------
# pass counting


class PassCounter:
    """Number of distributed passes over the data (one `dask.compute` reading every block)."""

    def __init__(self) -> None:
        self.n = 0


_COUNTERS: list[PassCounter] = []


@contextmanager
def count_passes() -> Iterator[PassCounter]:
    """Count the passes over the data made inside the block::

        with count_passes() as passes:
            penalized.dask.path(X, y)
        passes.n  # 1 for a gaussian path
    """
    counter = PassCounter()
    _COUNTERS.append(counter)
    try:
        yield counter
    finally:
        _COUNTERS.remove(counter)


def _compute(task):
    """One pass: every block read once, only the reduced (small) result returned."""
    for counter in _COUNTERS:
        counter.n += 1
    return dask.compute(task)[0]


# ----------------------------------------------------------------------------------------
# the data: aligned row blocks of X, y, weights and fold keys


def is_dask(obj) -> bool:
    """True for a dask array, dataframe or series."""
    return isinstance(obj, da.Array | dd.DataFrame | dd.Series)


@dataclasses.dataclass
class _Data:
    """X, y, sample weights (and fold keys) as lists of aligned delayed row blocks."""

    X: list
    y: list
    w: list
    key: list
    n_features: int
    feature_names: np.ndarray | None


def _column(obj, name: str, X, blocks_of_X):
    """A 1-D companion of X (y, weights, key) as delayed blocks aligned with X's."""
    if obj is None:
        return [None] * len(blocks_of_X)
    if isinstance(X, dd.DataFrame):
        if isinstance(obj, str):
            obj = X[obj]
        if not isinstance(obj, dd.Series | dd.DataFrame):
            raise TypeError(f"With a dask dataframe X, {name} must be a dask Series with the "
                            f"same partitions (or a column name), got {type(obj).__name__}.")
        if obj.npartitions != X.npartitions:
            raise ValueError(f"{name} has {obj.npartitions} partitions and X "
                             f"{X.npartitions}: they must be partitioned alike.")
        return list(obj.to_delayed())
    rows = X.chunks[0]
    if isinstance(obj, da.Array):
        arr = obj
    elif isinstance(obj, dd.Series):
        raise TypeError(f"With a dask array X, {name} must be a dask or numpy array.")
    else:
        arr = np.asarray(obj)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {arr.shape}.")
        arr = da.from_array(arr, chunks=(rows,))
    if arr.ndim != 1 or arr.shape[0] != X.shape[0]:
        raise ValueError(f"{name} must have shape ({X.shape[0]},) (one per row of X), got "
                         f"{arr.shape}.")
    return list(arr.rechunk((rows,)).to_delayed())


def _data(X, y, sample_weight=None, fold_key=None) -> _Data:
    """Split the inputs into aligned row blocks (no data is read here)."""
    if isinstance(X, dd.DataFrame):
        drop = [c for c in (y, sample_weight, fold_key) if isinstance(c, str)]
        features = X.drop(columns=drop) if drop else X
        blocks = list(features.to_delayed())
        names = np.asarray(features.columns, dtype=object)
        p = len(features.columns)
    elif isinstance(X, da.Array):
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got a dask array of shape {X.shape}.")
        if np.isnan(X.shape[0]) or np.isnan(X.shape[1]):
            raise ValueError("X has unknown chunk sizes; call X.compute_chunk_sizes() first.")
        # whole rows in every block: each task returns a p x p matrix
        X = X.rechunk({1: -1}) if len(X.chunks[1]) > 1 else X
        blocks = list(X.to_delayed()[:, 0])
        names, p = None, X.shape[1]
    else:
        raise TypeError(f"penalized.dask needs a dask array or dataframe X, got "
                        f"{type(X).__name__}; for in-memory X use penalized itself.")
    if p == 0:
        raise ValueError("X has no features.")
    return _Data(blocks, _column(y, "y", X, blocks), _column(sample_weight, "sample_weight",
                                                             X, blocks),
                 _column(fold_key, "fold_key", X, blocks), p, names)


def check_gram_size(n_features: int, n_grams: int = 1, max_gram_bytes: float | None = None):
    """Refuse a problem whose p x p Gram matrices would not fit the client's budget."""
    budget = (dask.config.get("penalized.max-gram-bytes", DEFAULT_MAX_GRAM_BYTES)
              if max_gram_bytes is None else max_gram_bytes)
    need = 8.0 * n_features * n_features * n_grams
    if need > budget:
        raise ValueError(
            f"n_features={n_features} is too wide for the Dask backend: it solves on "
            f"{n_grams} p x p Gram matrix(es) held on the client ({need / 2**30:.2f} GiB), "
            f"above max_gram_bytes={budget / 2**30:.2f} GiB. Fit in memory with the sparse "
            "solver instead (penalized.path / Lasso on a scipy.sparse X, which never forms "
            "X'X), or raise max_gram_bytes (dask.config key 'penalized.max-gram-bytes').")


# ----------------------------------------------------------------------------------------
# worker side: per-block statistics (plain numpy; these run on the workers)


def _dense(block) -> np.ndarray:
    arr = np.asarray(block, dtype=np.float64)
    return arr if arr.ndim == 2 else arr.reshape(arr.shape[0], -1)


def _vector(block, n: int, default: float = 1.0) -> np.ndarray:
    if block is None:
        return np.full(n, default)
    return np.asarray(block, dtype=np.float64).ravel()


def _labels(key, block_index: int, n: int, n_folds: int) -> np.ndarray:
    """Fold of each row: the block's own (block_index mod K) or a hash of its key."""
    if n_folds == 0:
        return np.zeros(n, dtype=np.int64)
    if key is None:
        return np.full(n, block_index % n_folds, dtype=np.int64)
    import pandas as pd

    values = np.asarray(key).ravel()
    return (pd.util.hash_array(values) % np.uint64(n_folds)).astype(np.int64)


def fold_labels(key, n_folds: int) -> np.ndarray:
    """The folds `cv_path` assigns to rows with these keys (a hash, stable across runs)."""
    return _labels(np.asarray(key), 0, len(key), n_folds)


def _empty_moments(p: int) -> tuple:
    return (0, 0.0, np.zeros(p), 0.0, np.zeros((p, p)), np.zeros(p), 0.0)


def _moments(X: np.ndarray, z: np.ndarray, w: np.ndarray) -> tuple:
    """(rows, sum w, mean x, mean z, Xc'WXc, Xc'Wzc, zc'Wzc) of rows, centred on their own
    weighted means, over sub-blocks so temporaries stay a fraction of the block."""
    out = _empty_moments(X.shape[1])
    for start in range(0, X.shape[0], SUB_BLOCK):
        rows = slice(start, start + SUB_BLOCK)
        Xs, zs, ws = X[rows], z[rows], w[rows]
        s = float(ws.sum())
        if s <= 0:
            part = (Xs.shape[0], *_empty_moments(X.shape[1])[1:])
        else:
            mx = ws @ Xs / s
            mz = float(ws @ zs) / s
            root = np.sqrt(ws)
            # Fortran order: BLAS forms B'B from it much faster (see DenseDesign.gram)
            B = np.asfortranarray((Xs - mx) * root[:, None])
            r = (zs - mz) * root
            part = (Xs.shape[0], s, mx, mz, B.T @ B, B.T @ r, float(r @ r))
        out = _merge_moments(out, part)
    return out


def _merge_moments(a: tuple, b: tuple) -> tuple:
    """Chan et al.'s pairwise update: the moments of the union of two row sets."""
    n = a[0] + b[0]
    if b[1] == 0:
        return (n, *a[1:])
    if a[1] == 0:
        return (n, *b[1:])
    s = a[1] + b[1]
    dx, dz = b[2] - a[2], b[3] - a[3]
    c = a[1] * b[1] / s
    return (n, s, a[2] + dx * (b[1] / s), a[3] + dz * (b[1] / s),
            a[4] + b[4] + c * np.outer(dx, dx), a[5] + b[5] + c * dx * dz,
            a[6] + b[6] + c * dz * dz)


def _stats_block(X, y, w, key, index, n_folds, check):
    """Per-fold moments of (X, y) with the sample weights, plus what the GLMs and checks
    need: label values, the unweighted sum of y, sum w xlogy(y, y)."""
    from scipy.special import xlogy

    X = _dense(X)
    n = X.shape[0]
    y = _vector(y, n)
    w = _vector(w, n)
    if check:
        if not np.isfinite(X).all():
            raise ValueError("Input X contains NaN or infinity.")
        if not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity.")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("sample_weight must be finite and >= 0.")
    labels = _labels(key, index, n, n_folds)
    folds = [_moments(X[labels == k], y[labels == k], w[labels == k])
             for k in range(max(n_folds, 1))]
    extra = {"labels": np.unique(y)[:3], "sum_y": float(y.sum()),
             "xlogy": float(w @ xlogy(y, y)), "neg_y": bool((y < 0).any())}
    return folds, extra


def _merge_stats(parts):
    folds, extra = parts[0]
    folds = list(folds)
    extra = dict(extra)
    for other_folds, other in parts[1:]:
        folds = [_merge_moments(a, b) for a, b in zip(folds, other_folds, strict=True)]
        extra["labels"] = np.unique(np.concatenate([extra["labels"], other["labels"]]))[:3]
        extra["sum_y"] += other["sum_y"]
        extra["xlogy"] += other["xlogy"]
        extra["neg_y"] |= other["neg_y"]
    return folds, extra


def _family_derivatives(family, y, eta, poisson_scale):
    """family.derivatives, with the Poisson Hessian floor from the mean of ALL of y (in a
    block, np.mean(y) would be the block's own)."""
    if family.name == "poisson":
        mu = family.mean(eta)
        floor = MIN_HESSIAN * poisson_scale if poisson_scale > 0 else MIN_HESSIAN
        return mu - y, np.maximum(mu, floor)
    return family.derivatives(y, eta)


def _glm_block(X, y, w, key, index, n_folds, requests, family_name, classes,
               poisson_scale):
    """Answer each request of one pass on this block (see `_Request`)."""
    family = get_family(family_name)
    X = _dense(X)
    n = X.shape[0]
    y = _vector(y, n)
    if classes is not None:  # binary labels -> {0, 1}
        y = (y == classes[1]).astype(np.float64)
    w = _vector(w, n)
    labels = _labels(key, index, n, n_folds)
    out = []
    for req in requests:
        if req.fold is None:
            wr = w
        elif req.score:
            wr = np.where(labels == req.fold, w, 0.0)  # held-out rows
        else:
            wr = np.where(labels == req.fold, 0.0, w)  # training rows
        res = {}
        if req.score:
            res["score"] = _score_block(family, X, y, wr, req)
            out.append(res)
            continue
        eta = X @ req.coef + req.intercept
        if req.ladder:
            start = X @ req.back_coef + req.back_intercept
            step = eta - start
            res["ladder"] = np.array([wr @ family.loss(y, start + t * step)
                                      for t in req.ladder])
        if req.point:
            g, h = _family_derivatives(family, y, eta, poisson_scale)
            wg = wr * g
            res["value"] = float(wr @ family.loss(y, eta))
            res["grad"] = X.T @ wg
            res["grad0"] = float(wg.sum())
            res["moments"] = _moments(X, eta - g / h, wr * h)
            if req.magnitude:
                mag = np.abs(y) + np.abs(g - y)
                res["magnitude"] = float(wr @ (mag * mag))
        out.append(res)
    return out


def _score_block(family, X, y, w, req):
    """Held-out sums for every alpha: sum w, deviance, misclassification, squared error."""
    from scipy.special import expit

    pred = X @ req.coef.T + req.intercept  # (n, n_alphas)
    dev = np.array([family.deviance(y, pred[:, k], w) for k in range(pred.shape[1])])
    mean = expit(pred) if family.name == "binomial" else family.mean(pred)
    err = mean - y[:, None]
    return {"w": float(w.sum()), "deviance": dev,
            "class": w @ ((pred > 0) != (y[:, None] > 0.5)),
            "mse": w @ (err * err), "mae": w @ np.abs(err)}


def _merge_glm(parts):
    out = parts[0]
    for other in parts[1:]:
        merged = []
        for a, b in zip(out, other, strict=True):
            res = {}
            for k, v in a.items():
                if k == "moments":
                    res[k] = _merge_moments(v, b[k])
                elif k == "score":
                    res[k] = {s: v[s] + b[k][s] for s in v}
                else:
                    res[k] = v + b[k]
            merged.append(res)
        out = merged
    return out


def _tree(parts, merge):
    """Reduce delayed partial results in a tree (TREE_WIDTH at a time)."""
    merge = dask.delayed(merge, pure=True)
    while len(parts) > 1:
        parts = [merge(parts[i:i + TREE_WIDTH]) for i in range(0, len(parts), TREE_WIDTH)]
    return parts[0]


# ----------------------------------------------------------------------------------------
# client side: statistics -> designs and problems


def _blocks_task(data: _Data, fn, *args):
    block = dask.delayed(fn, pure=True)
    return [block(x, y, w, k, i, *args)
            for i, (x, y, w, k) in enumerate(zip(data.X, data.y, data.w, data.key,
                                                 strict=True))]


@dataclasses.dataclass(frozen=True)
class Statistics:
    """The weighted sufficient statistics of (X, y) gathered in one pass.

    Attributes
    ----------
    n_samples : int
        Rows (zero-weight rows included, as in memory).
    sum_weights : float
        S = sum_i s_i.
    x_mean, y_mean : ndarray of shape (n_features,), float
        Weighted means (1/S) sum_i s_i x_i, (1/S) sum_i s_i y_i.
    xx : ndarray of shape (n_features, n_features)
        (1/S) sum_i s_i (x_i - x_mean)(x_i - x_mean)'.
    xy : ndarray of shape (n_features,)
        (1/S) sum_i s_i (x_i - x_mean)(y_i - y_mean).
    yy : float
        (1/S) sum_i s_i (y_i - y_mean)^2.
    """

    n_samples: int
    sum_weights: float
    x_mean: np.ndarray
    y_mean: float
    xx: np.ndarray
    xy: np.ndarray
    yy: float

    @classmethod
    def from_moments(cls, m: tuple, n_samples: int | None = None) -> Statistics:
        n, s, mx, my, M, mxy, myy = m
        if s <= 0:
            raise ValueError("sample_weight sums to zero: at least one sample needs a positive "
                             "weight.")
        return cls(int(n if n_samples is None else n_samples), float(s), mx, float(my),
                   M / s, mxy / s, myy / s)

    def uncentred(self) -> Statistics:
        """The same statistics about 0 instead of the means (models without intercept)."""
        mx, my = self.x_mean, self.y_mean
        return Statistics(self.n_samples, self.sum_weights, np.zeros_like(mx), 0.0,
                          self.xx + np.outer(mx, mx), self.xy + mx * my,
                          self.yy + my * my)


def gram_statistics(X, y, sample_weight=None) -> Statistics:
    """Weighted sufficient statistics of a dask X and y in ONE pass over the data.

    Each block is centred on its own weighted means and the blocks are merged with Chan's
    update, so large column means cost no digits. Returns `Statistics` (p x p on the client;
    X is never gathered).
    """
    data = _data(X, y, sample_weight)
    folds, _ = _compute(_tree(_blocks_task(data, _stats_block, 0, True), _merge_stats))
    return Statistics.from_moments(folds[0])


class StatsDesign(GramDesign):
    """A Gram design built from sufficient statistics: X stays on the cluster.

    Q = X_c' W X_c and q = X_c' W y_c (W the weights divided by their sum) are what the Gram
    kernel reads; the solver only ever needs y through its weighted mean and variance,
    which `_problem` passes as a two-point pseudo-sample with exactly those moments.
    """

    def __init__(self, stats: Statistics):  # noqa: D107 -- no base design: X is remote
        self.base = None
        self.n_samples, self.n_features = stats.n_samples, stats.xx.shape[0]
        self.dtype = np.dtype(np.float64)
        self.x_mean = stats.x_mean
        self.Q = np.asfortranarray(stats.xx, dtype=np.float64)
        # a column whose centred square is rounding residue is constant (as GramDesign)
        constant = _zero_constant(np.diag(self.Q).copy(), self.x_mean) == 0.0
        self.Q[constant, :] = 0.0
        self.Q[:, constant] = 0.0
        self.col_sq = np.diag(self.Q).copy()
        self.q = np.asarray(stats.xy, dtype=np.float64)
        self.yy = float(stats.yy)

    def store(self, y_c):
        return GramStore(self.Q, self.q, np.array([self.yy]))

    def matvec(self, coef):
        raise NotImplementedError("X lives on the Dask cluster; StatsDesign has only its Gram.")

    rmatvec = matvec


def _problem(stats: Statistics, *, fit_intercept: bool, standardize: bool, penalty_factor,
             lower_bounds, upper_bounds, positive: bool,
             scale_stats: Statistics | None = None, sum_weights: float | None = None
             ) -> Problem:
    """The Problem of these statistics; `scale_stats` (the original weights' statistics)
    sets the standardization scales when `stats` are a Newton step's."""
    pf, lo, hi = check_penalty_bounds(penalty_factor, lower_bounds, upper_bounds, positive,
                                      stats.xx.shape[0])
    design = StatsDesign(stats if fit_intercept else stats.uncentred())
    if not np.isfinite(design.col_sq).all():
        raise ValueError("X has values too large for float64 arithmetic (a column's sum of "
                         "squares overflows); rescale X, e.g. standardize it first.")
    scale = np.ones(design.n_features)
    if standardize:
        base = design if scale_stats is None else StatsDesign(
            scale_stats if fit_intercept else scale_stats.uncentred())
        scale = np.sqrt(base.col_sq)
        scale[scale == 0.0] = 1.0
    yy = design.yy
    mean = stats.y_mean if fit_intercept else 0.0
    sd = np.sqrt(max(yy, 0.0))
    return Problem(design=design, y=np.array([mean + sd, mean - sd]),
                   weights=np.array([0.5, 0.5]), penalty_factor=pf, lower_bounds=lo,
                   upper_bounds=hi, feature_scale=scale, fit_intercept=bool(fit_intercept),
                   sum_weights=float(stats.sum_weights if sum_weights is None
                                     else sum_weights))


# ----------------------------------------------------------------------------------------
# gaussian: the whole path from one pass


def _null_coef(problem: Problem) -> np.ndarray:
    """`penalized.path.null_coef` on the Gram: the unpenalized features' exact fit."""
    free = np.flatnonzero(problem.penalty_factor == 0.0)
    coef = np.zeros(problem.n_features)
    if not free.size:
        return coef
    design = problem.design
    Q, q = design.Q[np.ix_(free, free)], design.q[free]
    # ||A x - b||^2 = x'Qx - 2 q'x + const with A = E^1/2 V' (Q = V E V'), as the in-memory
    # least squares on the weighted, centred columns
    e, V = np.linalg.eigh(Q)
    keep = e > e.max(initial=0.0) * 1e-15 * len(e)
    A = np.sqrt(e[keep])[:, None] * V[:, keep].T
    b = (V[:, keep].T @ q) / np.sqrt(e[keep])
    return fit_free_features(problem, free, A, b)


def _alpha_max(problem: Problem, stats: Statistics, l1_ratio: float) -> float:
    """`penalized.path.alpha_max` from the statistics (see there)."""
    l1w, _ = penalty_weights(problem, max(l1_ratio, RIDGE_GRID_L1_RATIO))
    design = problem.design
    raw = design.yy + (stats.y_mean ** 2 if problem.fit_intercept else 0.0)
    if design.yy <= CONSTANT_RTOL * raw:
        return 0.0
    coef = _null_coef(problem)
    rss = design.yy - 2 * coef @ design.q + coef @ design.Q @ coef
    if coef.any() and rss <= CONSTANT_RTOL * design.yy:
        return 0.0
    return _zeroing_alpha(problem, design.q - design.Q @ coef, l1w,
                          1e-12 if coef.any() else 0.0)


def _grid(top: float, n_alphas: int, eps, n_samples: int, n_features: int) -> np.ndarray:
    if eps is None:
        eps = 1e-4 if n_samples > n_features else 1e-2
    if not top > 0:
        warnings.warn(
            "alpha_max is 0: y is constant (or fully explained by the unpenalized features), "
            "so every penalized coefficient is 0 at every alpha. Returning the all-zero path "
            "on the nominal grid 1 .. eps.", UserWarning, stacklevel=3)
        top = 1.0
    return np.array([top]) if n_alphas == 1 else top * np.geomspace(1.0, eps, n_alphas)


def _gaussian_path(problem: Problem, l1_ratio, alphas, tol, max_iter, names, warn=True):
    """`penalized.path.compute_path` on a StatsDesign (no relax)."""
    coef_init = _null_coef(problem) if (problem.penalty_factor == 0.0).any() else None
    result = solve_arrays(problem, alphas, l1_ratio, tol=tol, max_iter=max_iter,
                          coef_init=coef_init, warn=warn)
    null = result.null_rss
    return Path(alphas=np.asarray(alphas, dtype=np.float64), coefs=result.coefs,
                intercepts=result.intercepts, dual_gaps=result.gaps, n_iter=result.n_iter,
                tol=result.tol,
                dev_ratio=1.0 - result.rss / null if null > 0 else np.zeros(len(alphas)),
                null_deviance=null, l1_ratio=float(l1_ratio), feature_names=names)


# ----------------------------------------------------------------------------------------
# GLMs: proximal Newton, one pass per step


@dataclasses.dataclass
class _Request:
    """What one model asks of a pass. fold: None (all rows), else the fold whose rows are
    held out (or, with score, the only rows used). point: F's loss, gradient and the next
    step's Gram statistics at (coef, intercept); ladder: the loss at back + t (point - back)
    for each t; magnitude: sum w (|y| + |g - y|)^2 (the KKT tolerance's rounding bound);
    score: held-out sums for coef of shape (n_alphas, p)."""

    coef: np.ndarray
    intercept: float | np.ndarray
    fold: int | None = None
    point: bool = True
    ladder: tuple = ()
    back_coef: np.ndarray | None = None
    back_intercept: float = 0.0
    magnitude: bool = False
    score: bool = False


@dataclasses.dataclass
class _GLMContext:
    """What a model's Newton iterations need besides the passes."""

    problem: Problem  # with the original weights' StatsDesign (scales, KKT tolerance)
    family: object
    stats: Statistics
    fold: int | None
    options: dict
    null_intercept: float


def _null_intercept(family, stats: Statistics, fit_intercept: bool) -> float:
    """family.null_eta without offset, from the weighted mean of y."""
    if not fit_intercept:
        return 0.0
    if family.name == "binomial":
        return float(np.log(stats.y_mean / (1.0 - stats.y_mean)))
    if stats.y_mean <= 0:
        raise ValueError("The poisson family needs a positive (weighted) sum of y.")
    return float(np.log(stats.y_mean))


def _gram_step(ctx: _GLMContext, moments, coef, alpha, l1_ratio, kkt_target, max_epochs):
    """`_Fit.wls_step` on the Newton statistics of the current point."""
    problem = ctx.problem
    step_stats = Statistics.from_moments(moments, ctx.stats.n_samples)
    wls = _problem(step_stats, sum_weights=step_stats.sum_weights,
                   penalty_factor=problem.penalty_factor,
                   lower_bounds=problem.lower_bounds, upper_bounds=problem.upper_bounds,
                   positive=False, fit_intercept=problem.fit_intercept, standardize=False)
    wls = dataclasses.replace(wls, feature_scale=problem.feature_scale)
    total = step_stats.sum_weights
    S = ctx.stats.sum_weights
    alpha_w = alpha * S / total
    l1w, l2w = penalty_weights(problem, l1_ratio)
    direct = (not l1w.any() and problem.n_features <= DIRECT_MAX_WIDTH
              and np.isinf(problem.lower_bounds).all() and np.isinf(problem.upper_bounds).all())
    if direct:
        return _newton_on_support(wls, alpha_w, 0.0, None)
    tol = _gap_for_gradient(wls, alpha_w * l2w, 0.1 * kkt_target * S / total)
    result = solve_arrays(wls, np.array([alpha_w]), l1_ratio, tol=max(tol, 1e-16),
                          max_iter=max_epochs, coef_init=coef, warn=False)
    new_coef, new_int = result.coefs[0], float(result.intercepts[0])
    if tol < 1e-16 and np.count_nonzero(new_coef) <= DIRECT_MAX_WIDTH:
        exact = _newton_on_support(wls, alpha_w, l1_ratio, new_coef)
        if exact is not None:
            new_coef, new_int = exact
    return new_coef, new_int


def _newton_on_support(wls: Problem, alpha: float, l1_ratio: float, coef):
    """`penalized.newton._newton_on_support` from the Gram (see there)."""
    design = wls.design
    l1w, l2w = penalty_weights(wls, l1_ratio)
    p = wls.n_features
    if coef is None:
        F = np.arange(p)
        out = np.zeros(p)
    else:
        lo, hi = wls.lower_bounds, wls.upper_bounds
        F = np.flatnonzero((coef > lo) & (coef < hi) & ((coef != 0) | (l1w == 0)))
        out = coef.copy()
        out[F] = 0.0
    H = design.Q[np.ix_(F, F)].copy()
    rhs = design.q[F] - design.Q[F] @ out
    H[np.diag_indices_from(H)] += alpha * l2w[F]
    if coef is not None:
        rhs -= alpha * l1w[F] * np.sign(coef[F])
    b = np.linalg.lstsq(H, rhs, rcond=None)[0]
    if coef is not None:
        flipped = (l1w[F] > 0) & (np.sign(b) != np.sign(coef[F]))
        if flipped.any() or (b < wls.lower_bounds[F]).any() or (b > wls.upper_bounds[F]).any():
            return None
    out[F] = b
    z_mean = wls.y_mean(wls.y)
    intercept = z_mean - float(design.x_mean @ out) if wls.fit_intercept else 0.0
    return out, intercept


def _newton(ctx: _GLMContext, alphas, l1_ratio, *, tol, max_iter, max_epochs=100_000,
            coef_init=None, intercept_init=None, polish=False, warn=True):
    """`penalized.newton.solve_glm` as a generator: it yields `_Request`s and is sent each
    pass's answer, so that several models (CV folds) can share the passes. Returns (as
    StopIteration.value) the list of FitResult and the deviance of each."""
    problem, family = ctx.problem, ctx.family
    S = ctx.stats.sum_weights
    l1w, l2w = penalty_weights(problem, l1_ratio)
    b_null = ctx.null_intercept
    null = yield _Request(np.zeros(problem.n_features), b_null, ctx.fold, magnitude=True)
    grad_null = null["grad"] / S
    # kkt_tolerance reads sum_i s_i magnitude_i^2 / S: a one-point sample carries it
    tol_kkt, int_weight = kkt_tolerance(problem, np.array([S]),
                                        np.array([np.sqrt(null["magnitude"] / S)]),
                                        float(np.abs(grad_null).max(initial=0.0)), tol)
    coef = (np.zeros(problem.n_features) if coef_init is None
            else np.array(coef_init, dtype=np.float64))
    intercept = (float(intercept_init) if intercept_init is not None else b_null)
    cur = null if (coef_init is None and intercept_init is None) else \
        (yield _Request(coef, intercept, ctx.fold))
    results, losses = [], []
    lo, hi = problem.lower_bounds, problem.upper_bounds
    for alpha in np.asarray(alphas, dtype=np.float64):
        value = cur["value"] / S + _penalty(coef, alpha, l1w, l2w)
        kkt = kkt_violation(cur["grad"] / S, cur["grad0"] / S, coef, alpha, l1w, l2w, lo, hi,
                            int_weight)
        steps = 0
        extra = int(polish)
        while (kkt > tol_kkt or (extra and steps and kkt > 1e-3 * tol_kkt)) \
                and steps < max_iter:
            extra -= kkt <= tol_kkt
            target = tol_kkt if kkt > tol_kkt else 1e-4 * tol_kkt
            new_coef, new_int = _gram_step(
                ctx, cur["moments"], coef, alpha, l1_ratio, target,
                min(max_epochs, STEP_MAX_EPOCHS) if kkt > tol_kkt else max_epochs)
            if not problem.fit_intercept:
                new_int = 0.0
            coef, intercept, cur, new_value = yield from _line_search(
                ctx, alpha, l1w, l2w, coef, intercept, value, cur, new_coef, new_int)
            steps += 1
            last_kkt = kkt
            kkt = kkt_violation(cur["grad"] / S, cur["grad0"] / S, coef, alpha, l1w, l2w,
                                lo, hi, int_weight)
            stalled = new_value >= value and kkt >= 0.5 * last_kkt
            value = new_value
            if stalled:
                break
        result = FitResult(coef.copy(), intercept, steps, kkt, tol_kkt)
        if warn and not result.converged:
            _warn(alpha, family.name, max_iter, kkt, tol_kkt, steps)
        results.append(result)
        losses.append(cur["value"])
    return results, np.array(losses)


def _line_search(ctx, alpha, l1w, l2w, coef, intercept, value, cur, new_coef, new_int):
    """Backtrack from the full step until F does not increase (as newton._line_search);
    the full step and LADDER come in one pass, the rest (rare) in one more."""
    S = ctx.stats.sum_weights
    d_coef, d_int = new_coef - coef, new_int - intercept

    def accepted(loss_sum, t):
        trial_coef = new_coef if t == 1.0 else coef + t * d_coef
        trial = loss_sum / S + _penalty(trial_coef, alpha, l1w, l2w)
        return trial <= value + 1e-14 * abs(value), trial

    res = yield _Request(new_coef, new_int, ctx.fold, ladder=LADDER, back_coef=coef,
                         back_intercept=intercept)
    ok, trial = accepted(res["value"], 1.0)
    if ok:
        return new_coef, new_int, res, trial
    ts = list(LADDER)
    losses = list(res["ladder"])
    more = [0.5 ** k for k in range(len(LADDER) + 1, MAX_HALVINGS)]
    for i in range(MAX_HALVINGS - 1):
        if i == len(ts):
            if not more:
                break
            far = yield _Request(new_coef, new_int, ctx.fold, point=False,
                                 ladder=tuple(more), back_coef=coef, back_intercept=intercept)
            ts += more
            losses += list(far["ladder"])
            more = []
        t = ts[i]
        ok, trial = accepted(losses[i], t)
        if ok:
            point_coef, point_int = coef + t * d_coef, intercept + t * d_int
            at = yield _Request(point_coef, point_int, ctx.fold)
            return point_coef, point_int, at, trial
    return coef, intercept, cur, value


def _drive(generators: list, data: _Data, n_folds: int, family, classes, poisson_scale,
           primed: dict | None = None):
    """Run Newton generators in lockstep: each pass answers every live generator's request.
    primed[i] answers generator i's first request (its null model) from an earlier pass."""
    pending = {}
    done = {}
    for i, gen in enumerate(generators):
        pending[i] = next(gen)
        if primed and i in primed:
            pending[i] = gen.send(primed[i])
    while pending:
        order = sorted(pending)
        requests = [pending[i] for i in order]
        task = _tree(_blocks_task(data, _glm_block, n_folds, requests, family.name, classes,
                                  poisson_scale), _merge_glm)
        answers = _compute(task)
        pending = {}
        for i, answer in zip(order, answers, strict=True):
            try:
                pending[i] = generators[i].send(answer)
            except StopIteration as stop:
                done[i] = stop.value
    return [done[i] for i in range(len(generators))]


def _glm_null_start(ctx, data, n_folds, classes, poisson_scale, l1_ratio):
    """glm_null_fit: with unpenalized features, fit them first (KKT 1e-10)."""
    if not (ctx.problem.penalty_factor == 0.0).any():
        return None
    pinned = dataclasses.replace(ctx, problem=_pinned(ctx.problem))
    (fit,), _ = _drive([_newton(pinned, np.array([1.0]), 1.0, tol=1e-10, max_iter=100,
                                warn=False)], data, n_folds, ctx.family, classes,
                       poisson_scale)[0]
    return fit.coef, fit.intercept


def _glm_alpha_max(ctx, start, data, n_folds, classes, poisson_scale, l1_ratio):
    """`penalized.path.glm_alpha_max`: the loss gradient at the null model (one pass).
    Returns (alpha_max, the pass's answer)."""
    problem = ctx.problem
    l1w, _ = penalty_weights(problem, max(l1_ratio, RIDGE_GRID_L1_RATIO))
    coef, b0 = (np.zeros(problem.n_features), ctx.null_intercept) if start is None else start
    # at the null model this is also the Newton solver's first request (answered from it)
    req = _Request(coef, b0, ctx.fold, magnitude=start is None)
    answer = _compute(_tree(_blocks_task(data, _glm_block, n_folds, [req], ctx.family.name,
                                         classes, poisson_scale), _merge_glm))[0]
    grad = -answer["grad"] / ctx.stats.sum_weights
    return _zeroing_alpha(problem, grad, l1w, 1e-9 if start is not None else 0.0), answer


def _null_deviance(family, stats: Statistics, extra: dict, fit_intercept: bool) -> float:
    """family.deviance at the intercept-only model, from the statistics."""
    S, ybar = stats.sum_weights, stats.y_mean
    b0 = _null_intercept(family, stats, fit_intercept)
    if family.name == "binomial":
        return 2.0 * S * (np.logaddexp(0.0, b0) - ybar * b0)
    mu = float(np.exp(b0))
    return 2.0 * (extra["xlogy"] - S * ybar * b0 - S * (ybar - mu))


def _deviance(family, loss_sum: np.ndarray, stats: Statistics, extra: dict) -> np.ndarray:
    """family.deviance at each solution from its weighted loss sum."""
    if family.name == "binomial":
        return 2.0 * loss_sum
    # poisson: 2 sum w (xlogy(y, y) - y eta - (y - mu)) = 2 (xlogy + loss - sum w y)
    return 2.0 * (extra["xlogy"] + loss_sum - stats.sum_weights * stats.y_mean)


# ----------------------------------------------------------------------------------------
# the public functions


def _first_pass(data: _Data, n_folds: int):
    """The statistics pass: per-fold moments of (X, y) and the label/count extras."""
    return _compute(_tree(_blocks_task(data, _stats_block, n_folds, True), _merge_stats))


def _merge_all(moments: list) -> tuple:
    out = moments[0]
    for m in moments[1:]:
        out = _merge_moments(out, m)
    return out


def _glm_setup(family, extra, stats, classes_allowed=False):
    """Check y for the family; for the estimators, the two class labels."""
    labels = extra["labels"]
    if family.name == "binomial":
        if classes_allowed:
            if len(labels) > 2:
                raise ValueError("The Dask LogisticRegression fits two classes only "
                                 "(multinomial is in memory only).")
            if len(labels) < 2:
                raise ValueError("This solver needs samples of at least 2 classes in the "
                                 f"data, but the data contains only one class: {labels[0]!r}.")
            return labels
        if not np.isin(labels, (0.0, 1.0)).all() or len(labels) > 2:
            raise ValueError("The binomial family needs y in {0, 1}.")
        if len(labels) < 2:
            raise ValueError("The binomial family needs samples of both classes (0 and 1) in "
                             f"y; got only {labels[0]:g}.")
    elif family.name == "poisson" and extra["neg_y"]:
        raise ValueError("The poisson family needs y >= 0.")
    return None


def _encoded(stats: Statistics, classes) -> Statistics:
    """Statistics of (y == classes[1]) from those of y (an affine map of two labels)."""
    if classes is None:
        return stats
    c0, c1 = float(classes[0]), float(classes[1])
    f = 1.0 / (c1 - c0)
    return dataclasses.replace(stats, y_mean=(stats.y_mean - c0) * f, xy=stats.xy * f,
                               yy=stats.yy * f * f)


def path(X, y, l1_ratio: float = 1.0, *, family: str = "gaussian", alphas=None,
         n_alphas: int = 100, eps: float | None = None, fit_intercept: bool = True,
         standardize: bool = False, sample_weight=None, penalty_factor=None,
         lower_bounds=None, upper_bounds=None, positive: bool = False, tol: float = 1e-7,
         max_iter: int = 100_000, max_gram_bytes: float | None = None) -> Path:
    """`penalized.path` for a dask array or dataframe X (gaussian, binomial, poisson).

    Minimizes, for each alpha of a decreasing grid,

        (1 / S) sum_i s_i loss(y_i, b0 + x_i'b)
            + alpha * sum_j pf_j (l1_ratio |b_j| + (1 - l1_ratio)/2 b_j^2)

    within the bounds (loss = (y - eta)^2 / 2 for the gaussian family: scikit-learn's
    ElasticNet objective), exactly as `penalized.path` does in memory; the parameters are
    its. The gaussian path costs ONE pass over the data (the sufficient statistics), then
    runs locally on the p x p Gram. The GLMs cost two passes (statistics, null model) plus
    one per Newton step (two when the line search backtracks). X is never gathered.

    Parameters
    ----------
    X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
        Any row chunking (columns are merged into one chunk per row block).
    y : dask array (or numpy array) aligned with X's rows; with a dataframe X, a dask
        Series partitioned as X, or the name of a column of X (then not a feature).
    sample_weight : as y, optional
    max_gram_bytes : float, optional
        The client's budget for the p x p Gram (default 1 GiB, or the dask.config key
        ``penalized.max-gram-bytes``); a wider X raises ValueError.

    Returns
    -------
    Path
    """
    check_path_options(family, l1_ratio, n_alphas, eps, tol, max_iter)
    if family == "multinomial":
        raise ValueError("The multinomial family is not available on Dask; use binomial, "
                         "poisson or gaussian.")
    data = _data(X, y, sample_weight)
    check_gram_size(data.n_features, 1, max_gram_bytes)
    fam = get_family(family)
    folds, extra = _first_pass(data, 0)
    stats = Statistics.from_moments(folds[0])
    options = dict(fit_intercept=fit_intercept, standardize=standardize,
                   penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                   upper_bounds=upper_bounds, positive=positive)
    if family == "gaussian":
        problem = _problem(stats, **options)
        grid = (_grid(_alpha_max(problem, stats, l1_ratio), n_alphas, eps, stats.n_samples,
                      data.n_features) if alphas is None else check_alphas(alphas))
        return _gaussian_path(problem, l1_ratio, grid, tol, max_iter, data.feature_names)
    _glm_setup(fam, extra, stats)
    return _glm_paths(data, fam, stats, extra, options, l1_ratio, alphas, n_alphas, eps,
                      tol, max_iter, None, 0)[0]


def _glm_paths(data, fam, stats, extra, options, l1_ratio, alphas, n_alphas, eps, tol,
               max_iter, fold_stats, n_folds, classes=None, polish=False, warn=True,
               full=True):
    """GLM paths of the full data (first) and of each fold's training rows, sharing passes.
    Returns (full path or None, fold paths, grid)."""
    poisson_scale = extra["sum_y"] / stats.n_samples
    models = []  # (fold, Statistics)
    if full:
        models.append((None, stats))
    for k, fs in enumerate(fold_stats or []):
        models.append((k, fs))
    contexts = []
    for fold, st in models:
        st = _encoded(st, classes)
        problem = _problem(st, **options)
        contexts.append(_GLMContext(problem, fam, st, fold, options,
                                    _null_intercept(fam, st, options["fit_intercept"])))
    starts = [_glm_null_start(c, data, n_folds, classes, poisson_scale, l1_ratio)
              for c in contexts]
    primed = {}
    if alphas is None:
        top, answer = _glm_alpha_max(contexts[0], starts[0], data, n_folds, classes,
                                     poisson_scale, l1_ratio)
        if starts[0] is None:
            primed[0] = answer
        grid = _grid(top, n_alphas, eps, stats.n_samples, data.n_features)
    else:
        grid = check_alphas(alphas)
    gens = []
    for ctx, start in zip(contexts, starts, strict=True):
        init = {} if start is None else dict(coef_init=start[0], intercept_init=start[1])
        gens.append(_newton(ctx, grid, l1_ratio, tol=tol, max_iter=min(max_iter, 1000),
                            polish=polish, warn=warn and ctx.fold is None, **init))
    solved = _drive(gens, data, n_folds, fam, classes, poisson_scale, primed)
    paths = []
    for ctx, (fits, losses) in zip(contexts, solved, strict=True):
        null_dev = _null_deviance(fam, ctx.stats, extra, options["fit_intercept"])
        dev = _deviance(fam, losses, ctx.stats, extra)
        S = ctx.stats.sum_weights
        paths.append(Path(
            alphas=grid, coefs=np.array([r.coef for r in fits]),
            intercepts=np.array([r.intercept for r in fits]),
            dual_gaps=np.array([r.gap for r in fits]), n_iter=np.array([r.n_iter for r in fits]),
            tol=float(fits[0].tol) if fits else tol,
            dev_ratio=1.0 - dev / null_dev if null_dev > 0 else np.zeros(len(fits)),
            null_deviance=null_dev / S, l1_ratio=float(l1_ratio),
            feature_names=data.feature_names, family=fam.name))
    full_path = paths.pop(0) if full else None
    return full_path, paths, grid


GAUSSIAN_SCORINGS = ("mse", "deviance", "r2")
GLM_SCORINGS = ("deviance", "class", "mse", "mae")


def _gaussian_scores(fold_path: Path, held: Statistics, scoring: str) -> np.ndarray:
    """Held-out mse (or r2) of every solution from the held-out fold's statistics:
    mean_w (y - b0 - x'b)^2 = yy - 2 b'xy + b'xx b + (ybar - b0 - xbar'b)^2."""
    B = fold_path.coefs
    bias = held.y_mean - fold_path.intercepts - B @ held.x_mean
    mse = (held.yy - 2 * B @ held.xy + np.einsum("kj,jl,kl->k", B, held.xx, B) + bias * bias)
    if scoring == "r2":
        return 1.0 - mse / held.yy if held.yy > 0 else np.zeros(len(mse))
    return mse


def cv_path(X, y, l1_ratio: float = 1.0, *, family: str = "gaussian", alphas=None,
            n_alphas: int = 100, eps: float | None = None, cv: int = 5, fold_key=None,
            scoring: str | None = None, rule: str = "min", fit_intercept: bool = True,
            standardize: bool = False, sample_weight=None, penalty_factor=None,
            lower_bounds=None, upper_bounds=None, positive: bool = False, tol: float = 1e-7,
            max_iter: int = 100_000, full_path: bool = True,
            max_gram_bytes: float | None = None) -> CVResult:
    """`penalized.cv_path` (K-fold CV of the path) for a dask X; parameters as there.

    Folds: row block i is in fold i mod cv (fold_key=None), or a row is in fold
    hash(key) mod cv (`fold_labels`) with fold_key a dask array / Series aligned with X, or
    a column name of a dataframe X (then not a feature). For the gaussian family ONE pass
    gives every fold's statistics, each fold is fitted on the merge of the others' and scored
    ("mse", "deviance" = mse, "r2") from its own, with no further pass. The GLM folds (and
    the full path) take their Newton steps in the same passes, plus one scoring pass
    ("deviance", "class", "mse", "mae").

    Returns
    -------
    CVResult
    """
    check_path_options(family, l1_ratio, n_alphas, eps, tol, max_iter)
    if family == "multinomial":
        raise ValueError("The multinomial family is not available on Dask.")
    if isinstance(cv, bool) or not isinstance(cv, int) or cv < 2:
        raise ValueError(f"cv must be an int >= 2 (the number of folds) on Dask, got {cv!r}.")
    if rule not in ("min", "1se"):
        raise ValueError(f"rule must be 'min' or '1se', got {rule!r}.")
    glm = family != "gaussian"
    scoring = scoring or ("deviance" if glm else "mse")
    allowed = GLM_SCORINGS if glm else GAUSSIAN_SCORINGS
    if scoring not in allowed:
        raise ValueError(f"scoring must be one of {allowed} for family={family!r} on Dask, "
                         f"got {scoring!r}.")
    if isinstance(fold_key, str) and not isinstance(X, dd.DataFrame):
        raise TypeError("fold_key as a column name needs a dask dataframe X.")
    data = _data(X, y, sample_weight, fold_key)
    if fold_key is None and len(data.X) < cv:
        raise ValueError(f"cv={cv} folds by row blocks need at least {cv} blocks; X has "
                         f"{len(data.X)}. Rechunk X or pass fold_key.")
    check_gram_size(data.n_features, cv + 1, max_gram_bytes)
    fam = get_family(family)
    folds, extra = _first_pass(data, cv)
    stats = Statistics.from_moments(_merge_all(folds))
    held = [Statistics.from_moments(f, stats.n_samples) for f in folds]
    train = [Statistics.from_moments(_merge_all([f for j, f in enumerate(folds) if j != k]),
                                     stats.n_samples) for k in range(cv)]
    fold_weight = np.array([h.sum_weights for h in held])
    options = dict(fit_intercept=fit_intercept, standardize=standardize,
                   penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                   upper_bounds=upper_bounds, positive=positive)
    if not glm:
        problem = _problem(stats, **options)
        grid = (_grid(_alpha_max(problem, stats, l1_ratio), n_alphas, eps, stats.n_samples,
                      data.n_features) if alphas is None else check_alphas(alphas))
        fold_paths = [_gaussian_path(_problem(t, **options), l1_ratio, grid, tol, max_iter,
                                     data.feature_names, warn=False) for t in train]
        scores = np.array([_gaussian_scores(fp, h, scoring)
                           for fp, h in zip(fold_paths, held, strict=True)])
        full = (_gaussian_path(problem, l1_ratio, grid, tol, max_iter, data.feature_names)
                if full_path else None)
        return make_cv_result(grid, scoring, scores, fold_weight, fold_paths, full, rule)
    _glm_setup(fam, extra, stats)
    full, fold_paths, grid = _glm_paths(data, fam, stats, extra, options, l1_ratio, alphas,
                                        n_alphas, eps, tol, max_iter, train, cv,
                                        full=full_path)
    requests = [_Request(fp.coefs, fp.intercepts, k, point=False, score=True)
                for k, fp in enumerate(fold_paths)]
    answers = _compute(_tree(_blocks_task(data, _glm_block, cv, requests, fam.name, None,
                                          extra["sum_y"] / stats.n_samples), _merge_glm))
    scores = []
    for a in answers:
        s = a["score"]
        scores.append(s[scoring] / s["w"])
    return make_cv_result(grid, scoring, np.array(scores), fold_weight, fold_paths, full,
                          rule)


# ----------------------------------------------------------------------------------------
# estimators: the in-memory ones, which also accept dask X


def _lazy_linear(X, coef: np.ndarray, intercept):
    """X @ coef.T + intercept as a lazy dask collection (nothing is computed)."""
    if isinstance(X, dd.DataFrame):
        return X.map_partitions(lambda part: np.asarray(part, np.float64) @ coef.T + intercept,
                                meta=("prediction", "f8"))
    return X @ coef.T + intercept


class ElasticNet(penalized.ElasticNet):
    """`penalized.ElasticNet` that also fits a dask array / dataframe X (one pass, then the
    Gram solver; `n_passes_` = 1). Minimizes

        1 / (2 S) sum_i s_i (y_i - b0 - x_i'b)^2
            + alpha * sum_j pf_j (l1_ratio |b_j| + (1 - l1_ratio)/2 b_j^2)

    within the bounds, as in memory. `predict` on a dask X returns a lazy dask array.
    """

    @atomic_fit
    def fit(self, X, y, sample_weight=None, check_input=True):
        if not is_dask(X):
            return super().fit(X, y, sample_weight=sample_weight, check_input=check_input)
        validate_params(self)
        if self.alpha == 0:
            raise ValueError("alpha=0 is not supported on Dask; use alpha > 0.")
        data = _data(X, y, sample_weight)
        check_gram_size(data.n_features)
        with count_passes() as passes:
            folds, _ = _first_pass(data, 0)
        stats = Statistics.from_moments(folds[0])
        problem = _problem(stats, fit_intercept=self.fit_intercept,
                           standardize=self.standardize, penalty_factor=self.penalty_factor,
                           lower_bounds=self.lower_bounds, upper_bounds=self.upper_bounds,
                           positive=self.positive)
        previous = getattr(self, "coef_", None) if self.warm_start else None
        if previous is not None and np.shape(previous) != (data.n_features,):
            previous = None
        seed = None  # selection="random": visit coordinates in a fresh order each epoch
        if self.selection == "random":
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        result = solve(problem, self.alpha, self._l1_ratio(), tol=self.tol,
                       max_iter=self.max_iter, coef_init=previous, random_seed=seed)
        self.n_features_in_ = data.n_features
        if data.feature_names is not None:
            self.feature_names_in_ = data.feature_names
        self.n_iter_, self.dual_gap_ = result.n_iter, float(result.gap)
        self.n_passes_ = passes.n
        return self._store([result.coef], [result.intercept], np.float64, 1)

    def predict(self, X):
        if is_dask(X):
            return _lazy_linear(X, self.coef_, self.intercept_)
        return super().predict(X)


class Lasso(penalized.Lasso, ElasticNet):
    """`penalized.Lasso` that also fits a dask X (see `ElasticNet` here)."""

    fit = ElasticNet.fit
    predict = ElasticNet.predict


class LogisticRegression(penalized.LogisticRegression):
    """`penalized.LogisticRegression` (two classes) that also fits a dask X: minimizes

        C sum_i s_i (log(1 + e^eta_i) - y_i eta_i) + penalty

    as in memory, by proximal Newton with one pass over the data per step (`n_passes_`).
    `decision_function` / `predict` on a dask X are lazy."""

    @atomic_fit
    def fit(self, X, y, sample_weight=None):
        if not is_dask(X):
            return super().fit(X, y, sample_weight=sample_weight)
        validate_params(self)
        if self.dual:
            raise ValueError("dual=True (liblinear's dual formulation) is not provided.")
        if self.class_weight is not None:
            raise ValueError("class_weight is not supported on Dask; pass sample_weight.")
        C, l1_ratio = self._penalty()
        fam = get_family("binomial")
        labels = None
        with count_passes() as passes:
            target = X[y] if isinstance(y, str) and isinstance(X, dd.DataFrame) else y
            if np.dtype(getattr(target, "dtype", np.float64)).kind not in "biuf":
                # labels that are not numbers: one pass over y alone finds the two classes
                # (numeric labels are found in the statistics pass itself)
                labels = np.unique(np.asarray(_compute(
                    target.unique() if isinstance(target, dd.Series) else da.unique(target))))
                if len(labels) != 2:
                    raise ValueError(f"The Dask LogisticRegression fits two classes; y has "
                                     f"{len(labels)}.")
                target = (target == labels[1]).astype(np.float64)
                if isinstance(y, str):
                    X = X.drop(columns=[y])
                y = target
        data = _data(X, y, sample_weight)
        check_gram_size(data.n_features)
        options = dict(fit_intercept=self.fit_intercept, standardize=self.standardize,
                       penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
                       upper_bounds=self.upper_bounds, positive=False)
        with count_passes() as more:
            folds, extra = _first_pass(data, 0)
            stats = Statistics.from_moments(folds[0])
            classes = _glm_setup(fam, extra, stats, classes_allowed=True)
            alpha = 0.0 if np.isinf(C) else 1.0 / (C * stats.sum_weights)
            if alpha == 0.0:
                raise ValueError("C=inf (no penalty) is not supported on Dask.")
            full, _, _ = _glm_paths(data, fam, stats, extra, options, l1_ratio, [alpha], 1,
                                    None, self.tol, max(int(self.max_iter), 1), None, 0,
                                    classes=classes, polish=True)
        self.classes_ = np.asarray(classes) if labels is None else labels
        self.n_features_in_ = data.n_features
        if data.feature_names is not None:
            self.feature_names_in_ = data.feature_names
        self.coef_ = full.coefs[:1].astype(np.float64)
        self.intercept_ = full.intercepts[:1].astype(np.float64)
        self.n_iter_ = np.array([full.n_iter[0]], dtype=np.int32)
        self.n_passes_ = passes.n + more.n
        return self

    def decision_function(self, X):
        if is_dask(X):
            return _lazy_linear(X, self.coef_[0], self.intercept_[0])
        return super().decision_function(X)

    def predict(self, X):
        if is_dask(X):
            scores = self.decision_function(X)
            return scores.map_blocks(lambda s: self.classes_[(s > 0).astype(int)],
                                     dtype=self.classes_.dtype) \
                if isinstance(scores, da.Array) else \
                scores.map_partitions(lambda s: self.classes_[(s > 0).astype(int)])
        return super().predict(X)
