"""Choosing alpha inside the estimator: LassoCV and ElasticNetCV (K-fold CV, with the 1-SE
rule) and LassoIC (AIC / BIC)."""

import dataclasses
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from penalized._validation import (
    Interval,
    Options,
    build_problem,
    check_alphas,
    check_sample_weight,
    check_X_y,
    validate_params,
)
from penalized.design import GramDesign
from penalized.estimators._base import CD_CONSTRAINTS, PenalizedRegressor, atomic_fit
from penalized.path import alpha_grid, compute_path
from penalized.selection import (
    cross_validate_path,
    information_criteria,
    make_cv_result,
    make_folds,
    ols_noise_variance,
)
from penalized.solver import solve

_CV_CONSTRAINTS = {
    **{k: v for k, v in CD_CONSTRAINTS.items() if k not in ("alpha", "warm_start")},
    "eps": [Interval(Real, 0, 1, closed="neither")],
    "alphas": [Interval(Integral, 1, None), "array-like"],
    "cv": [Interval(Integral, 2, None), "cv-object", None],
    "verbose": ["boolean", Interval(Integral, 0, None)],
    "n_jobs": [Interval(Integral, None, None), None],
    "rule": [Options("min", "1se")],
}


def _one_target(y: np.ndarray, name: str) -> np.ndarray:
    """y as 1-D: a column vector is raveled with scikit-learn's DataConversionWarning; a
    matrix of several targets is refused."""
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected; it is "
                      "raveled.", DataConversionWarning, stacklevel=3)
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D for {name}, got shape {y.shape}: fit one target at "
                         "a time.")
    return y


class _SingleTargetRegressor(PenalizedRegressor):
    """The penalty-choosing regressors fit one target at a time, as scikit-learn's."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        return tags


class ElasticNetCV(_SingleTargetRegressor):
    """Elastic net with alpha (and l1_ratio) chosen by K-fold cross-validation.

    For each l1_ratio, the path of ElasticNet's objective

        1 / (2 n_samples) ||y - X b - b0||^2 + alpha l1_ratio sum_j pf_j |b_j|
            + alpha (1 - l1_ratio) / 2 sum_j pf_j b_j^2,   lower_bounds <= b <= upper_bounds

    is fitted on each training fold over one grid (from the full data), scored by the
    held-out mean squared error, and the model is refitted on all the data at the chosen
    alpha. Parameters and attributes are scikit-learn's; the extras are glmnet's
    standardize, penalty_factor, lower_bounds, upper_bounds and `rule`.

    Parameters
    ----------
    l1_ratio : float or list of float in [0, 1], default=0.5
        Several values are all cross-validated; the best pair (l1_ratio, alpha) wins.
    eps : float, default=1e-3
        The automatic grid runs from alpha_max (exact) to eps * alpha_max.
    alphas : int or array-like, default=100
        Grid size, or the grid itself (sorted in decreasing order).
    cv : int, splitter or iterable, default=None
        None is 5-fold KFold, as scikit-learn.
    n_jobs : int, optional
        Folds run in that many threads.
    rule : {"min", "1se"}, default="min"
        "min" takes the alpha with the smallest mean held-out error over folds (scikit-learn's
        choice); "1se" the largest alpha whose mean error is within one standard error of
        that minimum (glmnet's lambda.1se), a sparser model.
    (the others as in ElasticNet)

    Attributes
    ----------
    alpha_, l1_ratio_ : float
        The chosen penalty.
    alpha_min_, alpha_1se_ : float
        The alphas of both rules (for the chosen l1_ratio).
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
    cv_result_ : CVResult
        Means, standard errors, fold paths and selection frequencies (chosen l1_ratio).
    coef_, intercept_, dual_gap_, n_iter_, selected_features_
        Of the refit on all the data.
    """

    _parameter_constraints = {**_CV_CONSTRAINTS,
                              "l1_ratio": [Interval(Real, 0, 1), "array-like"]}

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, alphas=100, fit_intercept=True,
                 precompute="auto", max_iter=1000, tol=1e-4, cv=None, copy_X=True, verbose=0,
                 n_jobs=None, positive=False, random_state=None, selection="cyclic",
                 standardize=False, penalty_factor=None, lower_bounds=None, upper_bounds=None,
                 rule="min"):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.rule = rule

    def _l1_ratios(self) -> np.ndarray:
        ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))
        if ratios.ndim != 1 or ratios.size == 0 or not ((ratios >= 0) & (ratios <= 1)).all():
            raise ValueError("l1_ratio must be a float or a list of floats in [0, 1].")
        return ratios

    @atomic_fit
    def fit(self, X, y, sample_weight=None):
        """Cross-validate the path(s), then refit on all the data at the chosen alpha.

        A dense X is never copied for a fold (see `penalized.selection`); a sparse X is
        fitted on a row-sliced copy of each fold's training rows.
        """
        validate_params(self)
        ratios = self._l1_ratios()
        X, y = check_X_y(self, X, y)
        y = _one_target(y, type(self).__name__)
        options = dict(fit_intercept=self.fit_intercept, standardize=self.standardize,
                       penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
                       upper_bounds=self.upper_bounds, positive=self.positive)
        problem = build_problem(X, y, sample_weight=sample_weight, precompute=self.precompute,
                                **options)
        raw_w = check_sample_weight(sample_weight, X.shape[0])
        folds = make_folds(5 if self.cv is None else self.cv, X, y)
        use_gram = isinstance(problem.design, GramDesign)
        grids, scores_all, results = [], [], []
        for ratio in ratios:
            grid = (alpha_grid(problem, ratio, int(self.alphas), self.eps)
                    if isinstance(self.alphas, Integral) else check_alphas(self.alphas))
            paths, scores, fold_weight = cross_validate_path(
                options, X, y, raw_w, folds, ratio, grid, tol=self.tol,
                max_iter=self.max_iter, scoring="mse", use_gram=use_gram, n_jobs=self.n_jobs,
            )
            grids.append(grid)
            scores_all.append(scores)
            # the plain mean over folds, as scikit-learn's LassoCV (cv_path weights each
            # fold by its share of the samples, as glmnet's cvm)
            results.append(make_cv_result(grid, "mse", scores, np.ones_like(fold_weight),
                                          paths, None, self.rule))
        best = int(np.argmin([r.mean.min() for r in results]))
        chosen = results[best]
        self.l1_ratio_ = float(ratios[best])
        self.alpha_min_, self.alpha_1se_ = chosen.alpha_min, chosen.alpha_1se
        self.alpha_ = chosen.alpha
        self.cv_result_ = chosen
        single = np.ndim(getattr(self, "l1_ratio", 1.0)) == 0
        self.alphas_ = grids[0] if single else np.array(grids)
        mse = [s.T for s in scores_all]
        self.mse_path_ = mse[0] if single else np.array(mse)
        seed = None
        if self.selection == "random":
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        result = solve(problem, self.alpha_, self.l1_ratio_, tol=self.tol,
                       max_iter=self.max_iter, random_seed=seed)
        self.n_iter_, self.dual_gap_ = result.n_iter, result.gap
        return self._store([result.coef], [result.intercept], X.dtype, 1)

    def plot_cv(self, *, ax=None):
        """Mean held-out MSE against log(alpha) with error bars and alpha_min / alpha_1se
        marked (glmnet's plot of cv.glmnet); see ``penalized.explain.plots.plot_cv``.

        Returns (fig, ax).
        """
        check_is_fitted(self, "cv_result_")
        # imported here: matplotlib must not load with the estimators
        from penalized.explain.plots import plot_cv

        return plot_cv(self.cv_result_, ax=ax)

    def plot_path(self, X=None, y=None, *, sample_weight=None, ax=None, **kwargs):
        """Coefficient paths against log(alpha) at the chosen l1_ratio, with alpha_min and
        alpha_1se marked; see ``penalized.explain.plots.plot_path``.

        The fit keeps only the fold paths and the refit at alpha_, so the path on all the
        data is computed here, on the cross-validated grid, from the X and y (and
        sample_weight) that were passed to fit.

        Returns (fig, ax).
        """
        check_is_fitted(self, "cv_result_")
        from penalized.explain.plots import plot_path

        cv = self.cv_result_
        if cv.path is None:
            if X is None or y is None:
                raise ValueError(f"{type(self).__name__}.plot_path needs the X and y passed "
                                 "to fit: the path on all the data is not kept by fit.")
            from penalized.path import path as full_path

            fitted = full_path(
                X, y, self.l1_ratio_, alphas=cv.alphas, sample_weight=sample_weight,
                fit_intercept=self.fit_intercept, standardize=self.standardize,
                penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
                upper_bounds=self.upper_bounds, positive=self.positive,
                precompute=self.precompute, max_iter=max(self.max_iter, 1000))
            cv = dataclasses.replace(cv, path=fitted)
        if getattr(self, "feature_names_in_", None) is not None:
            kwargs.setdefault("feature_names", self.feature_names_in_)
        return plot_path(cv, ax=ax, **kwargs)


class LassoCV(ElasticNetCV):
    """Lasso with alpha chosen by K-fold cross-validation: ElasticNetCV with l1_ratio=1.

    Minimizes 1 / (2 n_samples) ||y - X b - b0||^2 + alpha sum_j pf_j |b_j| at the alpha
    the rule picks ("min": smallest mean held-out MSE, as scikit-learn; "1se": glmnet's
    lambda.1se). Parameters and attributes as scikit-learn's LassoCV, plus those of
    ElasticNetCV's docstring (alpha_1se_, cv_result_, standardize, ...).
    """

    _parameter_constraints = dict(_CV_CONSTRAINTS)

    def __init__(self, *, eps=1e-3, alphas=100, fit_intercept=True, precompute="auto",
                 max_iter=1000, tol=1e-4, copy_X=True, cv=None, verbose=False, n_jobs=None,
                 positive=False, random_state=None, selection="cyclic", standardize=False,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, rule="min"):
        super().__init__(
            l1_ratio=1.0, eps=eps, alphas=alphas, fit_intercept=fit_intercept,
            precompute=precompute, max_iter=max_iter, tol=tol, cv=cv, copy_X=copy_X,
            verbose=verbose, n_jobs=n_jobs, positive=positive, random_state=random_state,
            selection=selection, standardize=standardize, penalty_factor=penalty_factor,
            lower_bounds=lower_bounds, upper_bounds=upper_bounds, rule=rule,
        )
        del self.l1_ratio

    def _l1_ratios(self) -> np.ndarray:
        return np.array([1.0])


class LassoIC(_SingleTargetRegressor):
    """Lasso (or elastic net) with alpha chosen by AIC or BIC along the path.

    Fits the path of ElasticNet's objective (l1_ratio=1: the lasso) and picks the alpha
    minimizing, as scikit-learn's LassoLarsIC,

        crit(alpha) = n log(2 pi sigma^2) + RSS(alpha) / sigma^2 + c df(alpha),

    c = 2 for "aic" and log(n) for "bic". df is the number of non-zero coefficients for the
    lasso (Zou, Hastie and Tibshirani 2007) and the trace of the hat matrix on the active set
    for the elastic net. sigma^2 is `noise_variance`, or estimated from the unpenalized
    least-squares fit as RSS / (n - n_features - fit_intercept) (needs more samples than
    features; pass noise_variance otherwise). Unlike LassoLarsIC, the candidates are the
    grid of alphas, not the LARS knots.

    Parameters
    ----------
    criterion : {"aic", "bic"}, default="aic"
    l1_ratio : float in (0, 1], default=1.0
    alphas : int or array-like, default=100
    eps : float, default=1e-3
    noise_variance : float, optional
    (the others as in Lasso)

    Attributes
    ----------
    alpha_ : float
    alphas_ : ndarray of shape (n_alphas,)
    criterion_ : ndarray of shape (n_alphas,)
    noise_variance_ : float
    path_ : Path
    coef_, intercept_, dual_gap_, n_iter_, selected_features_
    """

    _parameter_constraints = {
        **{k: v for k, v in CD_CONSTRAINTS.items() if k not in ("alpha", "warm_start")},
        "criterion": [Options("aic", "bic")],
        "l1_ratio": [Interval(Real, 0, 1, closed="right")],
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "alphas": [Interval(Integral, 1, None), "array-like"],
        "noise_variance": [Interval(Real, 0, None, closed="neither"), None],
        "verbose": ["boolean", Interval(Integral, 0, None)],
    }

    def __init__(self, criterion="aic", *, l1_ratio=1.0, alphas=100, eps=1e-3,
                 fit_intercept=True, precompute="auto", max_iter=1000, tol=1e-4, copy_X=True,
                 verbose=False, positive=False, noise_variance=None, random_state=None,
                 selection="cyclic", standardize=False, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None):
        self.criterion = criterion
        self.l1_ratio = l1_ratio
        self.alphas = alphas
        self.eps = eps
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.verbose = verbose
        self.positive = positive
        self.noise_variance = noise_variance
        self.random_state = random_state
        self.selection = selection
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    @atomic_fit
    def fit(self, X, y, sample_weight=None):
        """Fit the path, score each alpha by the criterion, keep the best solution."""
        problem, dtype = self._problem(X, y, sample_weight, True, self.precompute)
        problem = dataclasses.replace(problem, y=_one_target(problem.y, "LassoIC"))
        grid = (alpha_grid(problem, self.l1_ratio, int(self.alphas), self.eps)
                if isinstance(self.alphas, Integral) else check_alphas(self.alphas))
        self.path_ = compute_path(problem, self.l1_ratio, grid, tol=self.tol,
                                  max_iter=self.max_iter)
        self.noise_variance_ = (float(self.noise_variance) if self.noise_variance is not None
                                else ols_noise_variance(problem))
        self.criterion_ = information_criteria(problem, self.path_, self.criterion,
                                               self.noise_variance_)
        best = int(np.argmin(self.criterion_))
        self.alpha_ = float(grid[best])
        self.alphas_ = grid
        self.n_iter_ = int(self.path_.n_iter[best])
        self.dual_gap_ = float(self.path_.dual_gaps[best])
        return self._store([self.path_.coefs[best]], [self.path_.intercepts[best]], dtype, 1)

    def plot_path(self, *, ax=None, **kwargs):
        """Coefficient paths against log(alpha), with the alpha the criterion picked
        marked; see ``penalized.explain.plots.plot_path``.

        Returns (fig, ax).
        """
        check_is_fitted(self, "path_")
        # imported here: matplotlib must not load with the estimators
        from penalized.explain.plots import plot_path

        mark = {f"alpha ({self.criterion.upper()})": self.alpha_, **kwargs.pop("mark", {})}
        if getattr(self, "feature_names_in_", None) is not None:
            kwargs.setdefault("feature_names", self.feature_names_in_)
        return plot_path(self.path_, ax=ax, mark=mark, **kwargs)
