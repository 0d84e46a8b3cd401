"""Shared skeleton of the regressors: validate -> Problem -> solve -> store; predict/score."""

import functools
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from penalized._validation import (
    Interval,
    Options,
    build_problem,
    check_X_y,
    dask_backend,
    is_dask_collection,
    validate_params,
)


def atomic_fit(fit):
    """Make `fit` all-or-nothing: if it raises (KeyboardInterrupt included), the estimator
    gets back exactly the attributes it had, so an interrupted refit on new data cannot
    leave n_features_in_ or classes_ describing the new data beside the old coef_."""

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        saved = dict(self.__dict__)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    return wrapper


# glmnet's options, shared by every estimator
GLMNET_CONSTRAINTS = {
    "standardize": ["boolean"],
    "penalty_factor": ["array-like", None],
    "lower_bounds": [Interval(Real, None, 0, closed="right"), "array-like", None],
    "upper_bounds": [Interval(Real, 0, None, closed="left"), "array-like", None],
}
COMMON_CONSTRAINTS = {
    "alpha": [Interval(Real, 0, None, closed="left")],
    "fit_intercept": ["boolean"],
    "copy_X": ["boolean"],
    "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    "tol": [Interval(Real, 0, None, closed="left")],
    "positive": ["boolean"],
    "random_state": ["random_state"],
    **GLMNET_CONSTRAINTS,
}
CD_CONSTRAINTS = {
    **COMMON_CONSTRAINTS,
    "precompute": ["boolean", Options("auto"), "array-like"],
    "warm_start": ["boolean"],
    "selection": [Options("cyclic", "random")],
}


class PenalizedRegressor(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Base of the linear regressors: the problem setup, storage of results and prediction."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _problem(self, X, y, sample_weight, check_input=True, precompute=False):
        """Validate parameters and data once and build the frozen Problem."""
        validate_params(self)
        X, y = check_X_y(self, X, y, check_input=check_input)
        problem = build_problem(
            X, y, sample_weight=sample_weight, fit_intercept=self.fit_intercept,
            standardize=self.standardize, penalty_factor=self.penalty_factor,
            lower_bounds=self.lower_bounds, upper_bounds=self.upper_bounds,
            positive=self.positive, precompute=precompute,
        )
        return problem, X.dtype

    def _store(self, coefs, intercepts, dtype, y_ndim):
        """coef_/intercept_ shaped as scikit-learn's (1-D for a 1-D y), selected_features_."""
        coefs = np.asarray(coefs, dtype=dtype)
        intercepts = np.asarray(intercepts, dtype=np.float64)
        if y_ndim == 1:
            self.coef_ = coefs[0]
            self.intercept_ = float(intercepts[0])
        else:
            self.coef_ = coefs
            self.intercept_ = intercepts
        if not (np.isfinite(self.coef_).all() and np.isfinite(self.intercept_).all()):
            raise ValueError(
                "The fit gave non-finite coefficients; the data may contain values too large "
                "to square in floating point and need rescaling."
            )
        kept = np.flatnonzero(np.any(np.atleast_2d(self.coef_) != 0, axis=0))
        names = getattr(self, "feature_names_in_", None)
        self.selected_features_ = names[kept] if names is not None else kept
        return self

    @property
    def sparse_coef_(self):
        """coef_ as a scipy.sparse CSR matrix of shape (n_targets, n_features)."""
        return sp.csr_matrix(np.atleast_2d(self.coef_))

    def _decision_function(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32], reset=False)
        coef = np.atleast_2d(self.coef_)
        out = np.asarray(X @ coef.T) + np.atleast_1d(self.intercept_)
        return out.ravel() if np.ndim(self.coef_) == 1 else out

    def predict(self, X):
        """X @ coef_.T + intercept_, of shape (n_samples,) or (n_samples, n_targets); a lazy
        dask array for a dask X (computed block by block on its cluster)."""
        if is_dask_collection(X):
            return dask_backend().predict_lazy(self, X, "predict")
        return self._decision_function(X)
