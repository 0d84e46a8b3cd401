"""Datafits of the generalized linear models: losses, working weights and responses.

Each family gives, for a linear predictor eta = offset + b0 + X b, the per-sample negative
log-likelihood (up to terms free of eta) `loss`, its first and second derivatives in eta, and
the deviance. The solver minimizes

    (1 / S) sum_i s_i loss(y_i, eta_i) + alpha * penalty(b),       S = sum_i s_i,

by proximal Newton steps: each step is the weighted least-squares problem with working
weights h_i = s_i loss''(eta_i) and working responses z_i = eta_i - loss'(eta_i) / loss''(eta_i)
(IRLS, as glmnet), solved by the coordinate-descent engine.

Everything is written in eta so that nothing overflows: log(1 + e^eta) by logaddexp, e^eta
only where the Poisson mean itself is asked for (eta is capped at MAX_ETA there).
"""

import numpy as np
from scipy.special import expit, logsumexp, softmax, xlogy

# The smallest working weight: samples whose fitted probability is within ~1e-10 of 0 or 1
# carry (almost) no curvature; a floor keeps z finite without moving any optimum.
MIN_HESSIAN = 1e-10
MAX_ETA = 700.0  # e^700 ~ 1e304: the largest Poisson mean that stays finite


class Gaussian:
    """Least squares: loss = (y - eta)^2 / 2. Kept for the deviance of the gaussian path."""

    name = "gaussian"

    def check_y(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(y, dtype=np.float64)

    def loss(self, y, eta):
        return 0.5 * (y - eta) ** 2

    def derivatives(self, y, eta):
        return eta - y, np.ones_like(eta)

    def deviance(self, y, eta, weights) -> float:
        return float(weights @ (y - eta) ** 2)

    def null_eta(self, y, weights, offset, fit_intercept):
        return offset + (weights @ (y - offset) / weights.sum() if fit_intercept else 0.0)


class Binomial:
    """Logistic regression: y in {0, 1}, mean expit(eta), loss = log(1 + e^eta) - y eta."""

    name = "binomial"

    def check_y(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        if not np.isin(y, (0.0, 1.0)).all():
            raise ValueError("The binomial family needs y in {0, 1}.")
        if y.size and y.min() == y.max():
            raise ValueError("The binomial family needs samples of both classes (0 and 1) in "
                             f"y; got only {y[0]:g}.")
        return y

    def loss(self, y, eta):
        return np.logaddexp(0.0, eta) - y * eta

    def derivatives(self, y, eta):
        mu = expit(eta)
        return mu - y, np.maximum(mu * (1.0 - mu), MIN_HESSIAN)

    def deviance(self, y, eta, weights) -> float:
        return 2.0 * float(weights @ self.loss(y, eta))  # the saturated loss is 0

    def null_eta(self, y, weights, offset, fit_intercept):
        """The intercept-only fit (exact without offset, Newton iterations with one)."""
        if not fit_intercept:
            return offset.copy()
        b0 = 0.0
        for _ in range(100):
            g, h = self.derivatives(y, offset + b0)
            step = (weights @ g) / (weights @ h)
            b0 -= step
            if abs(step) < 1e-12 * max(1.0, abs(b0)):
                break
        return offset + b0


class Poisson:
    """Poisson regression with log link: mean e^eta, loss = e^eta - y eta (y >= 0)."""

    name = "poisson"

    def check_y(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        if (y < 0).any():
            raise ValueError("The poisson family needs y >= 0.")
        return y

    def mean(self, eta):
        return np.exp(np.minimum(eta, MAX_ETA))

    def loss(self, y, eta):
        return self.mean(eta) - y * eta

    def derivatives(self, y, eta):
        mu = self.mean(eta)
        # the floor scales with the counts: y * 1e-150 is the same problem as y
        scale = float(np.mean(y))
        return mu - y, np.maximum(mu, MIN_HESSIAN * scale if scale > 0 else MIN_HESSIAN)

    def deviance(self, y, eta, weights) -> float:
        mu = self.mean(eta)
        return 2.0 * float(weights @ (xlogy(y, y) - y * eta - (y - mu)))

    def null_eta(self, y, weights, offset, fit_intercept):
        if not fit_intercept:
            return offset.copy()
        # sum w (e^(offset + b0) - y) = 0  =>  b0 = log(sum w y / sum w e^offset)
        total = weights @ y
        if total <= 0:
            raise ValueError("The poisson family needs a positive (weighted) sum of y.")
        return offset + np.log(total / (weights @ np.exp(np.minimum(offset, MAX_ETA))))


class Multinomial:
    """Softmax regression over K classes: eta is (n_samples, K), y the (n_samples, K)
    indicator matrix, loss = logsumexp(eta_i) - y_i' eta_i.

    The likelihood does not change when the same vector is added to every class's
    coefficients (or the same number to every intercept). Like glmnet, penalized keeps all K
    classes penalized (the symmetric parametrization) and pins the free shift: the
    coefficients take, feature by feature, the shift that minimizes the penalty (for the
    lasso a median over classes, for ridge the mean, so they sum to zero over classes), and
    the intercepts sum to zero.
    """

    name = "multinomial"

    def encode(self, y) -> tuple[np.ndarray, np.ndarray]:
        """(classes, indicator matrix) for 1-D class labels; at least 2 classes."""
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"The multinomial family needs 1-D class labels, got shape "
                             f"{y.shape}.")
        classes, index = np.unique(y, return_inverse=True)
        if classes.shape[0] < 2:
            raise ValueError("The multinomial family needs at least 2 classes in y; got "
                             f"{classes.shape[0]}: {classes!r}.")
        Y = np.zeros((y.shape[0], classes.shape[0]))
        Y[np.arange(y.shape[0]), index] = 1.0
        return classes, Y

    def check_y(self, Y: np.ndarray) -> np.ndarray:
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim != 2 or not np.isin(Y, (0.0, 1.0)).all() or (Y.sum(axis=1) != 1).any():
            raise ValueError("The multinomial family fits an (n_samples, n_classes) indicator "
                             "matrix; pass class labels to path().")
        return Y

    def derivatives(self, Y, eta):
        P = softmax(eta, axis=1)
        return P - Y, np.maximum(P * (1.0 - P), MIN_HESSIAN)

    def loss(self, Y, eta):
        return logsumexp(eta, axis=1) - np.sum(Y * eta, axis=1)

    def deviance(self, Y, eta, weights) -> float:
        return 2.0 * float(weights @ self.loss(Y, eta))  # the saturated loss is 0

    def null_eta(self, Y, weights, offset, fit_intercept):
        """The intercept-only fit: the log class shares, centred (offset must be 0)."""
        n, K = Y.shape
        if not fit_intercept:
            return np.zeros((n, K))
        prior = np.clip(weights @ Y / weights.sum(), 1e-12, None)
        return np.broadcast_to(np.log(prior) - np.log(prior).mean(), (n, K)).copy()


FAMILIES = {"gaussian": Gaussian, "binomial": Binomial, "poisson": Poisson,
            "multinomial": Multinomial}


def get_family(name: str):
    if name not in FAMILIES:
        raise ValueError(f"family must be one of {tuple(FAMILIES)}, got {name!r}.")
    return FAMILIES[name]()
