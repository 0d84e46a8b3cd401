"""Shrinkage curves: what each penalty does to one least-squares coefficient.

On an orthonormal design (X'X/n = I) the penalized problems separate into one problem per
coefficient, and each fitted coefficient is a function of its least-squares value z alone:

    lasso       argmin_b 1/2 (b - z)^2 + alpha |b|                  = S(z, alpha)
    ridge       argmin_b 1/2 (b - z)^2 + alpha/2 b^2                = z / (1 + alpha)
    elasticnet  argmin_b 1/2 (b - z)^2 + alpha (l1_ratio |b|
                                  + (1 - l1_ratio)/2 b^2)          = S(z, alpha l1_ratio)
                                                                     / (1 + alpha (1 - l1_ratio))

with the soft threshold S(z, c) = sign(z) max(|z| - c, 0). The lasso curve is flat at
exactly 0 on the whole interval |z| <= alpha (a coefficient is *set* to zero), the ridge
curve is a line through the origin with slope 1/(1 + alpha) (every coefficient is only
*scaled*, never zero unless z is). `shrinkage_curves` computes them by actually fitting the
library's estimators on such a design, so the picture is the solver's output; the formulas
above are what the tests compare it with.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from threadpoolctl import threadpool_limits

from penalized._validation import Interval, check_number
from penalized.estimators import ElasticNet, Lasso, Ridge

_BATCH = 256  # coefficients fitted per orthonormal design (a _BATCH x _BATCH matrix)
_TOL = 1e-14  # gap tolerance of the fits (relative to the variance of y)


@dataclass(frozen=True)
class ShrinkageCurves:
    """Fitted coefficient against least-squares coefficient, for each penalty.

    Attributes
    ----------
    z : ndarray of shape (m,)
        Least-squares coefficients on an orthonormal design (the x-axis).
    lasso : ndarray of shape (m,)
        Lasso's fitted coefficient for each z: S(z, alpha).
    ridge : ndarray of shape (m,)
        Ridge's (1/(2n) ||y - Xb||^2 + alpha/2 ||b||^2): z / (1 + alpha).
    elasticnet : ndarray of shape (m,)
        ElasticNet's: S(z, alpha l1_ratio) / (1 + alpha (1 - l1_ratio)).
    alpha : float
    l1_ratio : float
    """

    z: np.ndarray
    lasso: np.ndarray
    ridge: np.ndarray
    elasticnet: np.ndarray
    alpha: float
    l1_ratio: float

    @property
    def lasso_threshold(self) -> float:
        """|z| at or below which the lasso coefficient is exactly 0 (alpha)."""
        return self.alpha

    @property
    def elasticnet_threshold(self) -> float:
        """|z| at or below which the elastic-net coefficient is exactly 0 (alpha l1_ratio)."""
        return self.alpha * self.l1_ratio


def soft_threshold(z, threshold) -> np.ndarray:
    """S(z, c) = sign(z) max(|z| - c, 0), elementwise: the lasso's one-coefficient solution.

    Parameters
    ----------
    z : array-like
    threshold : float or array-like, >= 0 (broadcast against z)

    Returns
    -------
    ndarray of float64; exactly 0 where |z| <= threshold.
    """
    z = np.asarray(z, dtype=np.float64)
    c = np.asarray(threshold, dtype=np.float64)
    if not np.isfinite(c).all() or (c < 0).any():
        raise ValueError(f"threshold must be finite and >= 0, got {threshold!r}.")
    return np.sign(z) * np.maximum(np.abs(z) - c, 0.0)


def _orthonormal_design(m: int, rng: np.random.Generator) -> np.ndarray:
    """An (m, m) X with X'X/n = I (n = m): a random orthogonal matrix times sqrt(n)."""
    Q, R = np.linalg.qr(rng.standard_normal((m, m)))
    # fix the signs so the factorization is unique (Haar-distributed Q); any Q would do
    return Q * np.sign(np.diag(R)) * np.sqrt(m)


def shrinkage_curves(alpha: float = 1.0, l1_ratio: float = 0.5, z=None,
                     n_points: int = 201) -> ShrinkageCurves:
    """Lasso, ridge and elastic-net coefficients as functions of the least-squares one.

    Builds orthonormal designs (X'X/n = I, from the QR factorization of a random square
    matrix, scaled by sqrt(n)) with one column per value of z (in batches of up to 256),
    sets y = X z so that the least-squares coefficients are exactly z, and fits without
    intercept

    - ``Lasso(alpha)``: 1/(2n) ||y - Xb||^2 + alpha ||b||_1
    - ``ElasticNet(alpha, l1_ratio)``: 1/(2n) ||y - Xb||^2 + alpha (l1_ratio ||b||_1
      + (1 - l1_ratio)/2 ||b||_2^2)
    - ``Ridge(n alpha)``: ||y - Xb||^2 + n alpha ||b||^2 (scikit-learn's scaling), the same
      minimizer as 1/(2n) ||y - Xb||^2 + alpha/2 ||b||_2^2.

    On such a design the fits are S(z, alpha), S(z, alpha l1_ratio) / (1 + alpha (1 -
    l1_ratio)) and z / (1 + alpha) (see the module docstring); here they are computed.

    Parameters
    ----------
    alpha : float > 0, default=1.0
    l1_ratio : float in [0, 1], default=0.5
        The elastic net's mix (1 is the lasso, 0 ridge).
    z : array-like of shape (m,), optional
        Least-squares values to evaluate at. Default: ``n_points`` values evenly spaced on
        [-3 alpha, 3 alpha], symmetric about 0 and reaching well past the lasso's threshold
        alpha on both sides.
    n_points : int >= 2, default=201
        Size of the default z.

    Returns
    -------
    ShrinkageCurves
    """
    check_number(alpha, "alpha", Interval(Real, 0, None, closed="neither"))
    if not np.isfinite(alpha):
        raise ValueError(f"alpha must be finite and > 0, got {alpha!r}.")
    check_number(l1_ratio, "l1_ratio", Interval(Real, 0, 1))
    alpha, l1_ratio = float(alpha), float(l1_ratio)
    if z is None:
        check_number(n_points, "n_points", Interval(Integral, 2, None))
        z = np.linspace(-3.0 * alpha, 3.0 * alpha, n_points)
    else:
        z = np.asarray(z, dtype=np.float64)
        if z.ndim != 1 or z.size == 0 or not np.isfinite(z).all():
            raise ValueError(f"z must be a non-empty finite 1-D array, got shape {z.shape}.")
    rng = np.random.default_rng(0)
    fits = {"lasso": [], "ridge": [], "elasticnet": []}
    # Small dense factorizations: a multithreaded BLAS only contends for the cores here
    # (measured 10-50x slower on two cores than one thread).
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, z.size, _BATCH):
            zb = z[start:start + _BATCH]
            X = _orthonormal_design(zb.size, rng)
            n = X.shape[0]
            y = X @ zb  # least squares recovers zb: (X'X/n)^-1 X'y/n = zb
            lasso = Lasso(alpha=alpha, fit_intercept=False, tol=_TOL,
                          max_iter=10_000).fit(X, y)
            enet = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=False, tol=_TOL,
                              max_iter=10_000).fit(X, y)
            ridge = Ridge(alpha=n * alpha, fit_intercept=False).fit(X, y)
            fits["lasso"].append(lasso.coef_)
            fits["ridge"].append(ridge.coef_)
            fits["elasticnet"].append(enet.coef_)
    return ShrinkageCurves(
        z=z.copy(), lasso=np.concatenate(fits["lasso"]), ridge=np.concatenate(fits["ridge"]),
        elasticnet=np.concatenate(fits["elasticnet"]), alpha=alpha, l1_ratio=l1_ratio,
    )
