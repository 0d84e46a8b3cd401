"""Result objects: plain dataclasses that carry their certificate."""

from dataclasses import dataclass

import numpy as np


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
