"""PoissonRegressor: scikit-learn's interface plus the L1 and elastic-net penalties."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from penalized._validation import (
    Interval,
    Options,
    build_problem,
    check_not_dask,
    check_sample_weight,
    validate_params,
)
from penalized.estimators._base import GLMNET_CONSTRAINTS, atomic_fit
from penalized.families import Poisson
from penalized.newton import solve_glm


class PoissonRegressor(RegressorMixin, BaseEstimator):
    """Poisson regression (log link) with an elastic-net penalty.

    Minimizes

        1 / (2 S) sum_i s_i deviance(y_i, exp(b0 + x_i'b))
            + alpha (l1_ratio ||b||_1 + (1 - l1_ratio)/2 ||b||^2),

    scikit-learn's PoissonRegressor objective when l1_ratio=0 (its only case), plus the L1
    and elastic-net penalties it lacks, and glmnet's standardize, penalty_factor and bounds.
    Solved by proximal Newton on the coordinate-descent engine (stops when the KKT
    violation is at most tol times the largest gradient of the intercept-only model).
    `solver` and `verbose` are accepted for compatibility. y must be >= 0 with a positive
    (weighted) sum.

    Attributes
    ----------
    coef_, intercept_, n_iter_ (Newton steps), n_features_in_, feature_names_in_
    """

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1)],
        "fit_intercept": ["boolean"],
        "solver": [Options("lbfgs", "newton-cholesky")],
        "max_iter": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        **GLMNET_CONSTRAINTS,
    }

    def __init__(self, *, alpha=1.0, l1_ratio=0.0, fit_intercept=True, solver="lbfgs",
                 max_iter=100, tol=1e-4, warm_start=False, verbose=0, standardize=False,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.positive_only = True
        return tags

    @atomic_fit
    def fit(self, X, y, sample_weight=None):
        validate_params(self)
        check_not_dask(X)  # no Dask backend here: converting would gather X
        X, y = validate_data(self, X, y, accept_sparse="csc", dtype=[np.float64, np.float32],
                             y_numeric=True, ensure_all_finite=True)
        y = np.asarray(y, dtype=np.float64)
        if (y < 0).any():
            raise ValueError("Some value(s) of y are negative which is not allowed for "
                             "Poisson regression.")
        sw = check_sample_weight(sample_weight, X.shape[0])
        if not sw @ y > 0:
            raise ValueError("Poisson regression needs a positive (weighted) sum of y.")
        problem = build_problem(
            X, y, sample_weight=sw, fit_intercept=self.fit_intercept,
            standardize=self.standardize, penalty_factor=self.penalty_factor,
            lower_bounds=self.lower_bounds, upper_bounds=self.upper_bounds,
        )
        warm = self.warm_start and hasattr(self, "coef_") and self.coef_.shape == (X.shape[1],)
        result = solve_glm(
            problem, Poisson(), np.array([self.alpha]), self.l1_ratio, tol=self.tol,
            max_iter=self.max_iter, coef_init=self.coef_ if warm else None,
            intercept_init=self.intercept_ if warm else None, polish=True,
        )[0]
        self.coef_ = result.coef
        self.intercept_ = float(result.intercept)
        self.n_iter_ = int(result.n_iter)
        return self

    def predict(self, X):
        """The predicted mean exp(b0 + X b)."""
        check_is_fitted(self)
        check_not_dask(X)
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32], reset=False)
        return np.exp(np.asarray(X @ self.coef_).ravel() + self.intercept_)

    def score(self, X, y, sample_weight=None):
        """D^2, the fraction of Poisson deviance explained (scikit-learn's score)."""
        from sklearn.metrics import d2_tweedie_score

        return d2_tweedie_score(y, self.predict(X), sample_weight=sample_weight, power=1)
