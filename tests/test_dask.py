"""penalized.dask on a real two-process LocalCluster: the same answers as in memory (to 1e-8),
one pass for a gaussian path, the too-wide refusal, and a worker killed mid-computation."""

import os

import numpy as np
import pytest

pytest.importorskip("dask", reason="penalized[dask] extra not installed (dask)")
pytest.importorskip("dask.dataframe", reason="penalized[dask] extra not installed (dataframe)")
distributed = pytest.importorskip("distributed",
                                  reason="penalized[dask] extra not installed (distributed)")

import dask.array as da  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402

import penalized  # noqa: E402
import penalized.dask as pdk  # noqa: E402

ATOL = 1e-8
N, P = 2400, 8
UNEVEN = (500, 130, 900, 70, 800)  # row chunks of the unevenly chunked X


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, P)) * np.linspace(0.5, 3, P) + np.linspace(-2, 5, P)
    beta = np.r_[1.5, -2.0, 0.0, 0.0, 1.0, np.zeros(P - 5)]
    eta = (X - X.mean(0)) @ beta
    y = eta + rng.standard_normal(N)
    labels = (eta + rng.standard_normal(N) > 0).astype(float)
    w = rng.uniform(0.5, 2.0, N)
    return X, y, labels, w


def _dask(X, y, w, chunks):
    rows = (chunks,) if isinstance(chunks, tuple) else chunks
    return (da.from_array(X, chunks=(rows[0] if isinstance(chunks, tuple) else chunks, P)),
            da.from_array(y, chunks=rows), da.from_array(w, chunks=rows))


def _frame(X, y, w, npartitions=4, **extra):
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(P)]).assign(target=y, weight=w,
                                                                      **extra)
    return dd.from_pandas(df, npartitions=npartitions, sort=False)


def _close(a, b, atol=ATOL):
    np.testing.assert_allclose(a, b, rtol=0, atol=atol)


def _same_path(got, ref, atol=ATOL):
    _close(got.alphas / ref.alphas[0], ref.alphas / ref.alphas[0], 1e-12)
    _close(got.coefs, ref.coefs, atol)
    _close(got.intercepts, ref.intercepts, atol)
    _close(got.dev_ratio, ref.dev_ratio, atol)


def _same_cv(got, ref):
    _close(got.mean, ref.mean)
    _close(got.std_error, ref.std_error)
    assert got.alpha_min == pytest.approx(ref.alpha_min, rel=1e-12)
    for a, b in zip(got.fold_paths, ref.fold_paths, strict=True):
        _same_path(a, b)
    _same_path(got.path, ref.path)


OPTIONS = [
    dict(),
    dict(standardize=True, fit_intercept=False),
    dict(penalty_factor=np.r_[0.0, np.ones(P - 1)], lower_bounds=-1.0, standardize=True),
]


@pytest.mark.parametrize("chunks", [600, UNEVEN], ids=["even", "uneven"])
@pytest.mark.parametrize("options", OPTIONS, ids=["plain", "std-noint", "pf-bounds"])
def test_gaussian_path_one_pass(client, data, chunks, options):
    X, y, _, w = data
    Xd, yd, wd = _dask(X, y, w, chunks)
    with pdk.count_passes() as passes:
        got = pdk.path(Xd, yd, 0.7, sample_weight=wd, n_alphas=30, tol=1e-12, **options)
    assert passes.n == 1
    ref = penalized.path(X, y, 0.7, sample_weight=w, n_alphas=30, tol=1e-12, precompute=True,
                         **options)
    _same_path(got, ref)


def test_gaussian_path_dataframe(client, data):
    X, y, _, w = data
    df = _frame(X, y, w)
    with pdk.count_passes() as passes:
        got = pdk.path(df, "target", sample_weight="weight", n_alphas=20, tol=1e-12)
    assert passes.n == 1
    ref = penalized.path(X, y, sample_weight=w, n_alphas=20, tol=1e-12, precompute=True)
    _same_path(got, ref)
    assert list(got.feature_names) == [f"x{j}" for j in range(P)]
    # a Series partitioned as X works as well as a column name
    series = pdk.path(df.drop(columns=["target", "weight"]), df["target"],
                      sample_weight=df["weight"], n_alphas=20, tol=1e-12)
    _same_path(series, ref)


@pytest.mark.parametrize("estimator", ["lasso", "enet"])
def test_single_fit(client, data, estimator):
    X, y, _, w = data
    Xd, yd, wd = _dask(X, y, w, UNEVEN)
    if estimator == "lasso":
        model, ref = pdk.Lasso(alpha=0.05, tol=1e-14), penalized.Lasso(alpha=0.05, tol=1e-14)
    else:
        model = pdk.ElasticNet(alpha=0.05, l1_ratio=0.3, standardize=True, tol=1e-14)
        ref = penalized.ElasticNet(alpha=0.05, l1_ratio=0.3, standardize=True, tol=1e-14)
    model.fit(Xd, yd, sample_weight=wd)
    ref.fit(X, y, sample_weight=w)
    assert model.n_passes_ == 1
    _close(model.coef_, ref.coef_)
    _close(model.intercept_, ref.intercept_)
    pred = model.predict(Xd)
    assert isinstance(pred, da.Array)  # lazy: nothing gathered until asked
    _close(pred.compute(), ref.predict(X), 1e-7)
    # numpy input goes to the in-memory solver unchanged
    _close(pdk.Lasso(alpha=0.05, tol=1e-12).fit(X, y, sample_weight=w).coef_,
           penalized.Lasso(alpha=0.05, tol=1e-12).fit(X, y, sample_weight=w).coef_, 0)


@pytest.mark.parametrize("options", OPTIONS[:2], ids=["plain", "std-noint"])
def test_binomial_path(client, data, options):
    X, _, labels, w = data
    Xd, yd, wd = _dask(X, labels, w, UNEVEN)
    with pdk.count_passes() as passes:
        got = pdk.path(Xd, yd, 0.8, family="binomial", sample_weight=wd, n_alphas=8,
                       tol=1e-10, **options)
    ref = penalized.path(X, labels, 0.8, family="binomial", sample_weight=w, n_alphas=8,
                         tol=1e-10, **options)
    _same_path(got, ref)
    # statistics + null model, then one pass per Newton step (none backtracked here)
    assert passes.n <= 2 + got.n_iter.sum() * 2
    assert passes.n >= 2 + got.n_iter.sum()


def test_logistic_regression(client, data):
    X, _, labels, w = data
    y = np.where(labels > 0, "yes", "no")
    df = _frame(X, labels, w)
    model = pdk.LogisticRegression(C=0.05, l1_ratio=0.5, tol=1e-10, standardize=True)
    model.fit(df.drop(columns=["target", "weight"]), df["target"], sample_weight=df["weight"])
    ref = penalized.LogisticRegression(C=0.05, l1_ratio=0.5, tol=1e-10, standardize=True)
    ref.fit(X, labels, sample_weight=w)
    _close(model.coef_, ref.coef_)
    _close(model.intercept_, ref.intercept_)
    assert model.n_passes_ >= 3
    # string labels on a dask array: classes_ as in memory
    Xd, _, wd = _dask(X, labels, w, 600)
    strings = pdk.LogisticRegression(C=0.05, tol=1e-10).fit(Xd, da.from_array(y, chunks=600))
    assert list(strings.classes_) == ["no", "yes"]
    _close(strings.coef_, penalized.LogisticRegression(C=0.05, tol=1e-10).fit(X, y).coef_)
    np.testing.assert_array_equal(strings.predict(Xd).compute(),
                                  penalized.LogisticRegression(C=0.05, tol=1e-10).fit(X, y)
                                  .predict(X))


def _block_folds(chunks, n_folds):
    bounds = np.r_[0, np.cumsum(chunks)]
    fold = np.concatenate([np.full(c, i % n_folds) for i, c in enumerate(chunks)])
    assert len(bounds) - 1 == len(chunks)
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(n_folds)]


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
def test_cv_path_by_blocks(client, data, family):
    X, y, labels, w = data
    target = y if family == "gaussian" else labels
    Xd, yd, wd = _dask(X, target, w, UNEVEN)
    n_alphas = 15 if family == "gaussian" else 6
    with pdk.count_passes() as passes:
        got = pdk.cv_path(Xd, yd, family=family, cv=3, sample_weight=wd, n_alphas=n_alphas,
                          tol=1e-11, standardize=True)
    if family == "gaussian":
        assert passes.n == 1  # every fold's statistics and its scores from one pass
    ref = penalized.cv_path(X, target, family=family, cv=_block_folds(UNEVEN, 3),
                            sample_weight=w, n_alphas=n_alphas, tol=1e-11, standardize=True,
                            precompute=True)
    _same_cv(got, ref)


def test_cv_path_hashed_key(client, data):
    X, y, _, w = data
    key = np.arange(N) * 7919 % 1000  # e.g. a customer id: all its rows in one fold
    df = _frame(X, y, w, customer=key)
    got = pdk.cv_path(df, "target", cv=4, fold_key="customer", sample_weight="weight",
                      n_alphas=10, tol=1e-12)
    fold = pdk.fold_labels(key, 4)
    folds = [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(4)]
    ref = penalized.cv_path(X, y, cv=folds, sample_weight=w, n_alphas=10, tol=1e-12,
                            precompute=True)
    _close(got.mean, ref.mean)
    assert got.alpha_min == pytest.approx(ref.alpha_min, rel=1e-12)


def test_too_wide_is_refused_without_reading(client):
    X = da.zeros((1000, 3000), chunks=(100, 3000))
    y = da.zeros(1000, chunks=100)
    with pdk.count_passes() as passes:
        with pytest.raises(ValueError, match="too wide for the Dask backend.*sparse solver"):
            pdk.path(X, y, max_gram_bytes=2**20)
        with pytest.raises(ValueError, match="max_gram_bytes"):
            pdk.Lasso().fit(da.zeros((10, 20000), chunks=(5, 20000)), da.zeros(10, chunks=5))
    assert passes.n == 0


def test_input_errors(client, data):
    X, y, _, w = data
    Xd, yd, _ = _dask(X, y, w, 600)
    with pytest.raises(TypeError, match="dask array or dataframe"):
        pdk.path(X, y)
    with pytest.raises(ValueError, match="one per row"):
        pdk.path(Xd, da.zeros(10, chunks=5))
    with pytest.raises(ValueError, match="y in"):
        pdk.path(Xd, yd, family="binomial")
    with pytest.raises(ValueError, match="cv=5 folds by row blocks"):
        pdk.cv_path(Xd, yd, cv=5)


def test_worker_killed_mid_computation(client, data, tmp_path):
    X, y, labels, w = data
    marker = str(tmp_path / "killed-once")

    def die_once(block):
        # the first task to read a block kills its worker process; the cluster reruns it
        # (never on the client: dask may call this on empty arrays to infer metadata)
        if block.size and not os.path.exists(marker):
            distributed.get_worker()  # raises ValueError outside a worker
            open(marker, "w").close()
            os._exit(1)
        return block

    Xd, yd, wd = _dask(X, y, w, 600)
    Xk = Xd.map_blocks(die_once, dtype=Xd.dtype, meta=np.empty((0, 0)))
    before = set(client.run(os.getpid).values())
    got = pdk.path(Xk, yd, sample_weight=wd, n_alphas=10, tol=1e-12)
    assert os.path.exists(marker)
    client.wait_for_workers(2, timeout=30)
    assert set(client.run(os.getpid).values()) != before  # a worker process was replaced
    ref = penalized.path(X, y, sample_weight=w, n_alphas=10, tol=1e-12, precompute=True)
    _same_path(got, ref)


def test_poisson_path(client, data):
    X, y, _, w = data
    rng = np.random.default_rng(1)
    counts = rng.poisson(np.exp(0.3 * (X[:, 0] - X[:, 0].mean()))).astype(float)
    Xd, yd, wd = _dask(X, counts, w, UNEVEN)
    got = pdk.path(Xd, yd, family="poisson", sample_weight=wd, n_alphas=6, tol=1e-10)
    ref = penalized.path(X, counts, family="poisson", sample_weight=w, n_alphas=6, tol=1e-10)
    _same_path(got, ref)


def test_random_selection_on_dask(client):
    """selection='random' visits coordinates in random order on Dask too (it was ignored)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 6))
    y = X @ [1.0, -2.0, 0.0, 0.5, 0.0, 0.0] + rng.standard_normal(400)
    Xd = da.from_array(X, chunks=(100, 6))
    kw = dict(alpha=0.05, selection="random", random_state=0, tol=1e-12)
    ours = pdk.Lasso(**kw).fit(Xd, y)
    ref = penalized.Lasso(**kw, precompute=True).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-8)
    cyclic = pdk.Lasso(alpha=0.05, tol=1e-12).fit(Xd, y)
    assert ours.n_iter_ != cyclic.n_iter_ or not np.array_equal(ours.coef_, cyclic.coef_)


# ----------------------------------------------------------------------------------------
# multinomial, offset, relax, and the main API handing dask input to penalized.dask

SMALL = (70, 30, 120, 80)  # row chunks of the small (300 x 6) data sets below


@pytest.fixture(scope="module")
def classes3():
    """300 x 6, three string classes, weights."""
    rng = np.random.default_rng(5)
    n, p = 300, 6
    X = rng.standard_normal((n, p)) * np.linspace(0.5, 2, p) + np.linspace(-1, 2, p)
    B = np.c_[rng.standard_normal((3, 3)), np.zeros((3, p - 3))]
    eta = (X - X.mean(0)) @ B.T
    codes = (eta + rng.gumbel(size=eta.shape)).argmax(axis=1)  # softmax draws
    return X, np.array(["ant", "bee", "cat"])[codes], rng.uniform(0.5, 2.0, n)


def _small(X, *columns):
    return (da.from_array(X, chunks=(SMALL, X.shape[1])),
            *(da.from_array(c, chunks=(SMALL,)) for c in columns))


MULTINOMIAL = [
    (1.0, dict()),
    (1.0, dict(standardize=True, fit_intercept=False, upper_bounds=0.8)),
    (0.0, dict(penalty_factor=np.r_[0.0, np.ones(5)])),  # ridge: exact joint steps
]


@pytest.mark.parametrize("l1_ratio, options", MULTINOMIAL, ids=["lasso", "std-noint-upper",
                                                                 "ridge-pf"])
def test_multinomial_path(client, classes3, l1_ratio, options):
    X, labels, w = classes3
    Xd, yd, wd = _small(X, labels, w)
    with pdk.count_passes() as passes:
        got = pdk.path(Xd, yd, l1_ratio, family="multinomial", sample_weight=wd, n_alphas=6,
                       eps=0.01, tol=1e-9, **options)
    ref = penalized.path(X, labels, l1_ratio, family="multinomial", sample_weight=w,
                         n_alphas=6, eps=0.01, tol=1e-9, **options)
    assert ref.converged.all() and got.converged.all()
    assert got.coefs.shape == ref.coefs.shape == (6, 3, 6)
    np.testing.assert_array_equal(got.classes, ref.classes)
    _same_path(got, ref)
    # statistics + null model (+ the pinned null fit with pf = 0), then ~one pass per step
    assert passes.n <= 2 + got.n_iter.sum() * 2 + (30 if "penalty_factor" in options else 0)


def test_multinomial_cv_path(client, classes3):
    X, labels, w = classes3
    Xd, yd, wd = _small(X, labels, w)
    with pdk.count_passes() as passes:
        got = pdk.cv_path(Xd, yd, family="multinomial", cv=2, sample_weight=wd, n_alphas=5,
                          eps=0.02, tol=1e-9, scoring="class")
    ref = penalized.cv_path(X, labels, family="multinomial", cv=_block_folds(SMALL, 2),
                            sample_weight=w, n_alphas=5, eps=0.02, tol=1e-9, scoring="class")
    _same_cv(got, ref)
    # the folds and the full path step together: far fewer passes than their steps
    assert passes.n < sum(fp.n_iter.sum() for fp in got.fold_paths) + got.path.n_iter.sum()


@pytest.mark.parametrize("kw", [dict(C=0.5, l1_ratio=1.0), dict(C=0.2, standardize=True),
                                dict(C=0.3, l1_ratio=0.5), dict(C=2.0, l1_ratio=0.2)],
                         ids=["l1", "l2-std", "en", "en-weak"])
def test_multinomial_logistic_regression(client, classes3, kw):
    """penalized.LogisticRegression itself takes the dask dataframe (and three classes)."""
    X, labels, w = classes3
    df = dd.from_pandas(pd.DataFrame(X, columns=[f"x{j}" for j in range(6)])
                        .assign(label=labels, weight=w), npartitions=3, sort=False)
    model = penalized.LogisticRegression(tol=1e-8, **kw)
    model.fit(df.drop(columns=["label", "weight"]), df["label"], sample_weight=df["weight"])
    ref = penalized.LogisticRegression(tol=1e-8, **kw).fit(X, labels, sample_weight=w)
    # Each fit is within ~7e-9 of a tol=1e-14 fit, and no tol gets closer on the elastic-net
    # case: past a KKT violation of ~5e-10 a Newton step lowers the objective by less than its
    # rounding (~1e-14), so both solvers stop there (as "stalled") at different points.
    _close(model.coef_, ref.coef_, 5e-8)
    _close(model.intercept_, ref.intercept_, 5e-8)
    np.testing.assert_array_equal(model.classes_, ref.classes_)
    # Newton step counts may differ: the inner solves (Gram here, dense in memory) stop at
    # different points within their certificates
    assert model.n_iter_.shape == (1,) and model.n_iter_[0] >= 1
    assert model.n_features_in_ == 6 and list(model.feature_names_in_) == list(df.columns[:6])
    assert model.n_passes_ >= 2 + model.n_iter_[0]
    Xd = da.from_array(X, chunks=(SMALL, 6))
    proba, label, score = (model.predict_proba(Xd), model.predict(Xd),
                           model.decision_function(Xd))
    assert all(isinstance(a, da.Array) for a in (proba, label, score))  # lazy
    _close(proba.compute(), ref.predict_proba(X), 1e-7)
    _close(score.compute(), ref.decision_function(X), 1e-7)
    np.testing.assert_array_equal(label.compute(), ref.predict(X))


@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_offset(client, family):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((300, 6)) + 0.5
    offset = rng.uniform(-1.0, 1.0, 300)
    eta = offset + 0.6 * X[:, 0] - 0.4 * X[:, 1] - (0.0 if family == "binomial" else 0.5)
    y = (rng.poisson(np.exp(eta)) if family == "poisson"
         else (eta + rng.logistic(size=300) > 0)).astype(float)
    w = rng.uniform(0.5, 2.0, 300)
    Xd, yd, wd, od = _small(X, y, w, offset)
    with pdk.count_passes() as passes:
        got = pdk.path(Xd, yd, 0.9, family=family, sample_weight=wd, offset=od, n_alphas=5,
                       tol=1e-10)
    ref = penalized.path(X, y, 0.9, family=family, sample_weight=w, offset=offset, n_alphas=5,
                         tol=1e-10)
    assert ref.converged.all()
    _same_path(got, ref)
    # the offset moves the fit: without it the answer differs
    plain = penalized.path(X, y, 0.9, family=family, sample_weight=w, n_alphas=5, tol=1e-10)
    assert np.abs(plain.coefs - ref.coefs).max() > 1e-3
    if family == "binomial":  # the intercept-only fit iterates, on light passes
        assert passes.n > 2 + got.n_iter.sum()
    # a column of a dask dataframe, named
    df = dd.from_pandas(pd.DataFrame(X).rename(columns=str).assign(y=y, off=offset),
                        npartitions=3, sort=False)
    named = penalized.path(df, "y", 0.9, family=family, offset="off", n_alphas=5, tol=1e-10)
    _same_path(named, penalized.path(X, y, 0.9, family=family, offset=offset, n_alphas=5,
                                     tol=1e-10))


@pytest.mark.parametrize("options", [dict(), dict(upper_bounds=0.5, standardize=True)],
                         ids=["free", "bounded"])
def test_relaxed_path(client, data, options):
    X, y, _, w = data
    Xd, yd, wd = _dask(X, y, w, UNEVEN)
    with pdk.count_passes() as passes:
        got = penalized.path(Xd, yd, sample_weight=wd, n_alphas=12, tol=1e-12, relax=True,
                             **options)
    assert passes.n == 1  # the relaxed refits come from the same statistics
    ref = penalized.path(X, y, sample_weight=w, n_alphas=12, tol=1e-12, relax=True,
                         precompute=True, **options)
    _same_path(got, ref)
    _close(got.relaxed_coefs, ref.relaxed_coefs)
    _close(got.relaxed_intercepts, ref.relaxed_intercepts)
    alpha = float(np.sqrt(ref.alphas[3] * ref.alphas[4]))
    _close(got.coef_at(alpha, gamma=0.3)[0], ref.coef_at(alpha, gamma=0.3)[0])
    with pytest.raises(ValueError, match="relax=True is available for the gaussian"):
        pdk.path(Xd, (yd > 0).astype(float), family="binomial", relax=True)


def test_main_api_hands_dask_to_the_backend(client, data):
    """penalized.path / cv_path / Lasso / ElasticNet / LogisticRegression on dask input fit
    on the cluster (passes counted) and equal the in-memory fits."""
    X, y, labels, w = data
    Xd, yd, wd = _dask(X, y, w, UNEVEN)
    with pdk.count_passes() as passes:
        got = penalized.path(Xd, yd, 0.5, sample_weight=wd, n_alphas=10, tol=1e-12)
        cv = penalized.cv_path(Xd, yd, cv=3, sample_weight=wd, n_alphas=10, tol=1e-12)
    assert passes.n == 2
    _same_path(got, penalized.path(X, y, 0.5, sample_weight=w, n_alphas=10, tol=1e-12,
                                   precompute=True))
    ref_cv = penalized.cv_path(X, y, cv=_block_folds(UNEVEN, 3), sample_weight=w, n_alphas=10,
                               tol=1e-12, precompute=True)
    _close(cv.mean, ref_cv.mean)
    df = _frame(X, y, w)
    for Model, kw in [(penalized.Lasso, {}), (penalized.ElasticNet, dict(l1_ratio=0.3))]:
        model = Model(alpha=0.05, tol=1e-14, **kw).fit(df.drop(columns=["target", "weight"]),
                                                        df["target"], sample_weight=df["weight"])
        ref = Model(alpha=0.05, tol=1e-14, **kw).fit(X, y, sample_weight=w)
        _close(model.coef_, ref.coef_)
        assert model.intercept_ == pytest.approx(ref.intercept_, abs=ATOL)
        assert model.n_passes_ == 1 and model.n_features_in_ == P
        assert list(model.feature_names_in_) == [f"x{j}" for j in range(P)]
        np.testing.assert_array_equal(model.selected_features_,
                                      [f"x{j}" for j in ref.selected_features_])
        pred = model.predict(df.drop(columns=["target", "weight"]))
        assert isinstance(pred, da.Array)
        _close(pred.compute(), ref.predict(X), 1e-7)
    clf = penalized.LogisticRegression(C=0.05, tol=1e-10).fit(Xd, da.from_array(labels, 600))
    ref = penalized.LogisticRegression(C=0.05, tol=1e-10).fit(X, labels)
    _close(clf.coef_, ref.coef_)
    assert clf.n_passes_ >= 3
    np.testing.assert_array_equal(clf.predict(Xd).compute(), ref.predict(X))
    # a model fitted in memory predicts lazily on dask input too
    assert isinstance(ref.predict_proba(Xd), da.Array)
    _close(ref.predict_proba(Xd).compute(), ref.predict_proba(X), 1e-12)
    ridge = penalized.Ridge(alpha=1.0).fit(X, y)  # in memory, no Dask fit: predicts lazily
    assert isinstance(ridge.predict(Xd), da.Array)
    _close(ridge.predict(Xd).compute(), ridge.predict(X), 1e-12)


def test_unsupported_options_are_refused_without_reading(client, data):
    from sklearn.model_selection import KFold

    X, y, labels, w = data
    Xd, yd, _ = _dask(X, y, w, 600)
    with pdk.count_passes() as passes:
        with pytest.raises(ValueError, match="cv must be an int"):
            penalized.cv_path(Xd, yd, cv=KFold(3))
        with pytest.raises(ValueError, match="progress is not available on Dask"):
            penalized.cv_path(Xd, yd, cv=3, progress=print)
        with pytest.raises(ValueError, match="precompute"):
            penalized.Lasso(precompute=np.eye(P)).fit(Xd, yd)
        with pytest.raises(ValueError, match="class_weight is not supported on Dask"):
            penalized.LogisticRegression(class_weight="balanced").fit(Xd, yd > 0)
        with pytest.raises(ValueError, match="offset is for the binomial and poisson"):
            penalized.path(Xd, yd, offset=np.zeros(N))
        # estimators without a Dask backend refuse rather than gather X on the client
        with pytest.raises(TypeError, match="no Dask backend"):
            penalized.Ridge().fit(Xd, yd)
        with pytest.raises(TypeError, match="no Dask backend"):
            penalized.LassoCV().fit(Xd, yd)
        with pytest.raises(TypeError, match="no Dask backend"):
            penalized.LogisticRegressionCV().fit(Xd, yd > 0)
        poisson = penalized.PoissonRegressor()
        with pytest.raises(TypeError, match="no Dask backend"):
            poisson.fit(Xd, da.exp(yd / 10))
        with pytest.raises(TypeError, match="no Dask backend"):
            poisson.fit(X, np.exp(y / 10)).predict(Xd)
        with pytest.raises(ValueError, match="n_classes=3.*too wide"):
            pdk.path(Xd, da.from_array(np.arange(N) % 3, 600), family="multinomial",
                     max_gram_bytes=8 * (3 * (P + 1)) ** 2 - 1)
    assert passes.n == 1  # the multinomial width is known after the statistics pass only


def test_cv_folds_deviance_and_grid(client):
    """Each poisson fold's dev_ratio uses its own rows' saturated term, and the grid of a
    cv_path without the full path is still the full data's."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((300, 6))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 2])).astype(float)
    Xd, yd = _small(X, y)
    got = pdk.cv_path(Xd, yd, family="poisson", cv=2, n_alphas=4, eps=0.05, tol=1e-10,
                      full_path=False)
    ref = penalized.cv_path(X, y, family="poisson", cv=_block_folds(SMALL, 2), n_alphas=4,
                            eps=0.05, tol=1e-10, full_path=False)
    assert got.path is None
    _close(got.alphas / ref.alphas[0], ref.alphas / ref.alphas[0], 1e-12)
    for a, b in zip(got.fold_paths, ref.fold_paths, strict=True):
        _same_path(a, b)


def test_shifted_moments_equal_the_moments_of_the_shifted_response():
    """A multinomial class cycle after a common shift (c, c0) of the coefficients and
    intercepts reuses the class moments of the point before it: those of
    (x, z - x'c - c0), by algebra."""
    rng = np.random.default_rng(2)
    X, z, w = rng.standard_normal((50, 4)) + 3.0, rng.standard_normal(50), rng.uniform(size=50)
    c = rng.standard_normal(4)
    for got, want in zip(pdk._shifted_moments(pdk._moments(X, z, w), c, 0.7),
                         pdk._moments(X, z - X @ c - 0.7, w), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_import_penalized_stays_light():
    """`import penalized` (and an in-memory fit) never imports dask."""
    import subprocess
    import sys

    code = ("import sys, numpy as np, penalized; "
            "penalized.Lasso(alpha=0.1).fit(np.eye(3), [1.0, 2.0, 3.0]); "
            "penalized.path(np.eye(3), [1.0, 2.0, 3.0], n_alphas=3); "
            "assert not [m for m in sys.modules if m.split('.')[0] == 'dask'], 'dask imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
