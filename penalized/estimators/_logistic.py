"""LogisticRegression: scikit-learn's interface, solved by proximal Newton on the CD engine."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted, validate_data

from penalized._validation import (
    Interval,
    Options,
    build_problem,
    check_not_dask,
    check_sample_weight,
    class_codes,
    dask_backend,
    gram_pays,
    is_dask_collection,
    validate_params,
)
from penalized.estimators._base import GLMNET_CONSTRAINTS, atomic_fit
from penalized.families import Binomial
from penalized.newton import solve_glm, solve_multinomial

_PENALTY_L1_RATIO = {"l2": 0.0, "l1": 1.0}


class LogisticRegression(LinearClassifierMixin, BaseEstimator):
    """Binary and multinomial logistic regression with an elastic-net penalty.

    Minimizes scikit-learn's objective (1.9),

        C sum_i s_i loss_i + l1_ratio ||W||_1 + (1 - l1_ratio)/2 ||W||_F^2,

    with loss_i the binomial (two classes, one coefficient vector) or multinomial (softmax,
    one coefficient vector per class, all penalized: the symmetric parametrization, as
    scikit-learn and glmnet) negative log-likelihood and s_i the sample weights times the
    class weights. The intercepts are not penalized; for several classes they are centred to
    sum to zero (the softmax does not see a common shift). C=np.inf fits without penalty.
    glmnet's extras: standardize, penalty_factor, lower_bounds, upper_bounds (shared by all
    classes).

    The solver is proximal Newton (IRLS, as glmnet) on the coordinate-descent engine, with a
    backtracking line search so the objective never increases. It stops when the largest
    KKT violation is at most tol times the largest gradient of the intercept-only model.
    `solver`, `dual`, `intercept_scaling`, `random_state`, `n_jobs` and `verbose` are
    accepted for compatibility and do not change the solution (dual=True is refused).

    Parameters
    ----------
    penalty : {"l1", "l2", "elasticnet", None}, deprecated
        As in scikit-learn 1.9: use l1_ratio and C instead (a FutureWarning says so).
    C : float, default=1.0
    l1_ratio : float in [0, 1], default=0.0
    tol : float, default=1e-4
    max_iter : int, default=100
        Newton steps (for several classes, cycles over the classes).
    class_weight : dict or "balanced", optional
    warm_start : bool, default=False

    Attributes
    ----------
    classes_, coef_ (1 or n_classes, n_features), intercept_, n_iter_ (1,),
    n_features_in_, feature_names_in_
    """

    _parameter_constraints = {
        "penalty": [Options("l1", "l2", "elasticnet", "deprecated", None)],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1)],
        "dual": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "intercept_scaling": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [Options("balanced"), "class-weight-dict", None],
        "random_state": ["random_state"],
        "solver": [Options("lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag",
                           "saga")],
        "max_iter": [Interval(Integral, 0, None)],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "n_jobs": [Interval(Integral, None, None), None],
        **GLMNET_CONSTRAINTS,
    }

    def __init__(self, penalty="deprecated", *, C=1.0, l1_ratio=0.0, dual=False, tol=1e-4,
                 fit_intercept=True, intercept_scaling=1, class_weight=None,
                 random_state=None, solver="lbfgs", max_iter=100, verbose=0, warm_start=False,
                 n_jobs=None, standardize=False, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _penalty(self) -> tuple[float, float]:
        """(C, l1_ratio) after the deprecated `penalty` spelling."""
        C, l1_ratio = float(self.C), float(self.l1_ratio)
        if self.penalty != "deprecated":
            warnings.warn(
                "'penalty' was deprecated in scikit-learn 1.8: use l1_ratio (0 for 'l2', 1 for "
                "'l1') and C (np.inf for no penalty) instead.",
                FutureWarning,
                stacklevel=3,
            )
            if self.penalty is None:
                C = np.inf
            elif self.penalty in _PENALTY_L1_RATIO:
                l1_ratio = _PENALTY_L1_RATIO[self.penalty]
        return C, l1_ratio

    @atomic_fit
    def fit(self, X, y, sample_weight=None):
        """Fit by proximal Newton; X dense or sparse (never densified), or a dask array or
        dataframe, fitted on its cluster with one pass per Newton step (`penalized.dask`)."""
        if is_dask_collection(X):
            return dask_backend().fit_logistic(self, X, y, sample_weight)
        validate_params(self)
        if self.dual:
            raise ValueError("dual=True (liblinear's dual formulation) is not provided; the "
                             "primal problem is solved.")
        C, l1_ratio = self._penalty()
        X, y = validate_data(self, X, y, accept_sparse="csc", dtype=[np.float64, np.float32],
                             ensure_all_finite=True)
        self.classes_, codes = class_codes(y)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {self.classes_[0]!r}."
            )
        sw = check_sample_weight(sample_weight, X.shape[0]) if sample_weight is not None \
            else np.ones(X.shape[0])
        if self.class_weight is not None:
            cw = compute_class_weight(self.class_weight, classes=self.classes_, y=y,
                                      sample_weight=sw)
            sw = sw * cw[codes]
        if sw.sum() <= 0:
            raise ValueError("The sample weights (times the class weights) sum to zero.")
        total = float(sw.sum())
        alpha = 0.0 if np.isinf(C) else 1.0 / (C * total)
        binary = n_classes == 2
        target = (codes == 1).astype(np.float64) if binary else np.eye(n_classes)[codes]
        problem = build_problem(
            X, target[:, 0] if not binary else target, sample_weight=sw,
            fit_intercept=self.fit_intercept, standardize=self.standardize,
            penalty_factor=self.penalty_factor, lower_bounds=self.lower_bounds,
            upper_bounds=self.upper_bounds,
        )
        previous = getattr(self, "coef_", None) if self.warm_start else None
        if previous is not None and previous.shape != (1 if binary else n_classes, X.shape[1]):
            previous = None
        max_iter = max(int(self.max_iter), 1)
        if binary:
            init = None if previous is None else previous[0]
            b0 = None if previous is None else float(self.intercept_[0])
            result = solve_glm(problem, Binomial(), np.array([alpha]), l1_ratio, tol=self.tol,
                               max_iter=max_iter, coef_init=init, intercept_init=b0,
                               polish=True, gram=gram_pays(X))[0]
            coef, intercept, steps = result.coef[None, :], np.array([result.intercept]), \
                result.n_iter
        else:
            coef, intercept, steps, _, _ = solve_multinomial(
                problem, target, np.array([alpha]), l1_ratio, tol=self.tol,
                max_iter=max_iter, coef_init=previous, polish=True,
            )[0]
        self.coef_ = np.asarray(coef, dtype=X.dtype)
        self.intercept_ = np.asarray(intercept, dtype=X.dtype)
        self.n_iter_ = np.array([steps], dtype=np.int32)
        return self

    def decision_function(self, X):
        """X @ coef_.T + intercept_ (1-D for two classes); lazy for a dask X."""
        if is_dask_collection(X):
            return dask_backend().predict_lazy(self, X, "decision_function")
        return super().decision_function(X)

    def predict(self, X):
        """The most probable class; lazy for a dask X."""
        if is_dask_collection(X):
            return dask_backend().predict_lazy(self, X, "predict")
        return super().predict(X)

    def predict_proba(self, X):
        """Class probabilities: expit for two classes, softmax otherwise; lazy for a dask X."""
        if is_dask_collection(X):
            return dask_backend().predict_lazy(self, X, "predict_proba")
        check_is_fitted(self)
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.c_[-scores, scores] / 2.0  # softmax of (-s/2, s/2) is (1-p, p)
        return softmax(scores, axis=1)

    def predict_log_proba(self, X):
        if is_dask_collection(X):
            return dask_backend().predict_lazy(self, X, "predict_log_proba")
        check_is_fitted(self)
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.c_[-scores, scores] / 2.0
        return log_softmax(scores, axis=1)


class LogisticRegressionCV(LogisticRegression):
    """LogisticRegression with C (and l1_ratio) chosen by stratified K-fold cross-validation.

    For each fold and l1_ratio the models are fitted along the grid of C in increasing order
    (decreasing penalty), each warm-started from the last, and scored on the held-out fold.
    The best mean score wins (rule="min", scikit-learn's choice) or, with rule="1se", the
    smallest C whose mean score is within one standard error of the best (glmnet's
    lambda.1se, a sparser or smaller model). With refit=True the model is refitted on all
    the data at the chosen values; otherwise the fold models at those values are averaged.

    Parameters follow scikit-learn 1.9 (`Cs`, `l1_ratios`, `cv`, `scoring`, `refit`,
    `class_weight`, ...): Cs an int gives np.logspace(-4, 4, Cs); l1_ratios None (or left to
    its default) is [0.0]; cv None is StratifiedKFold(5); scoring None is accuracy (the
    scorer of a classifier). `use_legacy_attributes` is accepted; the attributes are
    scikit-learn's legacy ones (dicts keyed by class).

    Attributes
    ----------
    C_, l1_ratio_ : ndarray of shape (1,) or (n_classes,)
    Cs_, l1_ratios_ : ndarray
    scores_ : dict class -> ndarray of shape (n_folds, n_Cs, n_l1_ratios)
    mean_scores_, std_errors_ : ndarray of shape (n_Cs, n_l1_ratios)
    coef_, intercept_, classes_, n_iter_
    """

    _parameter_constraints = {
        **{k: v for k, v in LogisticRegression._parameter_constraints.items()
           if k not in ("C", "l1_ratio", "warm_start")},
        "Cs": [Interval(Integral, 1, None), "array-like"],
        "l1_ratios": ["array-like", Options("warn"), None],
        "cv": [Interval(Integral, 2, None), "cv-object", None],
        "scoring": ["scoring", None],
        "refit": ["boolean"],
        "use_legacy_attributes": ["boolean", Options("warn")],
        "rule": [Options("min", "1se")],
    }

    def __init__(self, *, Cs=10, l1_ratios="warn", fit_intercept=True, cv=None, dual=False,
                 penalty="deprecated", scoring="warn", solver="lbfgs", tol=1e-4, max_iter=100,
                 class_weight=None, n_jobs=None, verbose=0, refit=True, intercept_scaling=1.0,
                 random_state=None, use_legacy_attributes="warn", standardize=False,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, rule="min"):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.dual = dual
        self.penalty = penalty
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.intercept_scaling = intercept_scaling
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.rule = rule

    def _model(self, C, l1_ratio):
        # class weights are folded into the sample weights once, from the whole y
        return LogisticRegression(
            C=C, l1_ratio=l1_ratio, tol=self.tol, max_iter=self.max_iter,
            fit_intercept=self.fit_intercept, warm_start=True,
            standardize=self.standardize, penalty_factor=self.penalty_factor,
            lower_bounds=self.lower_bounds, upper_bounds=self.upper_bounds,
        )

    @atomic_fit
    def fit(self, X, y, sample_weight=None):
        """Cross-validate the grid of (C, l1_ratio), then refit (or average) at the best."""
        from sklearn.metrics import check_scoring
        from sklearn.model_selection import check_cv

        validate_params(self)
        check_not_dask(X)
        if self.dual:
            raise ValueError("dual=True (liblinear's dual formulation) is not provided.")
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32],
                             ensure_all_finite=True)
        self.classes_, codes = class_codes(y)
        if len(self.classes_) < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {self.classes_[0]!r}."
            )
        Cs = (np.logspace(-4, 4, self.Cs) if isinstance(self.Cs, Integral)
              else np.asarray(self.Cs, dtype=np.float64))
        if Cs.ndim != 1 or Cs.size == 0 or not (np.isfinite(Cs) & (Cs > 0)).all():
            raise ValueError("Cs must be a positive int or a 1-D array of finite C > 0.")
        ratios = np.array([0.0]) if self.l1_ratios in ("warn", None) else np.asarray(
            self.l1_ratios, dtype=np.float64)
        if ratios.ndim != 1 or ratios.size == 0 or ((ratios < 0) | (ratios > 1)).any():
            raise ValueError("l1_ratios must be a list of floats in [0, 1].")
        sw = check_sample_weight(sample_weight, X.shape[0])
        if self.class_weight is not None:
            cw = compute_class_weight(self.class_weight, classes=self.classes_, y=y,
                                      sample_weight=sw)
            sw = sw * cw[codes]
        folds = list(check_cv(5 if self.cv is None else self.cv, y, classifier=True).split(X, y))
        scorer = check_scoring(self._model(1.0, 0.0),
                               scoring=None if self.scoring == "warn" else self.scoring)
        order = np.argsort(Cs)  # increasing C: decreasing penalty, for the warm starts
        scores = np.empty((len(folds), len(Cs), len(ratios)))
        fold_models = {}
        for f, (train, test) in enumerate(folds):
            for r, ratio in enumerate(ratios):
                model = self._model(Cs[order[0]], ratio)
                for i in order:
                    model.set_params(C=Cs[i])
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", UserWarning)
                        model.fit(X[train], y[train], sample_weight=sw[train])
                    scores[f, i, r] = scorer(model, X[test], y[test],
                                             sample_weight=sw[test])
                    fold_models[f, i, r] = (model.coef_.copy(), model.intercept_.copy())
        mean = scores.mean(axis=0)
        se = scores.std(axis=0, ddof=1) / np.sqrt(len(folds)) if len(folds) > 1 \
            else np.zeros_like(mean)
        best_i, best_r = np.unravel_index(np.argmax(mean), mean.shape)
        if self.rule == "1se":
            ok = mean[:, best_r] >= mean[best_i, best_r] - se[best_i, best_r]
            best_i = int(np.flatnonzero(ok)[np.argmin(Cs[ok])])
        C, ratio = float(Cs[best_i]), float(ratios[best_r])
        if self.refit:
            final = self._model(C, ratio).set_params(warm_start=False).fit(
                X, y, sample_weight=sw)
            self.coef_, self.intercept_ = final.coef_, final.intercept_
            steps = final.n_iter_
        else:
            picks = [fold_models[f, best_i, best_r] for f in range(len(folds))]
            self.coef_ = np.mean([c for c, _ in picks], axis=0)
            self.intercept_ = np.mean([b for _, b in picks], axis=0)
            steps = np.array([0], dtype=np.int32)
        n_out = 1 if len(self.classes_) == 2 else len(self.classes_)
        self.Cs_, self.l1_ratios_ = Cs, ratios
        self.C_ = np.full(n_out, C)
        self.l1_ratio_ = np.full(n_out, ratio)
        self.mean_scores_, self.std_errors_ = mean, se
        keys = self.classes_[1:] if n_out == 1 else self.classes_
        self.scores_ = {k: scores for k in keys}
        self.n_iter_ = steps
        return self
