"""The frozen description of one penalized least-squares problem, built by `_validation`."""

from dataclasses import dataclass

import numpy as np

from penalized.design import Design


@dataclass(frozen=True)
class Problem:
    """Everything the solvers need, checked once.

    The problem (for each column of `y`) is

        min_{b0, b}  1/2 sum_i w_i (y_i - b0 - x_i'b)^2
                     + alpha * sum_j pf_j s_j (l1_ratio |b_j| + (1 - l1_ratio)/2 s_j b_j^2)
        subject to   lower_j <= b_j <= upper_j

    with w = sample_weight / sum(sample_weight), pf = `penalty_factor` and s = `feature_scale`
    (the weighted standard deviations when standardizing, else ones). Scaling the penalty
    by s is the same as standardizing the columns, solving, and mapping the coefficients
    back, so coefficients are always on the original scale and X is never rescaled.

    Attributes
    ----------
    design : Design
        How X is stored (dense, sparse or Gram); holds the weighted column means and norms.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets), float64
    weights : ndarray of shape (n_samples,), float64, sums to one
    penalty_factor : ndarray of shape (n_features,), float64, >= 0
    lower_bounds, upper_bounds : ndarray of shape (n_features,), lower <= 0 <= upper
    feature_scale : ndarray of shape (n_features,), > 0
    fit_intercept : bool
    sum_weights : float
        The sum of the raw sample weights (n_samples without weights).
    """

    design: Design
    y: np.ndarray
    weights: np.ndarray
    penalty_factor: np.ndarray
    lower_bounds: np.ndarray
    upper_bounds: np.ndarray
    feature_scale: np.ndarray
    fit_intercept: bool
    sum_weights: float

    @property
    def n_features(self) -> int:
        return self.design.n_features

    @property
    def n_targets(self) -> int:
        return 1 if self.y.ndim == 1 else self.y.shape[1]

    def target(self, k: int) -> np.ndarray:
        """Column k of y as a 1-D array."""
        return self.y if self.y.ndim == 1 else self.y[:, k]

    def y_mean(self, y: np.ndarray) -> float:
        return float(self.weights @ y) if self.fit_intercept else 0.0
