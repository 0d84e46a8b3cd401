"""Families: derivatives against finite differences, deviance identities, safe extremes."""

import numpy as np
import pytest

from penalized.families import Binomial, Gaussian, Poisson, get_family


@pytest.mark.parametrize("family, y", [
    (Binomial(), np.array([0.0, 1.0, 1.0, 0.0, 1.0])),
    (Poisson(), np.array([0.0, 3.0, 1.0, 7.0, 2.0])),
    (Gaussian(), np.array([0.3, -1.0, 2.0, 0.0, 5.0])),
])
def test_derivatives_match_finite_differences(family, y):
    eta = np.array([-2.0, -0.3, 0.0, 0.7, 1.9])
    g, h = family.derivatives(y, eta)
    step = 1e-6
    num_g = (family.loss(y, eta + step) - family.loss(y, eta - step)) / (2 * step)
    g_plus, _ = family.derivatives(y, eta + step)
    g_minus, _ = family.derivatives(y, eta - step)
    num_h = (g_plus - g_minus) / (2 * step)
    np.testing.assert_allclose(g, num_g, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(h, num_h, rtol=1e-6, atol=1e-8)


def test_binomial_is_stable_at_extreme_eta():
    fam = Binomial()
    y = np.array([1.0, 0.0, 1.0, 0.0])
    eta = np.array([800.0, -800.0, -800.0, 800.0])
    loss = fam.loss(y, eta)
    np.testing.assert_allclose(loss, [0.0, 0.0, 800.0, 800.0])
    g, h = fam.derivatives(y, eta)
    assert np.isfinite(g).all() and (h > 0).all()


def test_poisson_is_stable_at_extreme_eta():
    fam = Poisson()
    y = np.array([0.0, 5.0])
    g, h = fam.derivatives(y, np.array([1e4, -1e4]))
    assert np.isfinite(g).all() and np.isfinite(h).all() and (h > 0).all()
    assert np.isfinite(fam.deviance(y, np.array([0.0, 1.0]), np.ones(2)))


def test_deviance_is_zero_at_the_saturated_model_and_matches_sklearn():
    from sklearn.metrics import mean_poisson_deviance

    fam = Poisson()
    y = np.array([1.0, 3.0, 0.5, 2.0])
    assert fam.deviance(y, np.log(y), np.ones(4)) == pytest.approx(0.0, abs=1e-12)
    eta = np.array([0.2, 1.0, -0.3, 0.5])
    assert fam.deviance(y, eta, np.ones(4)) / 4 == pytest.approx(
        mean_poisson_deviance(y, np.exp(eta)))


@pytest.mark.parametrize("family, y", [
    (Binomial(), np.array([0.0, 1.0, 1.0, 1.0, 0.0])),
    (Poisson(), np.array([0.0, 3.0, 1.0, 7.0, 2.0])),
])
def test_null_eta_zeroes_the_intercept_gradient(family, y):
    w = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    offset = np.array([0.1, -0.2, 0.3, 0.0, 0.5])
    eta = family.null_eta(y, w, offset, True)
    g, _ = family.derivatives(y, eta)
    assert abs(w @ g) < 1e-10
    np.testing.assert_allclose(eta - offset, (eta - offset)[0])


def test_bad_targets_and_names():
    with pytest.raises(ValueError, match=r"y in \{0, 1\}"):
        Binomial().check_y(np.array([0.0, 2.0]))
    with pytest.raises(ValueError, match="y >= 0"):
        Poisson().check_y(np.array([-1.0, 2.0]))
    with pytest.raises(ValueError, match="family must be one of"):
        get_family("gamma")
