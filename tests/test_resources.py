"""Resources (issue 7, items 4 and 5): memory, termination, interruption, threads.

Memory is measured with tracemalloc, which sees numpy's buffers and also numba's NRT
allocations (numba allocates through the traced PyMem raw allocator; checked below), and
cross-checked with the process's resident-set high-water mark (VmHWM, reset through
/proc/self/clear_refs) where Linux allows it, which sees everything, BLAS included.

A KeyboardInterrupt (Ctrl-C, here `_thread.interrupt_main`, which runs the same SIGINT
handler) cannot stop a compiled kernel: numba's loops never return to the interpreter, so
the exception surfaces at the first bytecode after the kernel returns, i.e. after the
whole `solve_path` call (one alpha of a fit, or a whole Gaussian path). By then no fitted
attribute has been written, so the estimator keeps its previous model.
"""

import _thread
import gc
import signal
import threading
import time
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning

import penalized.newton as newton_module
import penalized.solver as solver_module
from penalized import ElasticNet, Lasso, LogisticRegression, PoissonRegressor, Ridge, path
from penalized._kernels import irls
from tests.test_edge_cases import run  # a call in a worker thread with a deadline

# ------------------------------------------------------------------------- memory

N_BIG, P_BIG = 50_000, 500  # 200 MB of float64


@pytest.fixture(scope="module")
def big():
    """A 200 MB Fortran-ordered X, filled by column blocks (no C-ordered temporary)."""
    rng = np.random.default_rng(0)
    X = np.empty((N_BIG, P_BIG), order="F")
    for j in range(0, P_BIG, 50):
        X[:, j:j + 50] = rng.standard_normal((N_BIG, 50))
    y = X[:, :10] @ np.arange(1.0, 11.0) + rng.standard_normal(N_BIG)
    # load the compiled kernels once, outside any measurement
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Lasso(0.1).fit(X[:200], y[:200])
        Lasso(0.1).fit(sp.csc_matrix(X[:200]), y[:200])
    return X, y


def traced_peak(fn) -> int:
    """Bytes of the largest traced allocation total during fn(), above the start."""
    gc.collect()
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - start


def _read_status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def rss_growth(fn) -> int:
    """Growth of the resident-set high-water mark during fn() (bytes), or skip."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current RSS
        start = _read_status("VmRSS")
        if _read_status("VmHWM") > start + (1 << 20):
            pytest.skip("VmHWM could not be reset")
    except (OSError, KeyError):
        pytest.skip("/proc/self/clear_refs or VmHWM unavailable")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn()
    return _read_status("VmHWM") - start


def test_tracemalloc_sees_numba_allocations():
    """The method's premise: an array allocated inside compiled code is traced."""
    from numba import njit

    @njit(cache=False)
    def allocate(n):
        a = np.empty(n)
        a[:] = 1.0
        return a.sum()

    allocate(10)
    assert traced_peak(lambda: allocate(10_000_000)) >= 80_000_000


# (estimator, bound on the traced peak in units of X.nbytes); measured on 50_000 x 500:
# Lasso, ElasticNet 0.010 (O(n + p) vectors only), Ridge 0.14 and the Gram path 0.14
# (X'X accumulated over blocks of 2048 rows).
DENSE_CASES = [
    (lambda: Lasso(0.5), 0.05),
    (lambda: ElasticNet(0.5, l1_ratio=0.5), 0.05),
    (lambda: Lasso(0.5, standardize=True), 0.05),
    (lambda: Ridge(1.0), 0.25),
    (lambda: Lasso(0.5, precompute=True), 0.25),
]


@pytest.mark.parametrize("make,bound", DENSE_CASES,
                         ids=["lasso", "enet", "lasso-standardize", "ridge", "lasso-gram"])
def test_fit_on_fortran_X_never_copies_it(big, make, bound):
    X, y = big
    peak = traced_peak(lambda: make().fit(X, y))
    assert peak < bound * X.nbytes, f"peak {peak / X.nbytes:.3f} x X.nbytes"


def test_path_never_copies_X(big):
    X, y = big
    peak = traced_peak(lambda: path(X, y, n_alphas=10))  # Gram ("auto": n > 2p)
    assert peak < 0.25 * X.nbytes, f"peak {peak / X.nbytes:.3f} x X.nbytes"
    peak = traced_peak(lambda: path(X, y, n_alphas=5, precompute=False))
    assert peak < 0.05 * X.nbytes, f"peak {peak / X.nbytes:.3f} x X.nbytes"


def test_C_ordered_X_is_copied_exactly_once(big):
    """The README's one documented copy (into Fortran order for the column kernels); this
    also shows the measurement sees a copy of X when there is one."""
    X, y = big
    Xc = np.ascontiguousarray(X)
    peak = traced_peak(lambda: Lasso(0.5).fit(Xc, y))
    assert 0.99 * X.nbytes < peak < 1.05 * X.nbytes, f"peak {peak / X.nbytes:.3f}"


def test_resident_memory_agrees(big):
    """The resident-set high-water mark (everything: numba, BLAS, the allocator) grows by
    no more than the traced bound; and by one X when X is copied."""
    X, y = big
    for make in (lambda: Lasso(0.5), lambda: ElasticNet(0.5)):
        growth = rss_growth(lambda make=make: make().fit(X, y))
        assert growth < 0.05 * X.nbytes, f"RSS grew by {growth / X.nbytes:.3f} x X.nbytes"
    Xc = np.ascontiguousarray(X)
    growth = rss_growth(lambda: Lasso(0.5).fit(Xc, y))
    assert growth > 0.9 * X.nbytes


def _big_sparse(rng, n=N_BIG, p=P_BIG, per_column=5_000):
    """A CSC matrix with per_column entries in every column (30 MB), built directly."""
    step = n // per_column
    rows = (rng.integers(0, step, p)[:, None] + step * np.arange(per_column)).ravel()
    indptr = np.arange(0, p * per_column + 1, per_column)
    return sp.csc_matrix((rng.standard_normal(p * per_column), rows.astype(np.int32),
                          indptr.astype(np.int32)), shape=(n, p))


@pytest.mark.parametrize("make", [
    lambda: Lasso(0.01),
    lambda: ElasticNet(0.01),
    lambda: Ridge(1.0),  # was 2.08x: the Gram is now summed over blocks of rows
], ids=["lasso", "enet", "ridge"])
def test_fit_on_sparse_X_holds_at_most_one_copy(make):
    rng = np.random.default_rng(1)
    X = _big_sparse(rng)
    y = rng.standard_normal(X.shape[0])
    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make().fit(X[:200], y[:200])
    peak = traced_peak(lambda: make().fit(X, y))
    assert peak < 1.0 * x_bytes, f"peak {peak / x_bytes:.3f} x the bytes of X"


# -------------------------------------------------------------------- termination

def hard_problem(n=300, p=1000, seed=0):
    """Wide and strongly correlated: tens of thousands of epochs at a tiny alpha."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X[:, 1:] += 2.0 * X[:, :1]
    return np.asfortranarray(X), X @ rng.standard_normal(p) + rng.standard_normal(n)


@pytest.mark.parametrize("make,sparse", [
    (lambda: Lasso(1e-5, tol=1e-14, max_iter=5), False),
    (lambda: ElasticNet(1e-5, tol=1e-14, max_iter=5), False),
    (lambda: Lasso(1e-5, tol=1e-14, max_iter=5), True),
    (lambda: Lasso(1e-5, tol=1e-14, max_iter=5, precompute=True), False),
], ids=["lasso", "enet", "lasso-sparse", "lasso-gram"])
def test_max_iter_bounds_coordinate_descent(make, sparse):
    """max_iter=5 on a problem needing ~10^5 epochs: 5 epochs, a warning, and quickly
    (each epoch here costs ~0.1 ms; 1 s leaves a wide margin on a loaded machine)."""
    X, y = hard_problem()
    Xs = sp.csc_matrix(X) if sparse else X
    start = time.perf_counter()
    est, caught = run(make().fit, Xs, y, timeout=30)
    elapsed = time.perf_counter() - start
    assert ConvergenceWarning in {w.category for w in caught}
    assert est.n_iter_ <= 5
    assert elapsed < 2.0, elapsed


def test_max_iter_bounds_the_path():
    X, y = hard_problem()
    start = time.perf_counter()
    fit, caught = run(path, X, y, max_iter=5, tol=1e-14, eps=1e-5, n_alphas=50,
                      precompute=False, timeout=30)
    assert ConvergenceWarning in {w.category for w in caught}
    assert fit.n_iter.max() <= 5
    assert time.perf_counter() - start < 2.0


class EpochCounter:
    """Counts the coordinate-descent epochs run by the proximal-Newton steps, in the Python
    driver (`solve_arrays` per step) and in the compiled loop (its epochs_out)."""

    def __init__(self, monkeypatch):
        self.epochs = 0
        self.real = newton_module.solve_arrays
        self.real_irls = irls.irls_path
        monkeypatch.setattr(newton_module, "solve_arrays", self)
        monkeypatch.setattr(irls, "irls_path", self._irls)

    def __call__(self, *args, **kwargs):
        result = self.real(*args, **kwargs)
        self.epochs += int(result.n_iter.sum())
        return result

    def _irls(self, *args):
        out = self.real_irls(*args)
        self.epochs += int(args[-1].sum())
        return out


# max_iter bounds the Newton steps, and each step's least-squares solve is capped
# (newton.STEP_MAX_EPOCHS), so max_iter bounds the total work as glmnet's maxit does.


@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_max_iter_bounds_proximal_newton(monkeypatch, family):
    """max_iter=1 must cost at most what a default coordinate-descent fit may (1000 epochs),
    with a factor 10 to spare."""
    X, y = hard_problem(n=30, p=60)
    counter = EpochCounter(monkeypatch)
    if family == "binomial":
        _, caught = run(LogisticRegression(C=1e4, l1_ratio=1.0, max_iter=1).fit, X, y > 0,
                        timeout=30)
    else:
        rng = np.random.default_rng(0)
        counts = rng.poisson(np.exp(np.clip(X[:, 0] / 3, -3, 3)))
        _, caught = run(PoissonRegressor(alpha=1e-4, l1_ratio=1.0, max_iter=1).fit, X, counts,
                        timeout=30)
    assert ConvergenceWarning in {w.category for w in caught}
    assert 0 < counter.epochs <= 10_000


def test_max_iter_bounds_proximal_newton_steps():
    X, y = hard_problem(n=100, p=50)
    est, caught = run(LogisticRegression(C=1e4, tol=1e-14, max_iter=2).fit, X, y > 0,
                      timeout=30)
    assert ConvergenceWarning in {w.category for w in caught}
    assert est.n_iter_.max() <= 2
    fit, caught = run(path, X, y > 0, family="binomial", max_iter=2, tol=1e-14, n_alphas=5,
                      timeout=30)
    assert ConvergenceWarning in {w.category for w in caught}
    assert fit.n_iter.max() <= 2


# ---------------------------------------------------------------- KeyboardInterrupt

@pytest.fixture
def sigint():
    """SIGINT raises KeyboardInterrupt only while the test is running; a stray late
    interrupt is then dropped instead of stopping the whole pytest session."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is not handled by Python's default handler here")
    armed = {"on": True}

    def handler(signum, frame):
        if armed["on"]:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    yield
    armed["on"] = False
    signal.signal(signal.SIGINT, signal.default_int_handler)


class InterruptDuringKernel:
    """Sends SIGINT to the main thread (as Ctrl-C would) while the `call`-th compiled
    kernel runs (`solve_path`, or the GLM loop `irls_path`), `delay` seconds after it
    starts.

    The wrapper around the kernel only records timings and, after the kernel returns,
    waits until the signal has been sent, so the KeyboardInterrupt always surfaces inside
    the fit however fast the kernel is (where it would surface anyway: right after the
    kernel returns).
    """

    def __init__(self, monkeypatch, call=1, delay=0.05):
        self.call, self.delay, self.calls = call, delay, 0
        self.started, self.sent = threading.Event(), threading.Event()
        self.t_sent = self.t_kernel_done = self.t_caught = None
        for module, name in ((solver_module, "solve_path"), (irls, "irls_path")):
            real = getattr(module, name)
            monkeypatch.setattr(module, name,
                                lambda *args, real=real: self._kernel(real, *args))
        self.thread = threading.Thread(target=self._fire, daemon=True)
        self.thread.start()

    def _kernel(self, real, *args):
        self.calls += 1
        if self.calls != self.call:
            return real(*args)
        self.started.set()
        try:
            return real(*args)
        finally:
            self.t_kernel_done = time.perf_counter()
            self.sent.wait(10)

    def _fire(self):
        if self.started.wait(30):
            time.sleep(self.delay)
            self.t_sent = time.perf_counter()
            _thread.interrupt_main()
            self.sent.set()

    def run(self, fn, *args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(KeyboardInterrupt):
                fn(*args, **kwargs)
        self.t_caught = time.perf_counter()
        self.thread.join(30)
        assert self.sent.is_set()


def fitted_state(est) -> dict:
    return {k: np.copy(v) if isinstance(v, np.ndarray) else v
            for k, v in vars(est).items() if k.endswith("_") and not k.startswith("_")}


def assert_same_state(a: dict, b: dict):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def two_problems(kind, seed=0):
    """Two related problems: wide and correlated for least squares (a few hundred epochs),
    tall and easy for the GLMs (whose Newton steps may otherwise run 100_000 epochs each,
    see NEWTON_UNBOUNDED)."""
    rng = np.random.default_rng(seed)
    glm = kind in ("binomial", "multiclass", "poisson")
    X = rng.standard_normal((300, 20) if glm else (200, 300))
    X[:, 1:] += 0.3 * X[:, :1] if glm else X[:, :1]
    n = X.shape[0]
    XA, XB = X, X + 0.1 * rng.standard_normal(X.shape)
    yA = XA[:, :5] @ [1.0, -2.0, 3.0, 0.5, 1.0] + rng.standard_normal(n)
    yB = XB[:, :5] @ [2.0, 1.0, -1.0, 0.0, 1.0] + rng.standard_normal(n)
    if kind == "sparse":
        XA, XB = sp.csc_matrix(np.where(np.abs(XA) > 1, XA, 0)), sp.csc_matrix(
            np.where(np.abs(XB) > 1, XB, 0))
    if kind == "binomial":
        yA, yB = (yA > 0).astype(int), (yB > 0).astype(int)
    if kind == "multiclass":
        yA, yB = np.digitize(yA, [-2.0, 2.0]), np.digitize(yB, [-2.0, 2.0])
    if kind == "poisson":
        yA = rng.poisson(np.exp(np.clip(yA / 5, -3, 3))).astype(float)
        yB = rng.poisson(np.exp(np.clip(yB / 5, -3, 3))).astype(float)
    if kind == "multitarget":
        yA, yB = np.c_[yA, -yA], np.c_[yB, 2 * yB]
    return XA, yA, XB, yB


INTERRUPT_CASES = {
    "lasso": (lambda: Lasso(1e-3, tol=1e-10), "dense", 1),
    "lasso-warm": (lambda: Lasso(1e-3, tol=1e-10, warm_start=True), "dense", 1),
    "enet-sparse": (lambda: ElasticNet(1e-3, tol=1e-10, warm_start=True), "sparse", 1),
    "lasso-2nd-target": (lambda: Lasso(1e-3, tol=1e-10), "multitarget", 2),
    "ridge-positive": (lambda: Ridge(1.0, positive=True, tol=1e-10), "dense", 1),
    "logistic-warm": (lambda: LogisticRegression(C=10.0, l1_ratio=0.5, warm_start=True),
                      "binomial", 1),
    "multinomial": (lambda: LogisticRegression(C=10.0, l1_ratio=1.0), "multiclass", 1),
    # (an elastic-net mix: ridge GLMs without bounds take exact Newton steps, no kernel)
    "poisson-warm": (lambda: PoissonRegressor(alpha=1e-3, l1_ratio=0.5, warm_start=True),
                     "poisson", 1),
}


@pytest.mark.parametrize("name", list(INTERRUPT_CASES))
def test_interrupted_refit_keeps_the_previous_model(sigint, monkeypatch, name):
    """Ctrl-C during a refit leaves the previous model intact (every fitted attribute,
    bitwise), and the next fit gives what an uninterrupted estimator gives (warm starts
    included)."""
    make, kind, call = INTERRUPT_CASES[name]
    XA, yA, XB, yB = two_problems(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = make().fit(XA, yA)
        before = fitted_state(est)
        interrupter = InterruptDuringKernel(monkeypatch, call=call)
        interrupter.run(est.fit, XB, yB)
        monkeypatch.undo()
        assert_same_state(fitted_state(est), before)
        np.testing.assert_array_equal(est.predict(XA), make().fit(XA, yA).predict(XA))
        est.fit(XB, yB)
        fresh = make().fit(XA, yA).fit(XB, yB)
    assert_same_state(fitted_state(est), fitted_state(fresh))


# fit() is all-or-nothing (estimators._base.atomic_fit): an interrupt after validation must
# not leave n_features_in_ / classes_ of the new data beside the old coefficients.


@pytest.mark.parametrize("case", ["lasso-new-shape", "logistic-new-classes"])
def test_interrupted_refit_on_different_data_keeps_the_previous_model(sigint, monkeypatch,
                                                                      case):
    rng = np.random.default_rng(2)
    XA = rng.standard_normal((100, 20))
    if case == "lasso-new-shape":
        make, yA = (lambda: Lasso(0.01)), XA[:, 0] + rng.standard_normal(100)
        XB, yB = rng.standard_normal((100, 30)), rng.standard_normal(100)
    else:
        make, yA = (lambda: LogisticRegression(l1_ratio=0.5)), (XA[:, 0] > 0).astype(int)
        XB, yB = XA, np.where(XA[:, 0] > 0, "yes", "no")
    est = make().fit(XA, yA)
    before = fitted_state(est)
    InterruptDuringKernel(monkeypatch).run(est.fit, XB, yB)
    assert_same_state(fitted_state(est), before)


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
def test_interrupted_path_leaves_no_trace(sigint, monkeypatch, family):
    XA, yA, _, _ = two_problems("dense" if family == "gaussian" else "binomial")
    kwargs = {"family": family, "n_alphas": 20, "tol": 1e-8}
    before = path(XA, yA, **kwargs)
    InterruptDuringKernel(monkeypatch, call=1).run(
        path, XA, yA, **kwargs)
    monkeypatch.undo()
    after = path(XA, yA, **kwargs)
    np.testing.assert_array_equal(after.coefs, before.coefs)
    np.testing.assert_array_equal(after.intercepts, before.intercepts)


def test_interrupt_waits_for_the_compiled_kernel(sigint, monkeypatch):
    """The honest behaviour: SIGINT arriving mid-kernel is acted on only when the kernel
    returns. One alpha of this fit runs 4000 epochs (~0.5 s here) and the signal comes
    0.01 s in; the KeyboardInterrupt is raised after the kernel finished its work."""
    X, y = hard_problem()
    interrupter = InterruptDuringKernel(monkeypatch, delay=0.01)
    interrupter.run(Lasso(1e-5, tol=0.0, max_iter=4000).fit, X, y)
    assert interrupter.t_sent < interrupter.t_kernel_done <= interrupter.t_caught


# ------------------------------------------------------------------ thread safety

def test_kernel_releases_the_gil():
    from penalized._kernels.cd_path import solve_path

    assert solve_path.targetoptions.get("nogil") is True
    assert irls.irls_path.targetoptions.get("nogil") is True


def _thread_tasks():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 300))
    X[:, 1:] += 0.5 * X[:, :1]
    X = np.asfortranarray(X)
    y = X[:, :8] @ rng.standard_normal(8) + rng.standard_normal(400)
    Xs = sp.csc_matrix(np.where(np.abs(X) > 0.8, X, 0.0))
    Xg = X[:, :30]  # the GLMs on a tall problem (see NEWTON_UNBOUNDED)
    yb = (Xg[:, :3].sum(axis=1) + rng.standard_normal(400) > 0).astype(int)
    tasks = []
    for alpha in (0.3, 0.03, 0.003):
        tasks.append(("lasso", lambda a=alpha: Lasso(a, tol=1e-10).fit(X, y).coef_))
        tasks.append(("enet", lambda a=alpha: ElasticNet(a, tol=1e-10).fit(X, y).coef_))
        tasks.append(("enet-sparse",
                      lambda a=alpha: ElasticNet(a, tol=1e-10).fit(Xs, y).coef_))
        tasks.append(("lasso-gram",
                      lambda a=alpha: Lasso(a, tol=1e-10, precompute=True).fit(X, y).coef_))
        tasks.append(("logistic", lambda a=alpha: LogisticRegression(
            C=a, l1_ratio=1.0, tol=1e-8).fit(Xg, yb).coef_))
    tasks.append(("path", lambda: path(X, y, n_alphas=15, precompute=False).coefs))
    tasks.append(("path-sparse", lambda: path(Xs, y, n_alphas=15).coefs))
    tasks.append(("path-binomial",
                  lambda: path(Xg, yb, family="binomial", n_alphas=10).coefs))
    return tasks


def test_concurrent_fits_equal_sequential_fits():
    """Fits in 4 threads (sharing the same X objects) give bitwise the sequential results."""
    tasks = _thread_tasks()
    sequential, _ = run(lambda: [fn() for _, fn in tasks])
    order = np.random.default_rng(4).permutation(len(tasks))  # mix the kinds
    concurrent, _ = run(lambda: Parallel(n_jobs=4, backend="threading")(
        delayed(tasks[i][1])() for i in order))
    for i, result in zip(order, concurrent, strict=True):
        np.testing.assert_array_equal(result, sequential[i], err_msg=tasks[i][0])
