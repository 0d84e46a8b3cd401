"""Ridge and RidgeCV: drop-ins for scikit-learn's, solved in closed form."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import GridSearchCV
from sklearn.utils import check_scalar

from penalized._validation import (
    Interval,
    Options,
    check_sample_weight,
    check_X_y,
    validate_params,
)
from penalized.design import SparseDesign
from penalized.estimators._base import COMMON_CONSTRAINTS, PenalizedRegressor, atomic_fit
from penalized.ridge import SPARSE_GRAM_MAX, ridge, ridge_loo
from penalized.solver import solve


class Ridge(PenalizedRegressor):
    """Linear least squares with an L2 penalty, in scikit-learn's scaling.

    Minimizes, for each target,

        ||y - X b - b0||^2_2 + alpha * sum_j pf_j b_j^2      (weighted by sample_weight)

    -- scikit-learn's Ridge objective, *not* divided by n_samples as Lasso/ElasticNet are. It
    equals ElasticNet(alpha=alpha / n_samples, l1_ratio=0) up to a factor 2 * n_samples.
    With standardize=True b_j^2 is weighted by the column variance s_j^2 (coef_ stays on the
    original scale).

    Parameters
    ----------
    alpha : float or ndarray of shape (n_targets,), default=1.0
    fit_intercept, copy_X, max_iter, tol, random_state : as in scikit-learn
        max_iter and tol only matter to the iterative solvers ("lsqr" and the bounded
        case); copy_X is accepted for compatibility (X is never modified).
    solver : {"auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs"}
        "auto" and "cholesky": Cholesky on X'WX + alpha D when n_samples >= n_features, on
        the kernel matrix when n_features > n_samples (SVD if the system is singular);
        "svd": one SVD (rank-deficient X); "lsqr"/"sparse_cg": LSQR, which "auto" also uses
        for sparse X with more than 2000 features. "sag", "saga" and "lbfgs" (iterative in
        scikit-learn) get the exact solution of "auto". With bounds or positive=True the
        problem is solved by the certified coordinate-descent engine.
    positive : bool, default=False
    standardize, penalty_factor, lower_bounds, upper_bounds : as in ElasticNet

    Attributes
    ----------
    coef_, intercept_, n_features_in_, feature_names_in_, selected_features_
    n_iter_ : None or ndarray of shape (n_targets,)
        Iterations of the iterative solvers, None for the direct ones.
    solver_ : str
        The solver used: "cholesky", "svd", "lsqr" or "cd".
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "solver": [Options("auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga",
                           "lbfgs")],
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True, max_iter=None, tol=1e-4,
                 solver="auto", positive=False, random_state=None, standardize=False,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    @atomic_fit
    def fit(self, X, y, sample_weight=None):
        """Fit Ridge regression; X dense or sparse, y of shape (n_samples,) or (n, n_targets)."""
        if self.positive and self.solver not in ("auto", "lbfgs"):
            raise ValueError(
                f"solver='{self.solver}' does not support positive fitting. Please set the "
                "solver to 'auto' or 'lbfgs', or set `positive=False`"
            )
        problem, dtype = self._problem(X, y, sample_weight)
        alphas = np.asarray(self.alpha, dtype=np.float64)
        if alphas.ndim > 1 or (alphas.ndim == 1 and alphas.shape[0] not in (1,
                                                                          problem.n_targets)):
            raise ValueError(
                f"Number of targets and number of penalties do not correspond: "
                f"{alphas.size} != {problem.n_targets}"
            )
        if not np.isfinite(alphas).all() or (alphas < 0).any():
            raise ValueError(f"alpha must be finite and >= 0, got {self.alpha!r}.")
        alphas = np.broadcast_to(alphas, (problem.n_targets,))
        bounded = np.isfinite(problem.lower_bounds).any() or np.isfinite(
            problem.upper_bounds).any()
        sparse_wide_free = (isinstance(problem.design, SparseDesign)
                            and problem.n_features > SPARSE_GRAM_MAX
                            and (problem.penalty_factor == 0).any())
        if bounded or sparse_wide_free:
            coefs, intercepts = self._fit_cd(problem, alphas)
        else:
            solver = {"svd": "svd", "lsqr": "lsqr", "sparse_cg": "lsqr",
                      "cholesky": "cholesky"}.get(self.solver, "auto")
            tol = min(self.tol, 1e-10)
            coefs, intercepts, self.n_iter_, self.solver_ = ridge(
                problem, alphas, solver=solver, tol=tol, max_iter=self.max_iter
            )
        return self._store(coefs, intercepts, dtype, problem.y.ndim)

    def _fit_cd(self, problem, alphas):
        """Bounded ridge through the elastic-net engine (l1_ratio=0, alpha / sum of weights)."""
        results = [
            solve(problem, alphas[k] / problem.sum_weights, 0.0, target=k,
                  tol=min(self.tol, 1e-8), max_iter=self.max_iter or 10000)
            for k in range(problem.n_targets)
        ]
        self.n_iter_ = np.array([r.n_iter for r in results])
        self.solver_ = "cd"
        return [r.coef for r in results], [r.intercept for r in results]


class _Callable:
    """Constraint: any callable (a scorer)."""

    def is_satisfied_by(self, value) -> bool:
        return callable(value)

    def __str__(self) -> str:
        return "a callable"


class _CVObject:
    """Constraint: None, an int >= 2, a splitter, or an iterable of (train, test) splits."""

    def is_satisfied_by(self, value) -> bool:
        if value is None:
            return True
        if isinstance(value, Integral) and not isinstance(value, bool):
            return value >= 2
        if hasattr(value, "split") and hasattr(value, "get_n_splits"):
            return True
        return hasattr(value, "__iter__") and not isinstance(value, str)

    def __str__(self) -> str:
        return "None, an int >= 2, a CV splitter or an iterable of (train, test) splits"


class _IdentityRegressor(RegressorMixin, BaseEstimator):
    """Hands a scorer the leave-one-out predictions it is given as 'X'."""

    def predict(self, predictions):
        return predictions


class RidgeCV(PenalizedRegressor):
    """Ridge with the penalty chosen by (efficient) cross-validation; scikit-learn's RidgeCV.

    For each alpha in `alphas` the fit is Ridge's

        (b, b0) = argmin  sum_i sw_i (y_i - x_i' b - b0)^2 + alpha ||b||_2^2 ,

    and alpha is chosen to maximize a cross-validated score. With cv=None the score comes
    from exact leave-one-out (LOO): the LOO error of every sample,

        e_i(alpha) = (y_i - x_i' b - b0) / (1 - H_ii(alpha)),

    for every alpha, from one eigendecomposition of X_c X_c' (n_samples <= n_features) or of
    X_c' X_c (otherwise), or one SVD of X_c (gcv_mode="svd"); see `penalized.ridge.ridge_loo`.
    Weights and the intercept are handled as scikit-learn's _RidgeGCV does, and the default
    score is minus the mean squared LOO error, mean_i sw_i e_i^2 (-loo_mse_ at alpha_).
    Sparse X is supported exactly with cv=None: only X X' or X' X is formed, sparse-aware,
    and X itself is never densified (gcv_mode="svd" falls back to "eigen" with scikit-learn's
    FutureWarning). With cv given, GridSearchCV over `penalized.Ridge` picks alpha, exactly as
    scikit-learn does with its Ridge (our Ridge is exact for sparse X too, where scikit-learn
    uses the iterative sparse_cg).

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,) or float, default=(0.1, 1.0, 10.0)
        Penalties to try: finite and > 0 (>= 0 when cv is given).
    fit_intercept : bool, default=True
    scoring : str, callable or None, default=None
        None: minus the mean squared error with cv=None, R^2 with cv given (the estimator's
        score). A string or callable scorer, as in scikit-learn; with cv=None it scores the
        LOO predictions y_i - e_i (with sample_weight passed to the scorer).
    cv : None, int, CV splitter or iterable, default=None
        None for efficient leave-one-out.
    gcv_mode : {"auto", "svd", "eigen"} or None, default=None
        Which decomposition LOO uses; None and "auto" mean "eigen".
    store_cv_results : bool, default=False
        Keep the per-sample LOO values in cv_results_ (cv=None only).
    alpha_per_target : bool, default=False
        Choose alpha separately for each target (cv=None only).
    rule : {"min", "1se"}, default="min"
        "min": the alpha with the best score. "1se" (glmnet's lambda.1se, cv=None and
        scoring=None only): the largest alpha whose mean LOO error is within one standard
        error of the minimum, loo_mse(alpha) <= loo_mse(alpha_min) + se(alpha_min), where
        se = std(l_1, ..., l_n; ddof=1) / sqrt(n) of the per-sample losses l_i = sw_i e_i^2
        (averaged over the targets unless alpha_per_target).

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
        The chosen alpha (per target if alpha_per_target).
    best_score_ : float or ndarray of shape (n_targets,)
        The score at alpha_ (with rule="1se", at the 1se alpha).
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    cv_results_ : ndarray of shape (n_samples, n_alphas) or (n_samples, n_targets, n_alphas)
        Only with store_cv_results: the squared LOO errors sw_i e_i^2 (scoring=None), else the
        LOO predictions.
    loo_mse_ : ndarray of shape (n_alphas,) or (n_alphas, n_targets)
        cv=None only: mean_i sw_i e_i^2 for each alpha (and target), as glmnet's cvm.
    alpha_1se_ : float or ndarray of shape (n_targets,)
        cv=None only: the one-standard-error alpha defined under `rule`.
    n_features_in_, feature_names_in_ : as in scikit-learn
    """

    _parameter_constraints = {
        "alphas": ["array-like", Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "scoring": [Options(*sorted(get_scorer_names())), _Callable(), None],
        "cv": [_CVObject()],
        "gcv_mode": [Options("auto", "svd", "eigen"), None],
        "store_cv_results": ["boolean"],
        "alpha_per_target": ["boolean"],
        "rule": [Options("min", "1se")],
    }

    def __init__(self, alphas=(0.1, 1.0, 10.0), *, fit_intercept=True, scoring=None, cv=None,
                 gcv_mode=None, store_cv_results=False, alpha_per_target=False, rule="min"):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.store_cv_results = store_cv_results
        self.alpha_per_target = alpha_per_target
        self.rule = rule

    @atomic_fit
    def fit(self, X, y, sample_weight=None):
        """Fit Ridge for every alpha and keep the one cross-validation prefers.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None

        Returns
        -------
        self : RidgeCV
        """
        validate_params(self)
        alphas = self._checked_alphas()
        if self.rule == "1se" and (self.cv is not None or self.scoring is not None):
            raise ValueError(
                "rule='1se' needs cv=None and scoring=None: the standard error is that of "
                "the per-sample squared leave-one-out errors."
            )
        if self.cv is None:
            return self._fit_loo(X, y, sample_weight, alphas)
        return self._fit_grid(X, y, sample_weight, alphas)

    def _checked_alphas(self) -> np.ndarray:
        """alphas as float64 (n_alphas,): finite, > 0 (>= 0 with cv), named in errors."""
        strict = self.cv is None
        alphas = self.alphas
        if isinstance(alphas, np.ndarray | list | tuple) and np.ndim(alphas) > 0:
            if np.ndim(alphas) != 1 or len(alphas) == 0:
                raise ValueError(
                    f"alphas must be a non-empty 1-D array-like, got shape {np.shape(alphas)}."
                )
            names = [f"alphas[{i}]" for i in range(len(alphas))] if len(alphas) > 1 else [
                "alphas"]
            values = list(alphas)
        else:  # a scalar, or a 0-d array holding one
            value = alphas.item() if isinstance(alphas, np.ndarray) else alphas
            names, values = ["alphas"], [value]
        for name, value in zip(names, values, strict=True):
            # scikit-learn's own messages: "alphas[1] == -1, must be > 0.0."
            check_scalar(value, name, Real, min_val=0.0,
                         include_boundaries="neither" if strict else "left")
            if not np.isfinite(value):
                raise ValueError(f"{name} == {value}, must be finite.")
        return np.asarray(values, dtype=np.float64)

    def _fit_loo(self, X, y, sample_weight, alphas):
        X, y = check_X_y(self, X, y)
        dtype, n = X.dtype, X.shape[0]
        sw = None
        if sample_weight is not None:
            check_sample_weight(sample_weight, n)
            sw = np.broadcast_to(np.asarray(sample_weight, dtype=np.float64), (n,)).copy()
        mode = "eigen" if self.gcv_mode in (None, "auto") else self.gcv_mode
        if mode == "svd" and sp.issparse(X):
            warnings.warn(
                "The 'svd' mode is not supported for sparse X, we fallback to "
                "`gcv_mode='eigen'`. Passing `gcv_mode='svd'` on sparse X will raise an error "
                "in 1.11, use the default or pass `gcv_mode='eigen'` to suppress this warning.",
                FutureWarning, stacklevel=2,
            )
            mode = "eigen"
        path = ridge_loo(X, y, alphas, sample_weight=sw, fit_intercept=self.fit_intercept,
                         mode=mode)
        weights = np.ones(n) if sw is None else sw
        sq = weights[:, None, None] * path.errors**2  # scikit-learn's squared LOO errors
        n_targets = sq.shape[1]
        per_target = self.alpha_per_target and n_targets > 1
        if self.scoring is None:
            scores = (-sq.mean(axis=0) if per_target else -sq.mean(axis=(0, 1))[None, :])
            values = sq
        else:
            values = y.reshape(n, n_targets)[:, :, None] - path.errors
            scores = self._loo_scores(values, y, sample_weight, per_target)
        best = _first_best(scores)
        mse = sq.mean(axis=0)  # (n_targets, n_alphas)
        losses = sq if per_target else sq.mean(axis=1, keepdims=True)
        one_se = _one_standard_error(losses, best, alphas)
        chosen = one_se if self.rule == "1se" else best
        picked = np.broadcast_to(chosen, (n_targets,))
        coef = path.coefs[picked, np.arange(n_targets)]
        intercept = path.intercepts[picked, np.arange(n_targets)]
        if per_target:
            self.alpha_ = alphas[chosen]
            self.alpha_1se_ = alphas[one_se]
            self.best_score_ = scores[np.arange(n_targets), chosen]
        else:
            self.alpha_ = float(alphas[chosen[0]])
            self.alpha_1se_ = float(alphas[one_se[0]])
            score = scores[0, chosen[0]]
            # scikit-learn keeps a (1,) score for a 2-D y of one column with alpha_per_target
            self.best_score_ = np.array([score]) if self.alpha_per_target and y.ndim == 2 else (
                score)
        self.loo_mse_ = mse[0] if y.ndim == 1 else mse.T
        if y.ndim == 1 or n_targets == 1:
            self.coef_ = coef[0].astype(dtype, copy=False)
        else:
            self.coef_ = coef.astype(dtype, copy=False)
        if not self.fit_intercept:
            self.intercept_ = 0.0  # a float for every y shape, as scikit-learn's
        elif y.ndim == 1:
            self.intercept_ = float(intercept[0])
        else:
            self.intercept_ = intercept.astype(dtype, copy=False)
        if self.store_cv_results:
            results = values[:, 0, :] if y.ndim == 1 else values
            self.cv_results_ = results.astype(dtype, copy=False)
        elif hasattr(self, "cv_results_"):
            del self.cv_results_
        return self

    def _loo_scores(self, predictions, y, sample_weight, per_target):
        """Scorer values (n_groups, n_alphas) of the LOO predictions, as _RidgeGCV computes."""
        scorer = check_scoring(self, scoring=self.scoring)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        identity = _IdentityRegressor()
        n_alphas = predictions.shape[2]
        if per_target:
            return np.array([[scorer(identity, predictions[:, k, a], y[:, k], **kwargs)
                              for a in range(n_alphas)] for k in range(y.shape[1])])
        shaped = predictions[:, 0, :] if y.ndim == 1 else predictions
        return np.array([[scorer(identity, shaped[..., a], y, **kwargs)
                          for a in range(n_alphas)]])

    def _fit_grid(self, X, y, sample_weight, alphas):
        if self.store_cv_results:
            raise ValueError("cv!=None and store_cv_results=True are incompatible")
        if self.alpha_per_target:
            raise ValueError("cv!=None and alpha_per_target=True are incompatible")
        search = GridSearchCV(Ridge(fit_intercept=self.fit_intercept), {"alpha": alphas},
                              cv=self.cv, scoring=self.scoring)
        params = {} if sample_weight is None else {"sample_weight": sample_weight}
        search.fit(X, y, **params)
        best = search.best_estimator_
        self.alpha_ = float(best.alpha)
        self.best_score_ = search.best_score_
        self.coef_ = best.coef_
        self.intercept_ = best.intercept_
        self.n_features_in_ = best.n_features_in_
        for name in ("feature_names_in_", "cv_results_", "loo_mse_", "alpha_1se_"):
            if hasattr(self, name):
                delattr(self, name)
        if hasattr(best, "feature_names_in_"):
            self.feature_names_in_ = best.feature_names_in_
        return self


def _first_best(scores: np.ndarray) -> np.ndarray:
    """Per row, the first index of the highest score (strict '>' as scikit-learn's loop)."""
    best = np.zeros(scores.shape[0], dtype=np.intp)
    rows = np.arange(scores.shape[0])
    for a in range(1, scores.shape[1]):
        better = scores[:, a] > scores[rows, best]
        best[better] = a
    return best


def _one_standard_error(losses: np.ndarray, best: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """glmnet's 1se rule on per-sample losses (n_samples, n_groups, n_alphas).

    For each group g: the largest alpha with mean(l) <= mean(l)[best] + se[best], where
    se = std(l, ddof=1) / sqrt(n_samples). The best alpha always qualifies (also when se is
    NaN for a single sample).
    """
    n = losses.shape[0]
    mean = losses.mean(axis=0)
    se = losses.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(mean)
    rows = np.arange(mean.shape[0])
    threshold = mean[rows, best] + se[rows, best]
    ok = mean <= threshold[:, None]
    ok[rows, best] = True
    # Among the qualifying alphas, the largest (the first of equal ones).
    masked = np.where(ok, alphas[None, :], -np.inf)
    return np.argmax(masked, axis=1)
