"""Bigger than memory: the penalized models on Dask arrays and dataframes.

Every model is the minimizer of (see DESIGN.md)

    F(b0, b) = (1 / S) sum_i s_i loss(y_i, offset_i + b0 + x_i'b)
               + alpha * sum_j pf_j s_j (l1_ratio |b_j| + (1 - l1_ratio)/2 s_j b_j^2)
    subject to lower_j <= b_j <= upper_j,

(s_i the sample weights, S their sum, loss = 1/2 (y - eta)^2 for the gaussian family), and
the data only ever enter the solver through weighted sufficient statistics:

* gaussian: ONE pass over the data computes S, the weighted means, X_c' W X_c, X_c' W y_c and
  y_c' W y_c (centred per block and merged with Chan's update, so no digits are lost to
  large means); the whole path then runs locally on that Gram matrix with the same compiled
  engine as in memory (`GramDesign`), relaxed fits (relax=True) included.
* binomial / poisson: proximal Newton as `penalized.newton.solve_glm`. A pass at a point
  returns F's loss there, its gradient (the KKT certificate) and the Gram statistics of the
  next Newton step (X_c' H X_c and X_c' H z_c); a pass that proposes a step also returns
  the loss at t = 1/2, 1/4, 1/8 along it, so one Newton iteration costs one pass whenever the
  line search accepts one of those (two when it accepts t < 1, more only past 1/8). An
  offset enters the linear predictor on the workers.
* multinomial: proximal Newton as `penalized.newton.solve_multinomial`, with its joint steps
  in all K classes: a pass returns the Gram of the joint quadratic model (sum_i s_i
  A_i (x) x~_i x~_i', width K (p + 1)) and its right-hand side, besides the loss and the
  K gradients; the polishing class cycles of single fits take one pass per class.
* cross-validation: folds are whole row blocks (block i in fold i mod K) or a hash of a key
  column; one pass returns each fold's statistics, a fold's training statistics are the merge
  of the others' (the in-memory "full minus held-out" Gram, without its cancellation), and
  the GLM folds take their Newton steps together (one pass serves every fold).

X itself is never pulled to the client: only Gram matrices and vectors come back, and a
Gram that would exceed ``max_gram_bytes`` (``dask.config`` key ``penalized.max-gram-bytes``,
1 GiB by default) is refused with a ValueError. Passes are counted (`count_passes`,
``n_passes_`` on the estimators).

`penalized.path`, `penalized.cv_path` and the estimators `penalized.Lasso`, `ElasticNet` and
`LogisticRegression` hand a dask X to this module (`fit_elastic_net`, `fit_logistic`,
`predict_lazy`); the classes defined here are those estimators under the same names.

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

from scipy.special import expit, log_softmax, logsumexp, softmax, xlogy
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

import penalized
from penalized._kernels.cd_gram import GramStore
from penalized._kernels.irls import POLISH_GOAL
from penalized._problem import Problem
from penalized._validation import (
    check_alphas,
    check_penalty_bounds,
    validate_params,
)
from penalized.design import CONSTANT_RTOL, GramDesign, _zero_constant
from penalized.families import MAX_ETA, MIN_HESSIAN, get_family
from penalized.newton import (
    DIRECT_MAX_WIDTH,
    FORCING,
    MAX_HALVINGS,
    STEP_MAX_EPOCHS,
    _best_shift,
    _gap_for_gradient,
    _helmert,
    _inner_tol,
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
    relaxed_fits,
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
    "fit_elastic_net",
    "fit_logistic",
    "fold_labels",
    "gram_statistics",
    "path",
    "predict_lazy",
]

DEFAULT_MAX_GRAM_BYTES = 2**30
SUB_BLOCK = 65_536  # rows per sub-block inside a task: bounds a task's temporaries
TREE_WIDTH = 8  # partial results merged per reduction task
LADDER = (0.5, 0.25, 0.125)  # line-search steps evaluated alongside every proposed step
POLISH_CYCLES = 3  # class cycles past the tolerance in a single multinomial fit (as newton)


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
# the data: aligned row blocks of X, y, weights, fold keys and offsets


def is_dask(obj) -> bool:
    """True for a dask array, dataframe or series."""
    return isinstance(obj, da.Array | dd.DataFrame | dd.Series)


@dataclasses.dataclass
class _Data:
    """X, y, sample weights, fold keys and offsets as lists of aligned delayed row blocks."""

    X: list
    y: list
    w: list
    key: list
    offset: list
    n_features: int
    feature_names: np.ndarray | None


def _column(obj, name: str, X, blocks_of_X):
    """A 1-D companion of X (y, weights, key, offset) as delayed blocks aligned with X's."""
    if obj is None:
        return [None] * len(blocks_of_X)
    if name == "offset" and np.ndim(obj) == 0 and not isinstance(obj, str):
        return [float(obj)] * len(blocks_of_X)  # one offset for every row, as in memory
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


def _data(X, y, sample_weight=None, fold_key=None, offset=None) -> _Data:
    """Split the inputs into aligned row blocks (no data is read here)."""
    if isinstance(X, dd.DataFrame):
        drop = [c for c in (y, sample_weight, fold_key, offset) if isinstance(c, str)]
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
    return _Data(blocks, _column(y, "y", X, blocks),
                 _column(sample_weight, "sample_weight", X, blocks),
                 _column(fold_key, "fold_key", X, blocks),
                 _column(offset, "offset", X, blocks), p, names)


def check_gram_size(n_features: int, n_grams: int = 1, max_gram_bytes: float | None = None,
                    n_classes: int | None = None) -> None:
    """Refuse a problem whose Gram matrices would not fit the client's budget.

    The Gram is p x p, or for the multinomial family (n_classes given) the joint Newton
    model's, of width n_classes * (p + 1) (all classes' coefficients and intercepts).
    """
    budget = (dask.config.get("penalized.max-gram-bytes", DEFAULT_MAX_GRAM_BYTES)
              if max_gram_bytes is None else max_gram_bytes)
    width = n_features if n_classes is None else n_classes * (n_features + 1)
    need = 8.0 * width * width * n_grams
    if need > budget:
        what = (f"n_features={n_features}" if n_classes is None else
                f"n_features={n_features} with n_classes={n_classes} (a joint multinomial "
                f"Newton model of width {width})")
        raise ValueError(
            f"{what} is too wide for the Dask backend: it solves on {n_grams} Gram "
            f"matrix(es) of width {width} held on the client ({need / 2**30:.2f} GiB), "
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
    if np.ndim(block) == 0:
        return np.full(n, float(block))
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


def _shifted_moments(m: tuple, c: np.ndarray, c0: float = 0.0) -> tuple:
    """The moments of (x, z - x'c - c0) from those of (x, z): exact algebra, no pass."""
    n, s, mx, mz, M, Mxz, Mzz = m
    Mc = M @ c
    return (n, s, mx, mz - float(mx @ c) - c0, M, Mxz - Mc,
            Mzz - 2.0 * float(c @ Mxz) + float(c @ Mc))


def _class_labels(y) -> np.ndarray:
    """Class labels of a block as a 1-D array; refuses continuous (non-integer) floats, as
    scikit-learn's check_classification_targets."""
    raw = np.asarray(y).ravel()
    if raw.dtype.kind == "f":
        if not np.isfinite(raw).all():
            raise ValueError("Input y contains NaN or infinity.")
        if (raw != np.round(raw)).any():
            raise ValueError("Unknown label type: continuous. The multinomial family and "
                             "LogisticRegression need class labels.")
    return raw


def _stats_block(X, y, w, key, offset, index, n_folds, check, classify):
    """Per-fold moments of (X, y) with the sample weights, plus what the GLMs and checks
    need: label values, the unweighted sum of y, per-fold sum w xlogy(y, y), sum w
    e^offset; with classify, the class labels' weight per fold instead of y's moments."""
    X = _dense(X)
    n = X.shape[0]
    w = _vector(w, n)
    if check:
        if not np.isfinite(X).all():
            raise ValueError("Input X contains NaN or infinity.")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("sample_weight must be finite and >= 0.")
    labels = _labels(key, index, n, n_folds)
    n_out = max(n_folds, 1)
    extra = {}
    if classify:
        raw = _class_labels(y)
        classes, codes = np.unique(raw, return_inverse=True)
        table = np.zeros((classes.shape[0], n_out))
        np.add.at(table, (codes.ravel(), labels), w)
        extra["classes"] = (classes, table)
        y = np.zeros(n)  # the X moments alone: the classes enter through the table
    else:
        y = _vector(y, n)
        if check and not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity.")
        extra.update(labels=np.unique(y)[:3], sum_y=float(y.sum()),
                     xlogy=np.bincount(labels, w * xlogy(y, y), minlength=n_out),
                     neg_y=bool((y < 0).any()))
    if offset is not None:
        off = _vector(offset, n, 0.0)
        if np.isnan(off).any():
            raise ValueError("offset contains NaN.")
        extra["exp_offset"] = float(w @ np.exp(np.minimum(off, MAX_ETA)))
    folds = [_moments(X[labels == k], y[labels == k], w[labels == k]) for k in range(n_out)]
    return folds, extra


def _merge_classes(a: tuple, b: tuple) -> tuple:
    """Union of two (labels, weight per fold) tables."""
    if a[0].shape[0] == 0:
        return b
    if b[0].shape[0] == 0:
        return a
    classes = np.unique(np.concatenate([a[0], b[0]]))
    table = np.zeros((classes.shape[0], a[1].shape[1]))
    for labels, part in (a, b):
        table[np.searchsorted(classes, labels)] += part
    return classes, table


def _merge_stats(parts):
    folds, extra = parts[0]
    folds = list(folds)
    extra = dict(extra)
    for other_folds, other in parts[1:]:
        folds = [_merge_moments(a, b) for a, b in zip(folds, other_folds, strict=True)]
        for name, value in other.items():
            if name == "labels":
                extra[name] = np.unique(np.concatenate([extra[name], value]))[:3]
            elif name == "classes":
                extra[name] = _merge_classes(extra[name], value)
            elif name == "neg_y":
                extra[name] |= value
            else:
                extra[name] = extra[name] + value
    return folds, extra


def _family_derivatives(family, y, eta, poisson_scale):
    """family.derivatives, with the Poisson Hessian floor from the mean of ALL of y (in a
    block, np.mean(y) would be the block's own)."""
    if family.name == "poisson":
        mu = family.mean(eta)
        floor = MIN_HESSIAN * poisson_scale if poisson_scale > 0 else MIN_HESSIAN
        return mu - y, np.maximum(mu, floor)
    return family.derivatives(y, eta)


def _glm_block(X, y, w, key, offset, index, n_folds, requests, family_name, classes,
               poisson_scale):
    """Answer each request of one pass on this block (see `_Request`). X is None in a pass
    of `light` requests only (which never read it)."""
    family = get_family(family_name)
    raw = np.asarray(y).ravel()
    n = raw.shape[0]
    if family_name == "multinomial":
        codes = np.searchsorted(classes, raw)
        y = np.zeros((n, classes.shape[0]))
        y[np.arange(n), codes] = 1.0
    elif classes is not None:  # two class labels -> {0, 1}
        y = (raw == classes[1]).astype(np.float64)
    else:
        y = raw.astype(np.float64)
    X = None if X is None else _dense(X)
    w = _vector(w, n)
    off = _vector(offset, n, 0.0)
    labels = _labels(key, index, n, n_folds)
    out = []
    for req in requests:
        if req.fold is None:
            wr = w
        elif req.score:
            wr = np.where(labels == req.fold, w, 0.0)  # held-out rows
        else:
            wr = np.where(labels == req.fold, 0.0, w)  # training rows
        if req.score:
            out.append({"score": _score_block(family, X, y, wr, off, req)})
        elif family_name == "multinomial":
            out.append(_multinomial_answer(X, y, wr, req))
        elif req.light:
            g, h = _family_derivatives(family, y, off + req.intercept, poisson_scale)
            out.append({"sum_g": float(wr @ g), "sum_h": float(wr @ h)})
        else:
            out.append(_point_answer(family, X, y, wr, off, req, poisson_scale))
    return out


def _point_answer(family, X, y, w, off, req, poisson_scale) -> dict:
    """Binomial / Poisson: F's pieces at req's point and the losses along its ladder."""
    res = {}
    eta = off + X @ req.coef + req.intercept
    if req.ladder:
        start = off + X @ req.back_coef + req.back_intercept
        step = eta - start
        res["ladder"] = np.array([w @ family.loss(y, start + t * step) for t in req.ladder])
    if req.point:
        g, h = _family_derivatives(family, y, eta, poisson_scale)
        wg = w * g
        res["value"] = float(w @ family.loss(y, eta))
        res["grad"] = X.T @ wg
        res["grad0"] = float(wg.sum())
        res["moments"] = _moments(X, eta - off - g / h, w * h)  # z = (eta - offset) - g/h
        if req.magnitude:
            mag = np.abs(y) + np.abs(g - y)
            res["magnitude"] = float(w @ (mag * mag))
    return res


def _softmax_loss(Y, eta):
    return logsumexp(eta, axis=1) - np.sum(Y * eta, axis=1)


def _multinomial_answer(X, Y, w, req) -> dict:
    """Multinomial: the loss, the K gradients, and (as asked) the joint Newton model's Gram
    or class `req.cls`'s one-class Newton moments at req's point; the ladder's losses."""
    res = {}
    eta = X @ req.coef.T + req.intercept
    if req.ladder:
        start = X @ req.back_coef.T + req.back_intercept
        step = eta - start
        res["ladder"] = np.array([w @ _softmax_loss(Y, start + t * step) for t in req.ladder])
    if req.point:
        P = softmax(eta, axis=1)
        R = w[:, None] * (P - Y)
        res["value"] = float(w @ _softmax_loss(Y, eta))
        res["grad"] = X.T @ R  # (p, K)
        res["grad0"] = R.sum(axis=0)
        if req.joint:
            res["joint"] = _joint_gram(X, Y, P, eta, w, req.joint_intercept)
        if req.cls is not None:
            k = req.cls
            h = np.maximum(P[:, k] * (1.0 - P[:, k]), MIN_HESSIAN)
            res["moments"] = _moments(X, eta[:, k] - (P[:, k] - Y[:, k]) / h, w * h)
    return res


def _joint_gram(X, Y, P, eta, w, intercept_columns: bool) -> list:
    """[G, q, yy, total]: the Gram, right-hand side, response square and weight of the
    joint multinomial Newton model (`newton._joint_step`), unnormalized.

    The in-memory step expands X into rows (i, l) and columns (k, j) with entries
    L[i, k, l] x_ij (L_i = Q C_i, A_i + MIN_HESSIAN QQ' = L_i L_i') and fits the response
    target_i = L_i' eta_i - C_i^-1 Q'(p_i - y_i) with row weights s_i. Its Gram is
    sum_i s_i (L_i L_i') (x) x~_i x~_i' and its right-hand side sum_i s_i (L_i target_i)
    (x) x~_i, with x~_i = (x_i, 1) when the intercepts are columns: K (K + 1) / 2 weighted
    (p + 1)-wide products per row block, without forming the (K - 1) n x K (p + 1) design.
    """
    n, K = P.shape
    p = X.shape[1]
    Q = _helmert(K)
    width = K * p + (K if intercept_columns else 0)
    G = np.zeros((width, width))
    q = np.zeros(width)
    yy = 0.0
    idx = [np.r_[np.arange(k * p, (k + 1) * p), [K * p + k] if intercept_columns else []]
           .astype(np.int64) for k in range(K)]
    for start in range(0, n, SUB_BLOCK):
        rows = slice(start, start + SUB_BLOCK)
        Ps, Ys, es, ws = P[rows], Y[rows], eta[rows], w[rows]
        A = -Ps[:, :, None] * Ps[:, None, :]
        A[:, np.arange(K), np.arange(K)] += Ps
        C = np.linalg.cholesky(Q.T @ A @ Q + MIN_HESSIAN * np.eye(K - 1))
        L = Q @ C  # (n, K, K - 1)
        u = np.linalg.solve(C, ((Ps - Ys) @ Q)[:, :, None])[:, :, 0]
        target = np.einsum("ikl,ik->il", L, es) - u
        At = L @ L.transpose(0, 2, 1)  # (n, K, K)
        r = np.einsum("ikl,il->ik", L, target)
        Xt = X[rows]
        if intercept_columns:
            Xt = np.hstack([Xt, np.ones((Xt.shape[0], 1))])
        Xt = np.asfortranarray(Xt)
        for k in range(K):
            q[idx[k]] += Xt.T @ (ws * r[:, k])
            for m in range(k, K):
                block = Xt.T @ (Xt * (ws * At[:, k, m])[:, None])
                G[np.ix_(idx[k], idx[m])] += block
                if m != k:
                    G[np.ix_(idx[m], idx[k])] += block.T
        yy += float(ws @ np.sum(target * target, axis=1))
    return [G, q, yy, float((K - 1) * w.sum())]


def _score_block(family, X, y, w, off, req):
    """Held-out sums for every alpha: sum w, deviance, misclassification, squared error."""
    if family.name == "multinomial":  # coef (n_alphas, K, p) -> pred (n, K, n_alphas)
        pred = np.einsum("ij,akj->ika", X, req.coef) + req.intercept.T[None]
        dev = np.array([2.0 * (w @ _softmax_loss(y, pred[:, :, a]))
                        for a in range(pred.shape[2])])
        wrong = pred.argmax(axis=1) != y.argmax(axis=1)[:, None]
        err = softmax(pred, axis=1) - y[:, :, None]
        return {"w": float(w.sum()), "deviance": dev, "class": w @ wrong,
                "mse": w @ (err * err).sum(axis=1), "mae": w @ np.abs(err).sum(axis=1)}
    pred = off[:, None] + X @ req.coef.T + req.intercept  # (n, n_alphas)
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
                elif k == "joint":
                    res[k] = [x + z for x, z in zip(v, b[k], strict=True)]
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


def _blocks_task(data: _Data, fn, *args, read_X: bool = True):
    block = dask.delayed(fn, pure=True)
    xs = data.X if read_X else [None] * len(data.X)
    return [block(x, y, w, k, o, i, *args)
            for i, (x, y, w, k, o) in enumerate(zip(xs, data.y, data.w, data.key,
                                                    data.offset, strict=True))]


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
    folds, _ = _first_pass(data, 0)
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
    return fit_free_features(problem, free, *_gram_root(problem.design, free))


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


def _gaussian_path(problem: Problem, l1_ratio, alphas, tol, max_iter, names, warn=True,
                   relax=False):
    """`penalized.path.compute_path` on a StatsDesign."""
    coef_init = _null_coef(problem) if (problem.penalty_factor == 0.0).any() else None
    result = solve_arrays(problem, alphas, l1_ratio, tol=tol, max_iter=max_iter,
                          coef_init=coef_init, warn=warn)
    null = result.null_rss
    relaxed = _relaxed_fits(problem, result.coefs, tol) if relax else (None, None)
    return Path(alphas=np.asarray(alphas, dtype=np.float64), coefs=result.coefs,
                intercepts=result.intercepts, dual_gaps=result.gaps, n_iter=result.n_iter,
                tol=result.tol,
                dev_ratio=1.0 - result.rss / null if null > 0 else np.zeros(len(alphas)),
                null_deviance=null, l1_ratio=float(l1_ratio), relaxed_coefs=relaxed[0],
                relaxed_intercepts=relaxed[1], feature_names=names)


def _relaxed_fits(problem: Problem, coefs: np.ndarray, tol: float):
    """`penalized.path.relaxed_fits` from the Gram: the unpenalized least-squares refit on
    each solution's active set (bounds kept), with no pass over the data. Without bounds on
    the active features the refit is the minimum-norm least-squares solution through a
    square root of the active block of the Gram (as `_null_coef`)."""

    def least_squares(active):
        return fit_free_features(problem, active, *_gram_root(problem.design, active))[active]

    return relaxed_fits(problem, coefs, tol=tol, least_squares=least_squares)


def _gram_root(design, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) with ||A x - b||^2 = x'Qx - 2 q'x + const on the columns `cols` (Q = V E V',
    A = E^1/2 V', b = E^-1/2 V'q over the non-negligible eigenvalues): the least-squares
    problem of the weighted, centred columns, from their Gram."""
    Q, q = design.Q[np.ix_(cols, cols)], design.q[cols]
    e, V = np.linalg.eigh(Q)
    keep = e > e.max(initial=0.0) * 1e-15 * len(e)
    return np.sqrt(e[keep])[:, None] * V[:, keep].T, (V[:, keep].T @ q) / np.sqrt(e[keep])


# ----------------------------------------------------------------------------------------
# GLMs: proximal Newton, one pass per step


@dataclasses.dataclass
class _Request:
    """What one model asks of a pass. fold: None (all rows), else the fold whose rows are
    held out (or, with score, the only rows used). point: F's loss, gradient and (binomial,
    poisson) the next step's Gram statistics at (coef, intercept); ladder: the loss at
    back + t (point - back) for each t; magnitude: sum w (|y| + |g - y|)^2 (the KKT
    tolerance's rounding bound); score: held-out sums for coef of shape (n_alphas, p);
    light: only sum w g and sum w h at the intercept alone (X is not read). Multinomial
    (coef (K, p), intercept (K,)): joint asks for the joint Newton model's Gram
    (joint_intercept: with the intercepts as columns), cls for class cls's moments."""

    coef: np.ndarray
    intercept: float | np.ndarray
    fold: int | None = None
    point: bool = True
    ladder: tuple = ()
    back_coef: np.ndarray | None = None
    back_intercept: float | np.ndarray = 0.0
    magnitude: bool = False
    score: bool = False
    light: bool = False
    joint: bool = False
    joint_intercept: bool = True
    cls: int | None = None


@dataclasses.dataclass
class _GLMContext:
    """What a model's Newton iterations need besides the passes."""

    problem: Problem  # with the original weights' StatsDesign (scales, KKT tolerance)
    family: object
    stats: Statistics
    fold: int | None
    options: dict
    null_intercept: float | np.ndarray


def _ask(request: _Request):
    """Yield one request; its answer comes back tagged with the Newton statistics it holds
    (a multinomial step needs to know whether they are the joint model's or a class's)."""
    answer = dict((yield request))
    answer["has_joint"] = request.point and request.joint
    answer["has_cls"] = request.cls if request.point else None
    return answer


def _null_intercept(family, stats: Statistics, fit_intercept: bool, extra: dict | None = None
                    ) -> float:
    """family.null_eta without offset (or, for poisson, with extra["exp_offset"] = sum w
    e^offset), from the weighted mean of y; the binomial with an offset iterates
    (`_offset_null_intercept`)."""
    if not fit_intercept:
        return 0.0
    if family.name == "binomial":
        return float(np.log(stats.y_mean / (1.0 - stats.y_mean)))
    if stats.y_mean <= 0:
        raise ValueError("The poisson family needs a positive (weighted) sum of y.")
    if extra is not None and "exp_offset" in extra:
        return float(np.log(stats.y_mean * stats.sum_weights / extra["exp_offset"]))
    return float(np.log(stats.y_mean))


def _offset_null_intercept(fold):
    """`Binomial.null_eta` with an offset: its Newton iterations on b0, one light pass
    each (the offset, y and weights are read, X is not)."""
    b0 = 0.0
    for _ in range(100):
        answer = yield _Request(np.zeros(0), b0, fold, point=False, light=True)
        step = answer["sum_g"] / answer["sum_h"]
        b0 -= step
        if abs(step) < 1e-12 * max(1.0, abs(b0)):
            break
    return b0


def _wls_problem(ctx: _GLMContext, moments) -> Problem:
    """The penalized least-squares problem of one Newton step (binomial, poisson, one
    multinomial class) from the step's weighted moments, with the original scales."""
    problem = ctx.problem
    step_stats = Statistics.from_moments(moments, ctx.stats.n_samples)
    wls = _problem(step_stats, sum_weights=step_stats.sum_weights,
                   penalty_factor=problem.penalty_factor,
                   lower_bounds=problem.lower_bounds, upper_bounds=problem.upper_bounds,
                   positive=False, fit_intercept=problem.fit_intercept, standardize=False)
    return dataclasses.replace(wls, feature_scale=problem.feature_scale)


def _gram_step(ctx: _GLMContext, moments, coef, alpha, l1_ratio, kkt_target, max_epochs):
    """`_Fit.wls_step` on the Newton statistics of the current point."""
    problem = ctx.problem
    wls = _wls_problem(ctx, moments)
    total = wls.sum_weights
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


def _search(ctx, objective, coef, intercept, value, cur, new_coef, new_int, want: dict):
    """Backtrack from the full step until F does not increase (as newton._line_search and
    solve_multinomial's search): the full step and LADDER come in one pass, the rest
    (rare) in one more. objective(loss_sum, coef) is F; `want` names the Newton statistics
    to gather at the accepted point. Returns (coef, intercept, answer there, F there)."""
    d_coef, d_int = new_coef - coef, new_int - intercept

    def accepted(loss_sum, t):
        # the full step is the solve's point itself: coef + (new - coef) can miss new by an
        # ulp, turning its exact zeros and bound values into interior points
        trial = objective(loss_sum, new_coef if t == 1.0 else coef + t * d_coef)
        return trial <= value + 1e-14 * abs(value), trial

    res = yield from _ask(_Request(new_coef, new_int, ctx.fold, ladder=LADDER,
                                   back_coef=coef, back_intercept=intercept, **want))
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
            far = yield from _ask(_Request(new_coef, new_int, ctx.fold, point=False,
                                           ladder=tuple(more), back_coef=coef,
                                           back_intercept=intercept))
            ts += more
            losses += list(far["ladder"])
            more = []
        t = ts[i]
        ok, trial = accepted(losses[i], t)
        if ok:
            point_coef, point_int = coef + t * d_coef, intercept + t * d_int
            at = yield from _ask(_Request(point_coef, point_int, ctx.fold, **want))
            return point_coef, point_int, at, trial
    return coef, intercept, cur, value


def _newton(ctx: _GLMContext, alphas, l1_ratio, *, tol, max_iter, max_epochs=100_000,
            coef_init=None, intercept_init=None, polish=False, warn=True):
    """`penalized.newton.solve_glm` as a generator: it yields `_Request`s and is sent each
    pass's answer, so that several models (CV folds) can share the passes. Returns (as
    StopIteration.value) the list of FitResult, the loss sum of each and that of the
    intercept-only model (for the deviances)."""
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

        def objective(loss_sum, c, alpha=alpha):
            return loss_sum / S + _penalty(c, alpha, l1w, l2w)

        value = objective(cur["value"], coef)
        kkt = kkt_violation(cur["grad"] / S, cur["grad0"] / S, coef, alpha, l1w, l2w, lo, hi,
                            int_weight)
        steps = 0
        extra = int(polish)
        while (kkt > tol_kkt or (extra and steps and kkt > POLISH_GOAL * tol_kkt)) \
                and steps < max_iter:
            extra -= kkt <= tol_kkt
            target = tol_kkt if kkt > tol_kkt else FORCING * POLISH_GOAL * tol_kkt
            new_coef, new_int = _gram_step(
                ctx, cur["moments"], coef, alpha, l1_ratio, target,
                min(max_epochs, STEP_MAX_EPOCHS) if kkt > tol_kkt else max_epochs)
            if not problem.fit_intercept:
                new_int = 0.0
            coef, intercept, cur, new_value = yield from _search(
                ctx, objective, coef, intercept, value, cur, new_coef, new_int, {})
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
    return results, np.array(losses), null["value"]


# ----------------------------------------------------------------------------------------
# multinomial: joint Newton steps in all K classes, one pass each


def _multinomial_null(class_weight: np.ndarray, fit_intercept: bool) -> np.ndarray:
    """`Multinomial.null_eta`: the log class shares, centred (zeros without intercept)."""
    if not fit_intercept:
        return np.zeros(class_weight.shape[0])
    prior = np.clip(class_weight / class_weight.sum(), 1e-12, None)
    return np.log(prior) - np.log(prior).mean()


def _multinomial_direct(problem: Problem, n_classes: int, l1_ratio: float) -> bool:
    """solve_multinomial's exact ridge steps: no l1, no bounds, a small joint model."""
    return (l1_ratio == 0.0 and n_classes * (problem.n_features + 1) <= DIRECT_MAX_WIDTH
            and np.isinf(problem.lower_bounds).all() and np.isinf(problem.upper_bounds).all())


def _null_request(ctx: _GLMContext, l1_ratio: float, polish: bool) -> _Request:
    """The multinomial generator's first request: the intercept-only model, with the
    statistics of the first step (and of a first class cycle when polishing)."""
    K = ctx.null_intercept.shape[0]
    cycles = polish and not _multinomial_direct(ctx.problem, K, l1_ratio)
    return _Request(np.zeros((K, ctx.problem.n_features)), ctx.null_intercept.copy(),
                    ctx.fold, joint=True, joint_intercept=ctx.problem.fit_intercept,
                    cls=0 if cycles else None)


def _joint_gram_step(ctx: _GLMContext, joint, coef, intercept, alpha, l1_ratio, tol,
                     max_epochs, direct):
    """`newton._joint_step` on the joint model's Gram gathered at the current point."""
    problem = ctx.problem
    K, p = coef.shape
    k0 = K if problem.fit_intercept else 0  # the intercepts: unpenalized, unbounded columns
    G, q, yy, total = joint
    width = K * p + k0

    def tiled(v, fill):
        return np.concatenate([np.tile(v, K), np.full(k0, fill)])

    stats = Statistics(ctx.stats.n_samples * (K - 1), total, np.zeros(width), 0.0, G / total,
                       q / total, yy / total)
    wls = _problem(stats, fit_intercept=False, standardize=False,
                   penalty_factor=tiled(problem.penalty_factor, 0.0),
                   lower_bounds=tiled(problem.lower_bounds, -np.inf),
                   upper_bounds=tiled(problem.upper_bounds, np.inf), positive=False)
    wls = dataclasses.replace(wls, feature_scale=tiled(problem.feature_scale, 1.0))
    init = np.concatenate([coef.ravel(), intercept if problem.fit_intercept else []])
    alpha_wls = alpha * problem.sum_weights / total
    if direct:
        new = _newton_on_support(wls, alpha_wls, 0.0, None)[0]
    else:
        new = solve_arrays(wls, np.array([alpha_wls]), l1_ratio, tol=tol,
                           max_iter=max_epochs, coef_init=init, warn=False).coefs[0]
    new_intercept = new[K * p:] if problem.fit_intercept else np.zeros(K)
    return new[:K * p].reshape(K, p), new_intercept


def _multinomial_newton(ctx: _GLMContext, alphas, l1_ratio, *, tol, max_iter,
                        max_epochs=100_000, coef_init=None, polish=False, warn=True):
    """`penalized.newton.solve_multinomial` as a generator (see `_newton`): joint steps in
    all K classes, one pass each; a single fit (polish) then takes POLISH_CYCLES class
    cycles past the tolerance, one pass per class. Returns the list of (coef (K, p),
    intercept (K,), steps, kkt, tol_kkt), the loss sum at each and at the null model."""
    problem = ctx.problem
    S = ctx.stats.sum_weights
    K, p = ctx.null_intercept.shape[0], problem.n_features
    l1w, l2w = penalty_weights(problem, l1_ratio)
    lo, hi = problem.lower_bounds, problem.upper_bounds
    unbounded = bool(np.isinf(lo).all() and np.isinf(hi).all())
    direct = _multinomial_direct(problem, K, l1_ratio)
    cycles = polish and not direct
    # where a step may end, the statistics of the next: the joint model, and class 0's
    # when a class cycle may follow
    at_end = dict(joint=True, joint_intercept=problem.fit_intercept,
                  cls=0 if cycles else None)
    null = yield from _ask(_null_request(ctx, l1_ratio, polish))
    tol_kkt, int_weight = kkt_tolerance(problem, np.array([S]), np.array([1.0]),
                                        float(np.abs(null["grad"] / S).max(initial=0.0)), tol)
    coef = np.zeros((K, p)) if coef_init is None else np.array(coef_init, dtype=np.float64)
    intercept = ctx.null_intercept.copy()
    cur = null if coef_init is None else (
        yield from _ask(_Request(coef, intercept, ctx.fold, **at_end)))
    # the point `cur` was gathered at minus the current one: a common shift of the K
    # coefficient vectors (`_best_shift`) and of the intercepts (their centring), which
    # only the class moments see; shift[p] is the intercepts'
    shift = np.zeros(p + 1)

    def violation(answer, coef, alpha):
        G, g0 = answer["grad"] / S, answer["grad0"] / S
        return max(kkt_violation(G[:, k], g0[k], coef[k], alpha, l1w, l2w, lo, hi,
                                 int_weight) for k in range(K))

    def gather(answer, **want):
        """The answer at the current point holding `want`'s statistics (a pass if not)."""
        if (not want.get("joint") or answer["has_joint"]) and (
                want.get("cls") is None or answer["has_cls"] == want["cls"]):
            return answer, False
        return (yield from _ask(_Request(coef, intercept, ctx.fold, **want))), True

    results, losses = [], []
    for alpha in np.asarray(alphas, dtype=np.float64):

        def objective(loss_sum, c, alpha=alpha):
            return loss_sum / S + sum(_penalty(c[k], alpha, l1w, l2w) for k in range(K))

        value = objective(cur["value"], coef)
        kkt = violation(cur, coef, alpha)
        steps = 0
        extra = POLISH_CYCLES if polish else 0
        while (kkt > tol_kkt or (extra and steps and kkt > POLISH_GOAL * tol_kkt)) \
                and steps < max_iter:
            extra -= kkt <= tol_kkt
            rel = kkt / tol_kkt * tol
            step_tol = _inner_tol(max(tol, 1e-3 * rel) if kkt > tol_kkt
                                  else FORCING * POLISH_GOAL * tol)
            before = value
            if not (kkt <= tol_kkt and not direct):  # a joint step
                cur, fresh = yield from gather(cur, joint=True,
                                               joint_intercept=problem.fit_intercept)
                if fresh:
                    shift[:] = 0.0
                new_coef, new_int = _joint_gram_step(
                    ctx, cur["joint"], coef, intercept, alpha, l1_ratio, step_tol,
                    min(max_epochs, STEP_MAX_EPOCHS), direct)
                moved = yield from _search(ctx, objective, coef, intercept, value, cur,
                                           new_coef, new_int, at_end)
                if moved[2] is not cur:
                    shift[:] = 0.0
                coef, intercept, cur, value = moved
            else:  # a class cycle (glmnet's), one pass per class
                epochs = min(max_epochs, STEP_MAX_EPOCHS) if kkt > tol_kkt else max_epochs
                for k in range(K):
                    cur, fresh = yield from gather(cur, cls=k)
                    if fresh:
                        shift[:] = 0.0
                    wls = _wls_problem(ctx, _shifted_moments(cur["moments"], shift[:p],
                                                             shift[p]))
                    res = solve_arrays(wls, np.array([alpha * S / wls.sum_weights]),
                                       l1_ratio, tol=step_tol, coef_init=coef[k], warn=False,
                                       max_iter=epochs)
                    new_coef, new_int = coef.copy(), intercept.copy()
                    new_coef[k] = res.coefs[0]
                    if problem.fit_intercept:
                        new_int[k] = float(res.intercepts[0])
                    want = dict(cls=k + 1) if k + 1 < K else at_end
                    moved = yield from _search(ctx, objective, coef, intercept, value, cur,
                                               new_coef, new_int, want)
                    if moved[2] is not cur:
                        shift[:] = 0.0
                    coef, intercept, cur, value = moved
            if unbounded:
                # the likelihood ignores a common shift of the K coefficient vectors: take
                # the shift that minimizes the penalty (F's loss and gradient do not move)
                c = _best_shift(coef, alpha * l1w, alpha * l2w)
                coef = coef - c
                shift[:p] += c
                value = objective(cur["value"], coef)
            steps += 1
            kkt = violation(cur, coef, alpha)
            if value >= before:
                break
        if problem.fit_intercept:  # softmax is invariant to a common shift of the intercepts
            shift[p] += intercept.mean()
            intercept = intercept - intercept.mean()
        if warn and kkt > tol_kkt:
            _warn(alpha, "multinomial", max_iter, kkt, tol_kkt, steps)
        results.append((coef.copy(), intercept.copy(), steps, kkt, tol_kkt))
        losses.append(cur["value"])
    return results, np.array(losses), null["value"]


# ----------------------------------------------------------------------------------------
# running the generators


def _drive(generators: list, data: _Data, n_folds: int, family, classes, poisson_scale,
           primed: dict | None = None):
    """Run Newton generators in lockstep: each pass answers every live generator's request.
    primed[i] answers generator i's first request (its null model) from an earlier pass."""
    pending = {}
    done = {}
    for i, gen in enumerate(generators):
        try:
            pending[i] = next(gen)
            if primed and i in primed:
                pending[i] = gen.send(primed[i])
        except StopIteration as stop:
            done[i] = stop.value
    while pending:
        order = sorted(pending)
        requests = [pending[i] for i in order]
        task = _tree(_blocks_task(data, _glm_block, n_folds, requests, family.name, classes,
                                  poisson_scale,
                                  read_X=not all(r.light for r in requests)), _merge_glm)
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
    (fit,), _, _ = _drive([_newton(pinned, np.array([1.0]), 1.0, tol=1e-10, max_iter=100,
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


def _deviance(family, loss_sum, stats: Statistics, xlogy_sum: float = 0.0):
    """family.deviance at each solution from its weighted loss sum."""
    if family.name != "poisson":
        return 2.0 * loss_sum  # the saturated loss is 0
    # poisson: 2 sum w (xlogy(y, y) - y eta - (y - mu)) = 2 (xlogy + loss - sum w y)
    return 2.0 * (xlogy_sum + loss_sum - stats.sum_weights * stats.y_mean)


# ----------------------------------------------------------------------------------------
# the public functions


def _first_pass(data: _Data, n_folds: int, classify: bool = False):
    """The statistics pass: per-fold moments of X (and y), and the label/count extras."""
    return _compute(_tree(_blocks_task(data, _stats_block, n_folds, True, classify),
                          _merge_stats))


def _merge_all(moments: list) -> tuple:
    out = moments[0]
    for m in moments[1:]:
        out = _merge_moments(out, m)
    return out


def _glm_setup(family, extra):
    """Check y for the family (binomial: y in {0, 1}; poisson: y >= 0)."""
    labels = extra["labels"]
    if family.name == "binomial":
        if not np.isin(labels, (0.0, 1.0)).all() or len(labels) > 2:
            raise ValueError("The binomial family needs y in {0, 1}.")
        if len(labels) < 2:
            raise ValueError("The binomial family needs samples of both classes (0 and 1) in "
                             f"y; got only {labels[0]:g}.")
    elif family.name == "poisson" and extra["neg_y"]:
        raise ValueError("The poisson family needs y >= 0.")


def _class_table(extra, who: str = "The multinomial family") -> tuple[np.ndarray, np.ndarray]:
    """(classes, weight of each class per fold) from the statistics pass; >= 2 classes."""
    classes, table = extra["classes"]
    if classes.shape[0] < 2:
        raise ValueError(f"{who} needs at least 2 classes in y; got {classes.shape[0]}: "
                         f"{classes!r}.")
    return classes, table


def _check_precompute(precompute) -> None:
    if not isinstance(precompute, str | bool | np.bool_) or (
            isinstance(precompute, str) and precompute != "auto"):
        raise ValueError("precompute: the Dask backend always solves on the Gram it gathers "
                         "in its pass (precompute may be True, False or 'auto'); a "
                         "precomputed Gram matrix is not accepted.")


def path(X, y, l1_ratio: float = 1.0, *, family: str = "gaussian", alphas=None,
         n_alphas: int = 100, eps: float | None = None, fit_intercept: bool = True,
         standardize: bool = False, sample_weight=None, penalty_factor=None,
         lower_bounds=None, upper_bounds=None, positive: bool = False,
         precompute="auto", tol: float = 1e-7, max_iter: int = 100_000,
         relax: bool = False, offset=None, max_gram_bytes: float | None = None) -> Path:
    """`penalized.path` for a dask array or dataframe X (every family).

    Minimizes, for each alpha of a decreasing grid,

        (1 / S) sum_i s_i loss(y_i, offset_i + b0 + x_i'b)
            + alpha * sum_j pf_j (l1_ratio |b_j| + (1 - l1_ratio)/2 b_j^2)

    within the bounds (loss = (y - eta)^2 / 2 for the gaussian family: scikit-learn's
    ElasticNet objective), exactly as `penalized.path` does in memory; the parameters are
    its, and `penalized.path` hands a dask X here. The gaussian path costs ONE pass over
    the data (the sufficient statistics), then runs locally on the p x p Gram, relaxed fits
    (relax=True) included. The binomial and poisson paths cost two passes (statistics, null
    model) plus one per Newton step (two when the line search backtracks), plus one per
    iteration of the intercept-only fit for a binomial offset; the multinomial path the
    same, on the joint model of all K classes (a Gram of width K (p + 1)). X is never
    gathered.

    Parameters
    ----------
    X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
        Any row chunking (columns are merged into one chunk per row block).
    y : dask array (or numpy array) aligned with X's rows; with a dataframe X, a dask
        Series partitioned as X, or the name of a column of X (then not a feature). Class
        labels of any type for the multinomial family.
    sample_weight, offset : as y, optional
        offset: the binomial and poisson families' fixed part of the linear predictor.
    precompute : bool or "auto"
        Accepted for the signature's sake: the Dask backend always solves on the Gram it
        gathers (a user Gram matrix is refused).
    relax : bool
        Also the relaxed fits (gaussian family, as in memory), from the same statistics.
    max_gram_bytes : float, optional
        The client's budget for the Gram (default 1 GiB, or the dask.config key
        ``penalized.max-gram-bytes``); a wider X raises ValueError.

    Returns
    -------
    Path
    """
    check_path_options(family, l1_ratio, n_alphas, eps, tol, max_iter)
    _check_precompute(precompute)
    if family != "gaussian" and relax:
        raise ValueError("relax=True is available for the gaussian family only.")
    if offset is not None and family not in ("binomial", "poisson"):
        raise ValueError("offset is for the binomial and poisson families.")
    for name, value in (("y", y), ("sample_weight", sample_weight), ("offset", offset)):
        if isinstance(value, str) and not isinstance(X, dd.DataFrame):
            raise TypeError(f"{name} as a column name needs a dask dataframe X.")
    data = _data(X, y, sample_weight, offset=offset)
    multinomial = family == "multinomial"
    # before reading anything; the multinomial width is checked again once K is known
    check_gram_size(data.n_features, 1, max_gram_bytes, n_classes=2 if multinomial else None)
    options = dict(fit_intercept=fit_intercept, standardize=standardize,
                   penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                   upper_bounds=upper_bounds, positive=positive)
    folds, extra = _first_pass(data, 0, classify=multinomial)
    stats = Statistics.from_moments(folds[0])
    if multinomial:
        classes, table = _class_table(extra)
        check_gram_size(data.n_features, 1, max_gram_bytes, n_classes=classes.shape[0])
        return _multinomial_paths(data, stats, [], classes, table, options, l1_ratio, alphas,
                                  n_alphas, eps, tol, min(max_iter, 1000), 0)[0]
    fam = get_family(family)
    if family == "gaussian":
        problem = _problem(stats, **options)
        grid = (_grid(_alpha_max(problem, stats, l1_ratio), n_alphas, eps, stats.n_samples,
                      data.n_features) if alphas is None else check_alphas(alphas))
        return _gaussian_path(problem, l1_ratio, grid, tol, max_iter, data.feature_names,
                              relax=relax)
    _glm_setup(fam, extra)
    return _glm_paths(data, fam, stats, extra, options, l1_ratio, alphas, n_alphas, eps,
                      tol, min(max_iter, 1000), [], 0, offset=offset is not None)[0]


def _others(per_fold: np.ndarray | None, fold: int | None) -> float:
    """A per-fold sum over the model's training rows: every fold, or all but `fold`."""
    if per_fold is None:
        return 0.0
    return float(np.sum(per_fold if fold is None else np.delete(per_fold, fold)))


def _glm_paths(data, fam, stats, extra, options, l1_ratio, alphas, n_alphas, eps, tol,
               max_iter, fold_stats, n_folds, classes=None, polish=False, warn=True,
               full=True, init=None, offset=False):
    """Binomial / poisson paths of the full data and of each fold's training rows, sharing
    passes. The grid always comes from the full data. init: the full model's warm start
    (coef, intercept); offset: the data carry one. Returns (full path or None, fold paths,
    grid)."""
    poisson_scale = extra.get("sum_y", 0.0) / stats.n_samples
    fit_intercept = options["fit_intercept"]
    contexts = []
    for fold, st in [(None, stats), *enumerate(fold_stats)]:
        contexts.append(_GLMContext(_problem(st, **options), fam, st, fold, options,
                                    _null_intercept(fam, st, fit_intercept,
                                                    extra if offset else None)))
    if offset and fam.name == "binomial" and fit_intercept:
        b0s = _drive([_offset_null_intercept(c.fold) for c in contexts], data, n_folds, fam,
                     classes, poisson_scale)
        for ctx, b0 in zip(contexts, b0s, strict=True):
            ctx.null_intercept = b0
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
    if init is not None:
        starts[0] = init
    gens = []
    for ctx, start in zip(contexts, starts, strict=True):
        kw = {} if start is None else dict(coef_init=start[0], intercept_init=start[1])
        gens.append(_newton(ctx, grid, l1_ratio, tol=tol, max_iter=max_iter, polish=polish,
                            warn=warn and ctx.fold is None, **kw))
    if not full:  # the full model only gave the grid
        contexts, gens = contexts[1:], gens[1:]
        primed = {}
    solved = _drive(gens, data, n_folds, fam, classes, poisson_scale, primed)
    paths = []
    for ctx, (fits, losses, null_loss) in zip(contexts, solved, strict=True):
        xlogy_sum = _others(extra.get("xlogy"), ctx.fold)
        null_dev = _deviance(fam, null_loss, ctx.stats, xlogy_sum)
        dev = _deviance(fam, losses, ctx.stats, xlogy_sum)
        paths.append(Path(
            alphas=grid, coefs=np.array([r.coef for r in fits]),
            intercepts=np.array([r.intercept for r in fits]),
            dual_gaps=np.array([r.gap for r in fits]), n_iter=np.array([r.n_iter for r in fits]),
            tol=float(fits[0].tol) if fits else tol,
            dev_ratio=1.0 - dev / null_dev if null_dev > 0 else np.zeros(len(fits)),
            null_deviance=null_dev / ctx.stats.sum_weights, l1_ratio=float(l1_ratio),
            feature_names=data.feature_names, family=fam.name))
    full_path = paths.pop(0) if full else None
    return full_path, paths, grid


def _multinomial_alpha_max(ctx, data, n_folds, classes, l1_ratio):
    """`penalized.path.glm_alpha_max` for the multinomial family: the largest over the
    classes, at the intercept-only model or (unpenalized features) at their pinned fit.
    Returns (alpha_max, the pass's answer when it was the Newton solver's first request)."""
    problem = ctx.problem
    l1w, _ = penalty_weights(problem, max(l1_ratio, RIDGE_GRID_L1_RATIO))
    free = bool((problem.penalty_factor == 0.0).any())
    if free:
        pinned = dataclasses.replace(ctx, problem=_pinned(problem))
        fits, _, _ = _drive([_multinomial_newton(pinned, np.array([1.0]), 1.0, tol=1e-10,
                                                 max_iter=100, warn=False)],
                            data, n_folds, ctx.family, classes, 0.0)[0]
        request = _Request(fits[0][0], fits[0][1], ctx.fold)
    else:
        request = _null_request(ctx, l1_ratio, polish=False)
    answer = _compute(_tree(_blocks_task(data, _glm_block, n_folds, [request], "multinomial",
                                         classes, 0.0), _merge_glm))[0]
    grad = -answer["grad"] / ctx.stats.sum_weights  # (p, K)
    # the unpenalized features' fit is iterative (KKT 1e-10): a margin well above that
    top = max(_zeroing_alpha(problem, grad[:, k], l1w, 1e-9 if free else 0.0)
              for k in range(grad.shape[1]))
    return top, None if free else answer


def _multinomial_paths(data, stats, fold_stats, classes, table, options, l1_ratio, alphas,
                       n_alphas, eps, tol, max_iter, n_folds, polish=False, warn=True,
                       full=True, coef_init=None):
    """Multinomial paths of the full data and of each fold's training rows, sharing passes
    (as `_glm_paths`); table holds each class's weight per fold."""
    fam = get_family("multinomial")
    weights = [table.sum(axis=1)] + [np.delete(table, k, axis=1).sum(axis=1)
                                     for k in range(len(fold_stats))]
    contexts = [
        _GLMContext(_problem(st, **options), fam, st, fold, options,
                    _multinomial_null(w, options["fit_intercept"]))
        for (fold, st), w in zip([(None, stats), *enumerate(fold_stats)], weights, strict=True)
    ]
    primed = {}
    if alphas is None:
        top, answer = _multinomial_alpha_max(contexts[0], data, n_folds, classes, l1_ratio)
        if answer is not None:
            primed[0] = answer
        grid = _grid(top, n_alphas, eps, stats.n_samples, data.n_features)
    else:
        grid = check_alphas(alphas)
    if not full:  # the full model only gave the grid
        contexts, primed = contexts[1:], {}
    gens = [_multinomial_newton(ctx, grid, l1_ratio, tol=tol, max_iter=max_iter, polish=polish,
                                warn=warn and ctx.fold is None,
                                coef_init=coef_init if ctx.fold is None else None)
            for ctx in contexts]
    solved = _drive(gens, data, n_folds, fam, classes, 0.0, primed)
    paths = []
    for ctx, (fits, losses, null_loss) in zip(contexts, solved, strict=True):
        coefs, intercepts, n_iter, gaps, tols = (np.array(a) for a in zip(*fits, strict=True))
        null_dev, dev = 2.0 * null_loss, 2.0 * losses
        paths.append(Path(
            alphas=grid, coefs=coefs, intercepts=intercepts, dual_gaps=gaps, n_iter=n_iter,
            tol=float(tols[0]), dev_ratio=1.0 - dev / null_dev if null_dev > 0
            else np.zeros(len(fits)), null_deviance=null_dev / ctx.stats.sum_weights,
            l1_ratio=float(l1_ratio), feature_names=data.feature_names, family=fam.name,
            classes=classes))
    full_path = paths.pop(0) if full else None
    return full_path, paths, grid


SCORINGS = {
    "gaussian": ("mse", "deviance", "r2"),
    "binomial": ("deviance", "class", "mse", "mae"),
    "poisson": ("deviance", "mse", "mae"),
    "multinomial": ("deviance", "class", "mse", "mae"),
}


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
            scoring: str | None = None, rule: str = "min", n_jobs: int | None = None,
            fit_intercept: bool = True, standardize: bool = False, sample_weight=None,
            penalty_factor=None, lower_bounds=None, upper_bounds=None, positive: bool = False,
            precompute="auto", tol: float = 1e-7, max_iter: int = 100_000,
            full_path: bool = True, progress=None,
            max_gram_bytes: float | None = None) -> CVResult:
    """`penalized.cv_path` (K-fold CV of the path) for a dask X; parameters as there.

    Folds: row block i is in fold i mod cv (fold_key=None), or a row is in fold
    hash(key) mod cv (`fold_labels`) with fold_key a dask array / Series aligned with X, or
    a column name of a dataframe X (then not a feature); cv must be an int. For the
    gaussian family ONE pass gives every fold's statistics, each fold is fitted on the
    merge of the others' and scored ("mse", "deviance" = mse, "r2") from its own, with no
    further pass. The GLM folds (and the full path) take their Newton steps in the same
    passes, plus one scoring pass ("deviance", "class" (binomial, multinomial), "mse",
    "mae"). n_jobs is accepted and unused (the cluster runs the folds); precompute as in
    `path`; progress is not available.

    Returns
    -------
    CVResult
    """
    check_path_options(family, l1_ratio, n_alphas, eps, tol, max_iter)
    _check_precompute(precompute)
    if progress is not None:
        raise ValueError("progress is not available on Dask (the folds are fitted together, "
                         "in shared passes); pass progress=None.")
    if isinstance(cv, bool) or not isinstance(cv, int) or cv < 2:
        raise ValueError(f"cv must be an int >= 2 (the number of folds) on Dask, got {cv!r}; "
                         "use fold_key to choose which rows go together.")
    if rule not in ("min", "1se"):
        raise ValueError(f"rule must be 'min' or '1se', got {rule!r}.")
    glm = family != "gaussian"
    scoring = scoring or ("deviance" if glm else "mse")
    if scoring not in SCORINGS[family]:
        raise ValueError(f"scoring must be one of {SCORINGS[family]} for family={family!r} "
                         f"on Dask, got {scoring!r}.")
    for name, value in (("y", y), ("sample_weight", sample_weight), ("fold_key", fold_key)):
        if isinstance(value, str) and not isinstance(X, dd.DataFrame):
            raise TypeError(f"{name} as a column name needs a dask dataframe X.")
    data = _data(X, y, sample_weight, fold_key)
    if fold_key is None and len(data.X) < cv:
        raise ValueError(f"cv={cv} folds by row blocks need at least {cv} blocks; X has "
                         f"{len(data.X)}. Rechunk X or pass fold_key.")
    multinomial = family == "multinomial"
    check_gram_size(data.n_features, cv + 1, max_gram_bytes,
                    n_classes=2 if multinomial else None)
    fam = get_family(family)
    folds, extra = _first_pass(data, cv, classify=multinomial)
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
    classes = None
    if multinomial:
        classes, table = _class_table(extra)
        check_gram_size(data.n_features, cv + 1, max_gram_bytes, n_classes=classes.shape[0])
        full, fold_paths, grid = _multinomial_paths(
            data, stats, train, classes, table, options, l1_ratio, alphas, n_alphas, eps, tol,
            min(max_iter, 1000), cv, full=full_path)
    else:
        _glm_setup(fam, extra)
        full, fold_paths, grid = _glm_paths(data, fam, stats, extra, options, l1_ratio,
                                            alphas, n_alphas, eps, tol, min(max_iter, 1000),
                                            train, cv, full=full_path)
    requests = [_Request(fp.coefs, fp.intercepts, k, point=False, score=True)
                for k, fp in enumerate(fold_paths)]
    answers = _compute(_tree(_blocks_task(data, _glm_block, cv, requests, fam.name, classes,
                                          extra.get("sum_y", 0.0) / stats.n_samples),
                             _merge_glm))
    scores = np.array([a["score"][scoring] / a["score"]["w"] for a in answers])
    return make_cv_result(grid, scoring, scores, fold_weight, fold_paths, full, rule)


# ----------------------------------------------------------------------------------------
# estimators: penalized.ElasticNet / Lasso / LogisticRegression hand a dask X to these


def _dtype(X) -> np.dtype:
    """The coefficients' dtype, as in memory: float32 for float32 X, else float64."""
    return np.dtype(np.float32 if getattr(X, "dtype", None) == np.float32 else np.float64)


def _set_features(model, data: _Data) -> None:
    """n_features_in_ and (string column names only, as scikit-learn) feature_names_in_."""
    model.n_features_in_ = data.n_features
    names = data.feature_names
    if names is not None and all(isinstance(name, str) for name in names):
        model.feature_names_in_ = names
    else:
        model.__dict__.pop("feature_names_in_", None)


def fit_elastic_net(model, X, y, sample_weight=None):
    """`penalized.ElasticNet.fit` (and Lasso's) for a dask X: one pass, then the Gram solver.

    Minimizes 1 / (2 S) sum_i s_i (y_i - b0 - x_i'b)^2 + alpha * sum_j pf_j (l1_ratio |b_j|
    + (1 - l1_ratio)/2 b_j^2) within the bounds, as in memory, and sets the same attributes
    plus n_passes_ (1). y is one target (a dask array / Series aligned with X, or a column
    name of a dataframe X); alpha=0 and a precomputed Gram matrix are refused.
    """
    validate_params(model)
    if model.alpha == 0:
        raise ValueError("alpha=0 is not supported on Dask; use alpha > 0.")
    _check_precompute(model.precompute)
    data = _data(X, y, sample_weight)
    check_gram_size(data.n_features)
    with count_passes() as passes:
        folds, _ = _first_pass(data, 0)
    stats = Statistics.from_moments(folds[0])
    problem = _problem(stats, fit_intercept=model.fit_intercept,
                       standardize=model.standardize, penalty_factor=model.penalty_factor,
                       lower_bounds=model.lower_bounds, upper_bounds=model.upper_bounds,
                       positive=model.positive)
    previous = getattr(model, "coef_", None) if model.warm_start else None
    if previous is not None and np.shape(previous) != (data.n_features,):
        previous = None
    seed = None  # selection="random": visit coordinates in a fresh order each epoch
    if model.selection == "random":
        seed = int(check_random_state(model.random_state).randint(np.iinfo(np.int32).max))
    result = solve(problem, model.alpha, model._l1_ratio(), tol=model.tol,
                   max_iter=model.max_iter, coef_init=previous, random_seed=seed)
    _set_features(model, data)
    model.n_iter_, model.dual_gap_ = result.n_iter, float(result.gap)
    model.n_passes_ = passes.n
    return model._store([result.coef], [result.intercept], _dtype(X), 1)


def fit_logistic(model, X, y, sample_weight=None):
    """`penalized.LogisticRegression.fit` for a dask X, two classes or more.

    Minimizes C sum_i s_i loss_i + l1_ratio ||W||_1 + (1 - l1_ratio)/2 ||W||_F^2 as in
    memory: binomial for two classes, multinomial (joint Newton steps in all K classes,
    then the same polishing class cycles) otherwise. One pass finds the classes (any
    labels) with the statistics, then one per Newton step (`n_passes_`). class_weight and
    C=np.inf are refused.
    """
    validate_params(model)
    if model.dual:
        raise ValueError("dual=True (liblinear's dual formulation) is not provided; the "
                         "primal problem is solved.")
    if model.class_weight is not None:
        raise ValueError("class_weight is not supported on Dask; fold the class weights "
                         "into sample_weight.")
    C, l1_ratio = model._penalty()
    if np.isinf(C):
        raise ValueError("C=inf (no penalty) is not supported on Dask.")
    if isinstance(y, str) and not isinstance(X, dd.DataFrame):
        raise TypeError("y as a column name needs a dask dataframe X.")
    data = _data(X, y, sample_weight)
    check_gram_size(data.n_features)
    options = dict(fit_intercept=model.fit_intercept, standardize=model.standardize,
                   penalty_factor=model.penalty_factor, lower_bounds=model.lower_bounds,
                   upper_bounds=model.upper_bounds, positive=False)
    max_iter = max(int(model.max_iter), 1)
    with count_passes() as passes:
        folds, extra = _first_pass(data, 0, classify=True)
        classes, table = extra["classes"]
        if classes.shape[0] < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, "
                             f"but the data contains only one class: {classes[0]!r}.")
        stats = Statistics.from_moments(folds[0])
        alpha = 1.0 / (C * stats.sum_weights)
        K = classes.shape[0]
        previous = getattr(model, "coef_", None) if model.warm_start else None
        if previous is not None and np.shape(previous) != (1 if K == 2 else K,
                                                           data.n_features):
            previous = None
        if K == 2:
            # the GLM problems read y only through its mean: the share of the second class
            binary = dataclasses.replace(stats, y_mean=float(table[1, 0] / stats.sum_weights))
            init = None if previous is None else (previous[0], float(model.intercept_[0]))
            full, _, _ = _glm_paths(data, get_family("binomial"), binary, {}, options,
                                    l1_ratio, [alpha], 1, None, model.tol, max_iter, [], 0,
                                    classes=classes, polish=True, init=init)
            coef, intercept = full.coefs[:1], full.intercepts[:1]
        else:
            check_gram_size(data.n_features, n_classes=K)
            full, _, _ = _multinomial_paths(data, stats, [], classes, table, options, l1_ratio,
                                            [alpha], 1, None, model.tol, max_iter, 0,
                                            polish=True, coef_init=previous)
            coef, intercept = full.coefs[0], full.intercepts[0]
    model.classes_ = classes
    _set_features(model, data)
    model.coef_ = np.asarray(coef, dtype=_dtype(X))
    model.intercept_ = np.asarray(intercept, dtype=_dtype(X))
    model.n_iter_ = np.array([full.n_iter[0]], dtype=np.int32)
    model.n_passes_ = passes.n
    return model


def _lazy_rows(model, X):
    """A dask X as a dask array with whole rows per block (lazy), checked against the fit."""
    if isinstance(X, dd.DataFrame):
        names = getattr(model, "feature_names_in_", None)
        if names is not None and list(X.columns) != list(names):
            raise ValueError("The feature names should match those that were passed during "
                             f"fit: {list(names)}, got {list(X.columns)}.")
        X = X.to_dask_array()
    elif not isinstance(X, da.Array):
        raise TypeError(f"Predicting on Dask needs a dask array or dataframe X, got "
                        f"{type(X).__name__}.")
    if X.ndim != 2 or X.shape[1] != model.n_features_in_:
        raise ValueError(f"X has {X.shape[-1]} features, but {type(model).__name__} is "
                         f"expecting {model.n_features_in_} features as input.")
    return X.rechunk({1: -1}) if len(X.chunks[1]) > 1 else X


def _predict_block(block, coef, intercept, classes, kind):
    """One row block's predictions (as the in-memory estimators' methods)."""
    scores = np.asarray(block, dtype=np.float64) @ coef.T + intercept
    if classes is None:  # a regressor
        return scores
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if kind == "decision_function":
        return scores
    if kind == "predict":
        return classes[(scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)]
    if scores.ndim == 1:
        scores = np.c_[-scores, scores] / 2.0  # softmax of (-s/2, s/2) is (1-p, p)
    return softmax(scores, axis=1) if kind == "predict_proba" else log_softmax(scores, axis=1)


def predict_lazy(model, X, kind: str = "predict"):
    """`kind` ("predict", "decision_function", "predict_proba", "predict_log_proba") of a
    fitted penalized estimator on a dask X, as a lazy dask array (nothing is computed)."""
    check_is_fitted(model)
    rows = _lazy_rows(model, X)
    coef = np.asarray(model.coef_, dtype=np.float64)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    classes = getattr(model, "classes_", None)
    if classes is not None and kind in ("predict_proba", "predict_log_proba"):
        width = classes.shape[0]
    elif classes is not None and kind == "predict":
        width = None
    else:
        width = None if coef.ndim == 1 or coef.shape[0] == 1 else coef.shape[0]
    dtype = classes.dtype if classes is not None and kind == "predict" else np.float64
    if width is None:
        return rows.map_blocks(_predict_block, coef, intercept, classes, kind, dtype=dtype,
                               drop_axis=1, meta=np.empty((0,), dtype=dtype))
    return rows.map_blocks(_predict_block, coef, intercept, classes, kind, dtype=dtype,
                           chunks=(rows.chunks[0], (width,)),
                           meta=np.empty((0, 0), dtype=dtype))


class ElasticNet(penalized.ElasticNet):
    """`penalized.ElasticNet`, which fits a dask array / dataframe X on the cluster (one
    pass, then the Gram solver; `n_passes_` = 1) and predicts lazily on one
    (`fit_elastic_net`, `predict_lazy`). Minimizes

        1 / (2 S) sum_i s_i (y_i - b0 - x_i'b)^2
            + alpha * sum_j pf_j (l1_ratio |b_j| + (1 - l1_ratio)/2 b_j^2)

    within the bounds, as in memory. Kept under this name for code that imports it here.
    """


class Lasso(penalized.Lasso):
    """`penalized.Lasso`, which fits a dask X on the cluster (see `ElasticNet` here)."""


class LogisticRegression(penalized.LogisticRegression):
    """`penalized.LogisticRegression`, which fits a dask X on the cluster (`fit_logistic`):
    minimizes

        C sum_i s_i loss_i + l1_ratio ||W||_1 + (1 - l1_ratio)/2 ||W||_F^2

    as in memory (binomial for two classes, multinomial for more), by proximal Newton with
    one pass over the data per step (`n_passes_`). decision_function / predict /
    predict_proba on a dask X are lazy."""
