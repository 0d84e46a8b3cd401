"""Lasso and ElasticNet: drop-ins for scikit-learn's classes of the same names."""

import warnings
from numbers import Real

import numpy as np
from sklearn.utils import check_random_state

from penalized._validation import Interval, dask_backend, is_dask_collection
from penalized.estimators._base import CD_CONSTRAINTS, PenalizedRegressor, atomic_fit
from penalized.solver import solve


class ElasticNet(PenalizedRegressor):
    """Linear regression with combined L1 and L2 penalties, fitted by certified coordinate descent.

    Minimizes, for each target,

        1 / (2 * n_samples) * ||y - X b - b0||^2_2
        + alpha * l1_ratio * sum_j pf_j |b_j| + 0.5 * alpha * (1 - l1_ratio) * sum_j pf_j b_j^2

    subject to lower_bounds <= b <= upper_bounds, exactly scikit-learn's ElasticNet objective
    (and glmnet's). With sample_weight the squared error is the weighted mean. With
    standardize=True each |b_j| is multiplied by s_j and b_j^2 by s_j^2, where s_j is the
    (weighted) standard deviation of column j: the same as fitting on standardized columns,
    but coef_ is always reported on the original scale.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, >= 0.
    l1_ratio : float in [0, 1], default=0.5
        1 is the lasso, 0 is ridge (with this objective's scaling).
    fit_intercept : bool, default=True
    precompute : bool, "auto" or array of shape (n_features, n_features), default=False
        Use the Gram matrix X_c' W X_c (worth its O(n_samples n_features^2) cost when many
        epochs will reuse it). "auto" does so for dense X with n_samples > 2 * n_features.
        An array must equal X_c' W X_c (centred when fit_intercept, weights summing to one).
    max_iter : int, default=1000
        Coordinate-descent epochs per fit.
    copy_X : bool, default=True
        Accepted for compatibility: X is never modified (centring is implicit).
    tol : float, default=1e-4
        Stop when the duality gap is <= tol * (weighted) variance of y, as scikit-learn does.
    warm_start : bool, default=False
        Start from the previous coef_.
    positive : bool, default=False
        Constrain coefficients to be >= 0 (same as lower_bounds=0).
    random_state : int, RandomState or None
        Seed for selection="random".
    selection : {"cyclic", "random"}, default="cyclic"
    standardize : bool, default=False
        glmnet's standardize (see above).
    penalty_factor : array of shape (n_features,), optional
        glmnet's penalty.factor: per-feature multipliers of alpha (0 leaves a feature
        unpenalized). Used as given, not rescaled to sum to n_features as glmnet does.
    lower_bounds, upper_bounds : float or array of shape (n_features,), optional
        Box constraints, lower <= 0 <= upper (glmnet's lower.limits / upper.limits).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int or list of int
        Epochs used per target.
    dual_gap_ : float or ndarray of shape (n_targets,)
        Duality gap reached (the certificate), in the units of the objective above.
    sparse_coef_ : scipy.sparse matrix
    selected_features_ : ndarray
        Indices (or names, when X had column names) of features with a non-zero coefficient
        for at least one target.
    n_features_in_, feature_names_in_
    """

    _parameter_constraints = {
        **CD_CONSTRAINTS,
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, precompute=False,
                 max_iter=1000, copy_X=True, tol=1e-4, warm_start=False, positive=False,
                 random_state=None, selection="cyclic", standardize=False,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def _l1_ratio(self) -> float:
        return float(self.l1_ratio)

    @atomic_fit
    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model by coordinate descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Sparse input is used in CSC form and never densified. A dense X that is not
            Fortran-ordered is copied once into Fortran order (unless the Gram matrix is used).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), optional
        check_input : bool, default=True
            False skips conversions (X must already be float32/float64); the checks that
            keep the kernels safe always run.

        A dask array or dataframe X (with y and sample_weight aligned with its rows) is
        fitted on its cluster: one pass, then the Gram solver (`penalized.dask`).
        """
        if is_dask_collection(X):
            return dask_backend().fit_elastic_net(self, X, y, sample_weight)
        if self.alpha == 0:
            warnings.warn(
                "With alpha=0 the problem is unpenalized least squares; coordinate descent "
                "converges slowly there. LinearRegression is the better tool.",
                UserWarning,
                stacklevel=2,
            )
        problem, dtype = self._problem(X, y, sample_weight, check_input, self.precompute)
        seed = None
        if self.selection == "random":
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        previous = getattr(self, "coef_", None) if self.warm_start else None
        if previous is not None and np.shape(previous)[-1] != problem.n_features:
            previous = None
        results = []
        for k in range(problem.n_targets):
            init = None if previous is None else np.atleast_2d(previous)[k]
            results.append(
                solve(problem, self.alpha, self._l1_ratio(), target=k, tol=self.tol,
                      max_iter=self.max_iter, coef_init=init, random_seed=seed)
            )
        self.n_iter_ = [r.n_iter for r in results]
        self.dual_gap_ = np.array([r.gap for r in results])
        if problem.y.ndim == 1:
            self.n_iter_, self.dual_gap_ = self.n_iter_[0], float(self.dual_gap_[0])
        return self._store([r.coef for r in results], [r.intercept for r in results], dtype,
                           problem.y.ndim)


class Lasso(ElasticNet):
    """Linear regression with an L1 penalty: ElasticNet with l1_ratio=1.

    Minimizes 1 / (2 * n_samples) * ||y - X b - b0||^2_2 + alpha * sum_j pf_j |b_j|, subject
    to lower_bounds <= b <= upper_bounds: scikit-learn's Lasso objective. Parameters and
    attributes as in `ElasticNet`, without l1_ratio.
    """

    _parameter_constraints = dict(CD_CONSTRAINTS)

    def __init__(self, alpha=1.0, *, fit_intercept=True, precompute=False, copy_X=True,
                 max_iter=1000, tol=1e-4, warm_start=False, positive=False, random_state=None,
                 selection="cyclic", standardize=False, penalty_factor=None,
                 lower_bounds=None, upper_bounds=None):
        super().__init__(alpha=alpha, l1_ratio=1.0, fit_intercept=fit_intercept,
                         precompute=precompute, max_iter=max_iter, copy_X=copy_X, tol=tol,
                         warm_start=warm_start, positive=positive, random_state=random_state,
                         selection=selection, standardize=standardize,
                         penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                         upper_bounds=upper_bounds)

    def _l1_ratio(self) -> float:
        return 1.0
