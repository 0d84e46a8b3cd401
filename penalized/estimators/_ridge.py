"""Ridge: a drop-in for scikit-learn's Ridge, solved in closed form."""

from numbers import Real

import numpy as np

from penalized._validation import Interval, Options
from penalized.design import SparseDesign
from penalized.estimators._base import COMMON_CONSTRAINTS, PenalizedRegressor
from penalized.ridge import SPARSE_GRAM_MAX, ridge
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
