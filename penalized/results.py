"""Result objects: plain dataclasses that carry their certificate."""

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, softmax


@dataclass(frozen=True)
class FitResult:
    """The solution at one penalty level, on the original scale of X.

    Attributes
    ----------
    coef : ndarray of shape (n_features,)
    intercept : float
    n_iter : int
        Coordinate-descent epochs (0 for closed forms).
    gap : float
        Duality gap reached, in the units of the objective 1/(2 sum w) ||y - Xb - b0||_W^2 + ...
    tol : float
        The gap the solver had to reach (tol times the weighted variance of y).
    """

    coef: np.ndarray
    intercept: float
    n_iter: int
    gap: float
    tol: float

    @property
    def converged(self) -> bool:
        return bool(self.gap <= self.tol)


def selected(coef: np.ndarray) -> np.ndarray:
    """Which features a solution keeps: non-zero (in any class, for the multinomial)."""
    nonzero = coef != 0
    return nonzero.any(axis=0) if nonzero.ndim == 2 else nonzero


def _interpolation(grid: np.ndarray, alpha) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each alpha: neighbours (i, i+1) on the decreasing grid and the weight of i+1.

    Linear in alpha between grid points, as glmnet's `s=`; alphas outside the grid take the
    nearest end.
    """
    a = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    if a.ndim != 1 or not np.isfinite(a).all() or (a < 0).any():
        raise ValueError("alpha must be a finite number >= 0 or a 1-D array of them.")
    m = grid.shape[0]
    a = np.clip(a, grid[-1], grid[0])
    # grid[left] >= a > grid[left + 1]; the reversed grid is increasing
    left = m - 1 - np.searchsorted(grid[::-1], a, side="left")
    right = np.minimum(left + 1, m - 1)
    span = grid[left] - grid[right]
    frac = np.divide(grid[left] - a, span, out=np.zeros_like(a), where=span > 0)
    return left, right, frac


@dataclass(frozen=True)
class Path:
    """A regularization path: the solution at each alpha of a decreasing grid.

    Each solution minimizes (sum_i w_i = 1)

        1/2 sum_i w_i (y_i - b0 - x_i'b)^2
            + alpha * sum_j pf_j (l1_ratio |b_j| + (1 - l1_ratio)/2 b_j^2)

    (with the standardization scales folded into pf when standardize=True) within the
    bounds, and carries its duality gap.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,), decreasing
    coefs : ndarray of shape (n_alphas, n_features), original scale of X
    intercepts : ndarray of shape (n_alphas,)
    dual_gaps : ndarray of shape (n_alphas,)
        Gap reached at each alpha, in the units of the objective above.
    n_iter : ndarray of shape (n_alphas,)
        Coordinate-descent epochs at each alpha.
    tol : float
        The gap every solution had to reach (tol times the weighted variance of y).
    dev_ratio : ndarray of shape (n_alphas,)
        Fraction of the null deviance explained, 1 - RSS / RSS_null (glmnet's dev.ratio);
        the null model is the intercept alone (or 0 without intercept).
    null_deviance : float
        The weighted null sum of squares (weights summing to one).
    l1_ratio : float
    relaxed_coefs, relaxed_intercepts : ndarray or None
        With relax=True, the unpenalized least-squares refit on each alpha's active set.
    feature_names : ndarray of str or None
    family : str
        "gaussian", "binomial", "poisson" or "multinomial". For the multinomial family coefs
        has shape (n_alphas, n_classes, n_features) and intercepts (n_alphas, n_classes).
    classes : ndarray or None
        The class labels (multinomial family), in the order of coefs' second axis.
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    dual_gaps: np.ndarray
    n_iter: np.ndarray
    tol: float
    dev_ratio: np.ndarray
    null_deviance: float
    l1_ratio: float
    relaxed_coefs: np.ndarray | None = None
    relaxed_intercepts: np.ndarray | None = None
    feature_names: np.ndarray | None = None
    family: str = "gaussian"
    classes: np.ndarray | None = None

    @property
    def n_nonzero(self) -> np.ndarray:
        """Number of features with a non-zero coefficient at each alpha (glmnet's df; for
        the multinomial family, non-zero in any class)."""
        nonzero = self.coefs != 0
        if nonzero.ndim == 3:
            nonzero = nonzero.any(axis=1)
        return np.count_nonzero(nonzero, axis=1)

    @property
    def converged(self) -> np.ndarray:
        return self.dual_gaps <= self.tol

    def coef_at(self, alpha, gamma: float = 1.0) -> tuple[np.ndarray, np.ndarray | float]:
        """Coefficients and intercept at any alpha, interpolated linearly between grid points.

        gamma blends the penalized and the relaxed fits as glmnet's relaxed lasso does:
        gamma * penalized + (1 - gamma) * relaxed (gamma=1, the default, is the penalized fit;
        other values need a path computed with relax=True).

        Returns (coef, intercept): shapes (n_features,) and float for a scalar alpha,
        (n, n_features) and (n,) for an array of n alphas.
        """
        coefs, intercepts = self.coefs, self.intercepts
        if gamma != 1.0:
            if self.relaxed_coefs is None:
                raise ValueError("gamma != 1 needs a path computed with relax=True.")
            if not 0.0 <= gamma <= 1.0:
                raise ValueError(f"gamma must be in [0, 1], got {gamma}.")
            coefs = gamma * coefs + (1.0 - gamma) * self.relaxed_coefs
            intercepts = gamma * intercepts + (1.0 - gamma) * self.relaxed_intercepts
        left, right, frac = _interpolation(self.alphas, alpha)

        def blend(a):
            if not frac.any():  # on grid points: no arithmetic over (n, n_features) arrays
                return a[left]
            f = frac.reshape((-1,) + (1,) * (a.ndim - 1))
            return (1.0 - f) * a[left] + f * a[right]

        coef, intercept = blend(coefs), blend(intercepts)
        if np.ndim(alpha) == 0:
            return coef[0], (float(intercept[0]) if intercept.ndim == 1 else intercept[0])
        return coef, intercept

    def predict(self, X, alpha=None, gamma: float = 1.0, type: str = "link") -> np.ndarray:
        """Predictions at any alpha (alpha=None: at every grid point), as glmnet's predict.

        type="link" gives the linear predictor X b(alpha) + b0(alpha); type="response" the
        mean: the same for the gaussian family, probabilities for binomial (of class 1) and
        multinomial (softmax over classes), e^eta for poisson. Shapes: (n_samples,) for a
        scalar alpha, else (n_samples, n_alphas); the multinomial family inserts the class
        axis: (n_samples, n_classes[, n_alphas]).
        """
        if type not in ("link", "response"):
            raise ValueError(f"type must be 'link' or 'response', got {type!r}.")
        if alpha is None and gamma == 1.0:
            # every grid point: the stored solutions as they are (in CV, blending copies of
            # a 100 x 20000 coefs array cost a tenth of each fold)
            coef, intercept = self.coefs, self.intercepts
        else:
            coef, intercept = self.coef_at(self.alphas if alpha is None else alpha, gamma)
        n_features = self.coefs.shape[-1]
        if getattr(X, "ndim", 2) != 2 or X.shape[1] != n_features:
            raise ValueError(f"X must have shape (n_samples, {n_features}), got "
                             f"{getattr(X, 'shape', None)}.")
        if self.family != "multinomial":
            eta = np.asarray(X @ coef.T) + intercept
        elif np.ndim(alpha) == 0 and alpha is not None:
            eta = np.asarray(X @ coef.T) + intercept
        else:  # coef (m, K, p) -> eta (n, K, m)
            m, K = coef.shape[:2]
            flat = np.asarray(X @ coef.reshape(m * K, n_features).T)
            eta = flat.reshape(-1, m, K).transpose(0, 2, 1) + intercept.T
        if type == "link" or self.family == "gaussian":
            return eta
        if self.family == "binomial":
            return expit(eta)
        if self.family == "poisson":
            return np.exp(eta)
        return softmax(eta, axis=1)


@dataclass(frozen=True)
class CVResult:
    """K-fold cross-validation of a path.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,), decreasing
    scoring : str
        What was measured on the held-out folds ("mse", "mae", "r2" or "deviance").
    greater_is_better : bool
    fold_scores : ndarray of shape (n_folds, n_alphas)
    mean, std_error : ndarray of shape (n_alphas,)
        Weighted mean over folds (weights: each fold's share of the sample weight) and its
        standard error, as glmnet's cvm / cvsd.
    alpha_min : float
        The alpha with the best mean score.
    alpha_1se : float
        The largest alpha whose mean score is within one standard error of the best.
    path : Path
        The path fitted on all the data, on the same alphas.
    fold_paths : list of Path
    selection_frequency : ndarray of shape (n_features,)
        Fraction of the folds whose solution at the rule's alpha (alpha_1se for
        rule="1se", else alpha_min) has the feature non-zero.
    rule : str
    """

    alphas: np.ndarray
    scoring: str
    greater_is_better: bool
    fold_scores: np.ndarray
    mean: np.ndarray
    std_error: np.ndarray
    alpha_min: float
    alpha_1se: float
    path: Path
    fold_paths: list
    selection_frequency: np.ndarray
    rule: str = "min"

    @property
    def alpha(self) -> float:
        """The alpha the rule picks."""
        return self.alpha_1se if self.rule == "1se" else self.alpha_min

    def frequency_at(self, alpha: float) -> np.ndarray:
        """Fraction of folds whose (interpolated) solution at alpha selects each feature."""
        return np.mean([selected(fp.coef_at(alpha)[0]) for fp in self.fold_paths], axis=0)
