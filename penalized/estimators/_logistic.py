"""LogisticRegression: scikit-learn's interface, solved by proximal Newton on the CD engine."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from penalized._validation import (
    Interval,
    Options,
    build_problem,
    check_sample_weight,
    validate_params,
)
from penalized.estimators._base import GLMNET_CONSTRAINTS
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

    def fit(self, X, y, sample_weight=None):
        """Fit by proximal Newton; X dense or sparse (never densified)."""
        validate_params(self)
        if self.dual:
            raise ValueError("dual=True (liblinear's dual formulation) is not provided; the "
                             "primal problem is solved.")
        C, l1_ratio = self._penalty()
        X, y = validate_data(self, X, y, accept_sparse="csc", dtype=[np.float64, np.float32],
                             ensure_all_finite=True)
        check_classification_targets(y)
        encoder = LabelEncoder()
        codes = encoder.fit_transform(y)
        self.classes_ = encoder.classes_
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
                               max_iter=max_iter, coef_init=init, intercept_init=b0)[0]
            coef, intercept, steps = result.coef[None, :], np.array([result.intercept]), \
                result.n_iter
        else:
            coef, intercept, steps, _, _ = solve_multinomial(
                problem, target, np.array([alpha]), l1_ratio, tol=self.tol,
                max_iter=max_iter, coef_init=previous,
            )[0]
        self.coef_ = np.asarray(coef, dtype=X.dtype)
        self.intercept_ = np.asarray(intercept, dtype=X.dtype)
        self.n_iter_ = np.array([steps], dtype=np.int32)
        return self

    def predict_proba(self, X):
        """Class probabilities: expit for two classes, softmax otherwise."""
        check_is_fitted(self)
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.c_[-scores, scores] / 2.0  # softmax of (-s/2, s/2) is (1-p, p)
        return softmax(scores, axis=1)

    def predict_log_proba(self, X):
        check_is_fitted(self)
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.c_[-scores, scores] / 2.0
        return log_softmax(scores, axis=1)
