"""The one place that checks input: parameter constraints, arrays, and the frozen Problem.

Everything below this module (solver, design, kernels) trusts what it receives: float32 or
float64 X (dense Fortran-ordered for the column kernels, CSC for the sparse one), float64
targets, weights summing to one, finite penalty factors and bounds with lower <= 0 <= upper.
"""

from functools import cache
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, validate_data
from sklearn.utils.validation import check_X_y as sk_check_X_y

from penalized._problem import Problem
from penalized.design import DenseDesign, GramDesign, SparseDesign


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter has the wrong type or value (scikit-learn raises the same pair)."""


class Interval:
    """Numbers of `kind` in [left, right] (each side open or closed; None is unbounded)."""

    def __init__(self, kind, left, right, closed="both"):
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def is_satisfied_by(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if isinstance(value, Real) and np.isnan(value):
            return False
        left_ok = self.left is None or (
            value >= self.left if self.closed in ("left", "both") else value > self.left
        )
        right_ok = self.right is None or (
            value <= self.right if self.closed in ("right", "both") else value < self.right
        )
        return left_ok and right_ok

    def __str__(self) -> str:
        kind = "an int" if self.kind is Integral else "a float"
        lb = "[" if self.closed in ("left", "both") else "("
        rb = "]" if self.closed in ("right", "both") else ")"
        left = "-inf" if self.left is None else self.left
        right = "inf" if self.right is None else self.right
        return f"{kind} in the range {lb}{left}, {right}{rb}"


class Options:
    """One of a fixed set of values."""

    def __init__(self, *values):
        self.values = values

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, str | bool | type(None)) and value in self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


_NAMED = {
    "boolean": (lambda v: isinstance(v, bool | np.bool_), "a bool"),
    "array-like": (
        lambda v: not isinstance(v, str)
        and (hasattr(v, "__len__") or hasattr(v, "__array__") or sp.issparse(v)),
        "an array-like",
    ),
    "random_state": (
        lambda v: v is None
        or (isinstance(v, Integral) and not isinstance(v, bool))
        or isinstance(v, np.random.RandomState | np.random.Generator),
        "None, an int or a numpy random state",
    ),
    "class-weight-dict": (lambda v: isinstance(v, dict), "a dict of class weights"),
    "scoring": (lambda v: isinstance(v, str) or callable(v), "a scorer name or a callable"),
    "verbose": (
        lambda v: isinstance(v, bool | np.bool_)
        or (isinstance(v, Integral) and not isinstance(v, bool) and v >= 0),
        "a bool or a non-negative int",
    ),
    "cv-object": (
        lambda v: hasattr(v, "split") or (hasattr(v, "__iter__") and not isinstance(v, str)),
        "a cross-validation splitter or an iterable of (train, test) splits",
    ),
    None: (lambda v: v is None, "None"),
}


@cache
def _param_names(cls) -> tuple[str, ...]:
    # scikit-learn reads them from the signature on every get_params: a tenth of a
    # millisecond, a few percent of a small fit
    return tuple(cls._get_param_names())


def validate_params(estimator) -> None:
    """Check every constructor parameter against estimator._parameter_constraints."""
    for name in _param_names(type(estimator)):
        value = getattr(estimator, name)
        constraints = estimator._parameter_constraints[name]
        ok = False
        for c in constraints:
            if isinstance(c, str) or c is None:
                ok = _NAMED[c][0](value)
            else:
                ok = c.is_satisfied_by(value)
            if ok:
                break
        if not ok:
            allowed = [_NAMED[c][1] if isinstance(c, str) or c is None else str(c)
                       for c in constraints]
            raise InvalidParameterError(
                f"The '{name}' parameter of {type(estimator).__name__} must be "
                f"{' or '.join(allowed)}. Got {value!r} instead."
            )


def check_sample_weight(sample_weight, n_samples: int) -> np.ndarray:
    """Raw weights as float64 (n_samples,), finite, >= 0, with a positive sum."""
    if sample_weight is None or isinstance(sample_weight, Real):
        if sample_weight is not None and not (np.isfinite(sample_weight) and sample_weight > 0):
            raise ValueError(f"sample_weight must be positive and finite, got {sample_weight}.")
        return np.ones(n_samples)
    if (isinstance(sample_weight, np.ndarray) and sample_weight.dtype == np.float64
            and sample_weight.ndim == 1 and np.isfinite(sample_weight).all()):
        sw = sample_weight.copy()  # what check_array would give, without its generic checks
    else:
        sw = check_array(sample_weight, ensure_2d=False, dtype=np.float64,
                         input_name="sample_weight", copy=True)
    if sw.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D, got an array of shape {sw.shape}.")
    if sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight.shape == {sw.shape}, expected ({n_samples},): it must have one "
            "weight per sample."
        )
    if (sw < 0).any():
        raise ValueError("Negative values in data passed to `sample_weight`: weights must be >= 0.")
    if sw.sum() <= 0:
        raise ValueError("sample_weight sums to zero: at least one sample needs a positive weight.")
    return sw


def class_codes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(classes, codes) of validated 1-D labels: classes sorted, y == classes[codes].

    Refuses what scikit-learn's check_classification_targets refuses. Integer, boolean and
    string labels, and floats that are all integers, are class labels as they are; only
    other labels go through scikit-learn's general checks (type_of_target and LabelEncoder
    were a quarter of a 1000 x 100 logistic fit's time).
    """
    kind = y.dtype.kind
    if y.ndim == 1 and (kind in "biuUS" or (kind == "f" and np.isfinite(y).all()
                                            and (y == np.floor(y)).all())):
        return np.unique(y, return_inverse=True)
    check_classification_targets(y)
    encoder = LabelEncoder()
    codes = encoder.fit_transform(y)
    return encoder.classes_, codes


def check_feature_vector(value, name: str, n_features: int, default: float) -> np.ndarray:
    """A scalar or (n_features,) vector of finite or infinite floats, as float64 (n_features,)."""
    if value is None:
        return np.full(n_features, default)
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    if arr.ndim == 0:
        arr = np.full(n_features, float(arr))
    if arr.shape != (n_features,):
        raise ValueError(
            f"{name} must be a scalar or have shape ({n_features},) (one per feature), "
            f"got shape {arr.shape}."
        )
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN.")
    return arr


def check_penalty_bounds(penalty_factor, lower_bounds, upper_bounds, positive, n_features):
    """Penalty factors (finite, >= 0) and bounds (lower <= 0 <= upper, as glmnet requires)."""
    pf = check_feature_vector(penalty_factor, "penalty_factor", n_features, 1.0)
    if not np.isfinite(pf).all() or (pf < 0).any():
        raise ValueError(
            "penalty_factor must be finite and >= 0 (to exclude a feature, set both of its "
            "bounds to 0)."
        )
    lower = check_feature_vector(lower_bounds, "lower_bounds", n_features, -np.inf)
    upper = check_feature_vector(upper_bounds, "upper_bounds", n_features, np.inf)
    if positive:
        lower = np.maximum(lower, 0.0)
    if (lower > upper).any():
        j = int(np.argmax(lower > upper))
        raise ValueError(
            f"lower_bounds[{j}] = {lower[j]} is above upper_bounds[{j}] = {upper[j]}."
        )
    if (lower > 0).any() or (upper < 0).any() or (lower == np.inf).any():
        raise ValueError(
            "lower_bounds must be <= 0 and upper_bounds >= 0 (zero must be feasible, as in "
            "glmnet's lower.limits / upper.limits)."
        )
    return pf, lower, upper


def is_dask_collection(obj) -> bool:
    """True for a dask array, dataframe or series (or any dask collection), told from its
    type's module so that dask is never imported here: such an object means dask is."""
    return type(obj).__module__.partition(".")[0] in ("dask", "dask_expr")


def dask_backend():
    """penalized.dask, imported on first use (it imports dask; `import penalized` must not)."""
    import importlib

    return importlib.import_module("penalized.dask")


def check_not_dask(X) -> None:
    """Refuse a dask X where there is no Dask backend: converting it would gather it."""
    if is_dask_collection(X):
        raise TypeError(
            "X is a dask collection, and this function or estimator has no Dask backend (it "
            "would gather X on the client). penalized.path, cv_path, Lasso, ElasticNet and "
            "LogisticRegression fit a dask X on the cluster; or pass X.compute() to fit in "
            "memory.")


def check_X_y(estimator, X, y, *, check_input: bool = True):
    """Validated (X, y): X float32/float64 dense or CSC, y float64 (n_samples[, n_targets])."""
    check_not_dask(X)
    if check_input:
        X, y = validate_data(
            estimator, X, y, accept_sparse="csc", dtype=[np.float64, np.float32],
            multi_output=True, y_numeric=True, ensure_all_finite=True,
        )
    else:
        if not (sp.issparse(X) or isinstance(X, np.ndarray)) or X.dtype not in (
            np.float32, np.float64
        ) or X.ndim != 2:
            raise TypeError(
                "With check_input=False, X must be a 2-D float32/float64 numpy array or "
                "scipy sparse matrix."
            )
        estimator.n_features_in_ = X.shape[1]
    return _canonical(X, y)


def _canonical(X, y):
    """CSC without duplicates for sparse X, float64 y of matching length."""
    if sp.issparse(X):
        X = sp.csc_matrix(X)
        if not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()
    y = np.asarray(y, dtype=np.float64)
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: {X.shape[0]} and {y.shape[0]}."
        )
    return X, y


def gram_pays(X) -> bool:
    """precompute="auto"'s rule, which single logistic fits also use for their Newton
    steps: dense X with more than twice as many samples as features.

    A Newton step then costs one BLAS product for its candidates' weighted Gram block (n k^2,
    often kept across steps) and epochs of k multiply-adds per coordinate, instead of
    epochs of n per coordinate. Measured on the binary FHT designs (single L1 fits at
    alpha_max / 20, solve times): 1000 x 100 at correlation 0.2 and 0.5 went 5.3 -> 2.5 and
    5.7 -> 2.7 ms, 5000 x 100 at 0 and 0.5 10.7 -> 6.1 and 11.9 -> 8.9 ms; where the
    solution keeps few of many candidates (correlation 0.9 and 0.95) the block costs more
    than it saves: 1.3 -> 1.6 ms at 1000 x 100, 5.4 -> 6.9 ms at 5000 x 100.
    """
    return not sp.issparse(X) and X.shape[0] > 2 * X.shape[1]


def choose_design(X, weights, fit_intercept, precompute):
    """Pick the storage: Gram when asked (or 'auto' on a dense tall X), else dense/sparse CD.

    A dense X that is not Fortran-ordered is copied once into Fortran order for the column
    kernels; the Gram path reads X in any order.
    """
    if isinstance(precompute, str):
        use_gram = gram_pays(X)
    elif isinstance(precompute, bool | np.bool_):
        use_gram = bool(precompute)
    else:
        use_gram = True
    if sp.issparse(X):
        base = SparseDesign(X, weights, fit_intercept)
    else:
        if not use_gram:
            X = np.asfortranarray(X)
        base = DenseDesign(X, weights, fit_intercept)
    if not use_gram:
        return base
    if isinstance(precompute, str | bool | np.bool_):
        return GramDesign(base)
    return GramDesign(base, check_gram(precompute, base))


def check_gram(gram, base) -> np.ndarray:
    """A user Gram must be X_c' W X_c for this X (weights and centring included)."""
    G = check_array(gram, dtype=np.float64, input_name="precompute")
    p = base.n_features
    if G.shape != (p, p):
        raise ValueError(f"precompute (the Gram matrix) must have shape ({p}, {p}), got {G.shape}.")
    j = p // 2
    col = base.rmatvec(base.matvec(np.eye(p)[j]) - base.x_mean[j])
    if not np.allclose(G[:, j], col, rtol=1e-4, atol=1e-8 * max(1.0, np.abs(col).max())):
        raise ValueError(
            "precompute (the Gram matrix) does not match X: it must equal X_c' W X_c, with X "
            "centred when fit_intercept=True and rows weighted by sample_weight / sum("
            "sample_weight)."
        )
    return G


def build_problem(X, y, *, sample_weight=None, fit_intercept=True, standardize=False,
                  penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
                  precompute=False) -> Problem:
    """The frozen Problem for already-validated X and y (see `check_X_y`)."""
    n_samples, n_features = X.shape
    raw = check_sample_weight(sample_weight, n_samples)
    weights = raw / raw.sum()
    pf, lower, upper = check_penalty_bounds(
        penalty_factor, lower_bounds, upper_bounds, positive, n_features
    )
    design = choose_design(X, weights, fit_intercept, precompute)
    # Finite entries can still overflow once squared (|x| > ~1e154): the solver's column
    # norms and gaps would be inf and its coefficients NaN.
    if not np.isfinite(design.col_sq).all():
        raise ValueError("X has values too large for float64 arithmetic (a column's sum of "
                         "squares overflows); rescale X, e.g. standardize it first.")
    y_num = np.asarray(y)
    if y_num.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            spread = weights @ np.square(y_num - (weights @ y_num if fit_intercept else 0.0))
        if not np.isfinite(spread).all():
            raise ValueError("y has values too large for float64 arithmetic (its sum of "
                             "squares overflows); rescale y.")
    scale = np.ones(n_features)
    if standardize:
        scale = np.sqrt(design.col_sq)
        scale[scale == 0.0] = 1.0  # a constant column is all zeros once centred: coef 0
    return Problem(design=design, y=y, weights=weights, penalty_factor=pf,
                   lower_bounds=lower, upper_bounds=upper, feature_scale=scale,
                   fit_intercept=bool(fit_intercept), sum_weights=float(raw.sum()))


def check_arrays(X, y, *, multi_output: bool = False):
    """Validated (X, y) for the functional API (no estimator): as `check_X_y`."""
    check_not_dask(X)
    X, y = sk_check_X_y(X, y, accept_sparse="csc", dtype=[np.float64, np.float32],
                        multi_output=multi_output, y_numeric=True, ensure_all_finite=True)
    return _canonical(X, y)


def check_alphas(alphas) -> np.ndarray:
    """User alphas as a decreasing float64 array: finite, > 0, at least one."""
    a = np.asarray(alphas)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"alphas must be numeric, got dtype {a.dtype}.")
    a = np.atleast_1d(a.astype(np.float64))
    if a.ndim != 1 or a.shape[0] == 0:
        raise ValueError(f"alphas must be a non-empty 1-D array, got shape {a.shape}.")
    if not np.isfinite(a).all() or (a <= 0).any():
        raise ValueError("alphas must be finite and > 0.")
    return np.sort(a)[::-1].copy()


def check_number(value, name: str, interval: Interval):
    """A scalar parameter of a function, checked like an estimator parameter."""
    if not interval.is_satisfied_by(value):
        raise InvalidParameterError(f"The '{name}' parameter must be {interval}. "
                                    f"Got {value!r} instead.")
    return value
