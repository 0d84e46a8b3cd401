"""Shrinkage curves: fitted estimators on orthonormal designs against the closed forms."""

import numpy as np
import pytest

from penalized.explain.shrinkage import ShrinkageCurves, shrinkage_curves, soft_threshold


def closed_soft_threshold(z, c):
    """Written out case by case, independently of soft_threshold's sign/max form."""
    return np.array([v - c if v > c else v + c if v < -c else 0.0 for v in z])


@pytest.mark.parametrize("alpha, l1_ratio", [(1.0, 0.5), (0.3, 0.8), (2.5, 0.1)])
def test_curves_match_closed_forms(alpha, l1_ratio):
    curves = shrinkage_curves(alpha=alpha, l1_ratio=l1_ratio)
    z = curves.z
    assert isinstance(curves, ShrinkageCurves)
    assert curves.alpha == alpha and curves.l1_ratio == l1_ratio
    np.testing.assert_allclose(curves.lasso, closed_soft_threshold(z, alpha), atol=1e-8, rtol=0)
    np.testing.assert_allclose(curves.ridge, z / (1 + alpha), atol=1e-8, rtol=0)
    enet = closed_soft_threshold(z, alpha * l1_ratio) / (1 + alpha * (1 - l1_ratio))
    np.testing.assert_allclose(curves.elasticnet, enet, atol=1e-8, rtol=0)


def test_lasso_curve_is_exactly_zero_inside_the_threshold():
    curves = shrinkage_curves(alpha=1.0, l1_ratio=0.5)
    inside = np.abs(curves.z) <= curves.alpha
    assert inside.sum() > 50  # the default grid spans [-3 alpha, 3 alpha]
    assert (curves.lasso[inside] == 0.0).all()  # exact zeros, from the solver
    assert (curves.lasso[~inside] != 0.0).all()
    en_inside = np.abs(curves.z) <= curves.elasticnet_threshold
    assert (curves.elasticnet[en_inside] == 0.0).all()
    assert (curves.elasticnet[~en_inside] != 0.0).all()
    # ridge only scales: never zero away from z = 0 (at z = 0 it is rounding-level, as
    # X'y/n of the other columns is orthogonal only to rounding)
    assert (curves.ridge[curves.z != 0.0] != 0.0).all()
    assert np.abs(curves.ridge[curves.z == 0.0]).max() < 1e-12


def test_default_grid_is_symmetric_past_the_threshold():
    curves = shrinkage_curves(alpha=0.5, n_points=101)
    assert curves.z.shape == curves.lasso.shape == curves.ridge.shape == (101,)
    np.testing.assert_allclose(curves.z, -curves.z[::-1], atol=1e-15)
    assert curves.z.max() > 2 * curves.alpha
    np.testing.assert_allclose(curves.lasso, -curves.lasso[::-1], atol=1e-12)


def test_user_z_in_several_batches():
    rng = np.random.default_rng(0)
    z = rng.uniform(-4, 4, 600)  # more points than one orthonormal design holds
    curves = shrinkage_curves(alpha=0.7, l1_ratio=0.4, z=z)
    np.testing.assert_array_equal(curves.z, z)
    np.testing.assert_allclose(curves.lasso, closed_soft_threshold(z, 0.7), atol=1e-8, rtol=0)
    np.testing.assert_allclose(curves.ridge, z / 1.7, atol=1e-8, rtol=0)


def test_limits_of_the_elastic_net():
    z = np.linspace(-2, 2, 41)
    ridge_like = shrinkage_curves(alpha=0.8, l1_ratio=0.0, z=z)
    np.testing.assert_allclose(ridge_like.elasticnet, ridge_like.ridge, atol=1e-10)
    lasso_like = shrinkage_curves(alpha=0.8, l1_ratio=1.0, z=z)
    np.testing.assert_allclose(lasso_like.elasticnet, lasso_like.lasso, atol=1e-10)


def test_soft_threshold():
    z = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])
    np.testing.assert_array_equal(soft_threshold(z, 1.0), [-2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0])
    np.testing.assert_array_equal(soft_threshold(z, 0.0), z)
    with pytest.raises(ValueError, match="threshold"):
        soft_threshold(z, -1.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"alpha": 0.0}, "alpha"),
        ({"alpha": -1.0}, "alpha"),
        ({"alpha": float("nan")}, "alpha"),
        ({"alpha": float("inf")}, "alpha"),
        ({"alpha": "1"}, "alpha"),
        ({"l1_ratio": 1.5}, "l1_ratio"),
        ({"n_points": 1}, "n_points"),
        ({"z": [[1.0, 2.0]]}, "z"),
        ({"z": [1.0, np.nan]}, "z"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        shrinkage_curves(**kwargs)
