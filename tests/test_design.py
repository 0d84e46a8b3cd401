"""The designs' Gram matrices against X_c' W X_c formed directly from a centred copy."""

import numpy as np
import pytest
import scipy.sparse as sp

from penalized import design as design_module
from penalized.design import DenseDesign, SparseDesign


def _reference(X, weights):
    X = np.asarray(X, dtype=np.float64)
    mean = weights @ X
    centred = X - mean
    return centred.T @ (weights[:, None] * centred)


@pytest.mark.parametrize("order", ["F", "C"])
@pytest.mark.parametrize("offset", [0.0, 3.0, 1e3])  # below and above GRAM_SHIFT_RATIO
@pytest.mark.parametrize("weighted", [False, True])
def test_dense_gram_equals_centred_product(rng, order, offset, weighted):
    X = np.asarray(rng.standard_normal((300, 7)) + offset * np.arange(7), order=order)
    raw = rng.uniform(0.5, 2.0, 300) if weighted else np.ones(300)
    weights = raw / raw.sum()
    Q = DenseDesign(X, weights, fit_intercept=True).gram()
    ref = _reference(X, weights)
    # entries relative to the diagonal's scale: the shifted form keeps ~13 digits here
    np.testing.assert_allclose(Q, ref, rtol=0, atol=1e-12 * np.abs(np.diag(ref)).max())


def test_dense_gram_shift_form_is_used_only_for_modest_means(rng, monkeypatch):
    """Far-off means go through centred blocks: X'X / n - m m' would cancel their digits."""
    calls = []
    original = np.outer

    def spy(a, b):
        calls.append(1)
        return original(a, b)

    monkeypatch.setattr(design_module.np, "outer", spy)
    X = np.asfortranarray(rng.standard_normal((200, 4)))
    weights = np.full(200, 1 / 200)
    DenseDesign(X, weights, fit_intercept=True).gram()
    assert calls, "a centred-scale X should use the one-product form"
    calls.clear()
    X[:, 2] += 1e3  # |mean| / sd ~ 1e3 > GRAM_SHIFT_RATIO
    Q = DenseDesign(X, weights, fit_intercept=True).gram()
    assert not calls
    ref = _reference(X, weights)
    np.testing.assert_allclose(Q, ref, rtol=0, atol=1e-12 * np.abs(np.diag(ref)).max())


def test_float32_gram_is_accumulated_in_float64(rng):
    X = np.asfortranarray(rng.standard_normal((500, 5)).astype(np.float32))
    weights = np.full(500, 1 / 500)
    Q = DenseDesign(X, weights, fit_intercept=True).gram()
    assert Q.dtype == np.float64
    np.testing.assert_allclose(Q, _reference(X, weights), rtol=0, atol=1e-12)


def test_sparse_gram_equals_centred_product(rng):
    X = sp.random(400, 30, density=0.1, format="csc", random_state=0)
    raw = rng.uniform(0.5, 2.0, 400)
    weights = raw / raw.sum()
    Q = SparseDesign(X, weights, fit_intercept=True).gram()
    np.testing.assert_allclose(Q, _reference(X.toarray(), weights), rtol=0, atol=1e-13)


def _designs(rng):
    X = np.asfortranarray(rng.standard_normal((50, 6)) + 2.0)
    weights = np.full(50, 1 / 50)
    dense = DenseDesign(X, weights, fit_intercept=True)
    sparse = SparseDesign(sp.csc_matrix(X), weights, fit_intercept=True)
    return X, weights, [("dense", dense), ("sparse", sparse),
                        ("gram", design_module.GramDesign(dense))]


def test_state_is_the_residual_or_gradient_at_coef_and_a_fresh_array(rng):
    """The state the kernels update in place: at zero (a cold start, no pass over X) and
    at any other coef, against X_c b formed directly."""
    X, weights, designs = _designs(rng)
    y_c = rng.standard_normal(50)
    y_c -= weights @ y_c
    X_c = X - weights @ X
    for coef in (np.zeros(6), rng.standard_normal(6)):
        resid = y_c - X_c @ coef
        for name, design in designs:
            store = design.store(y_c)
            state = design.state(store, y_c, coef)
            if name == "dense":
                np.testing.assert_allclose(state, resid, atol=1e-12)
            elif name == "sparse":  # residual uncentred by the shift s = x_mean . b
                np.testing.assert_allclose(state[:-1] + state[-1], resid, atol=1e-12)
            else:  # the gradient X_c' W r
                np.testing.assert_allclose(state, X_c.T @ (weights * resid), atol=1e-12)
            state += 1.0  # the kernels write to it: it must not be y_c or the store's q
            assert not np.shares_memory(state, y_c)
            if name == "gram":
                assert not np.shares_memory(state, store.q)
