"""Out of core on Dask: an L1 least-squares and an L1 logistic fit of a float64 design stored on
disk, penalized.dask vs dask-ml on the same data and cluster, at equal objective.

Run:  python benchmarks/bench_dask.py [--rows 20000000] [--features 50] [--chunk 500000]
                                      [--dir /tmp/penalized_bench] [--budget 400] [--repeat 1]

Data: X (rows x features, float64) is written once, chunk by chunk, as np.save'd blocks read
back with dask.array.from_npy_stack (mmap_mode=None: each task reads its own block, nothing
else is held); equicorrelated Gaussian columns (rho = 0.3, mean 0), y = X beta + noise with 10
non-zero coefficients (gaussian) and labels from the same predictor (logistic). The columns
have mean zero and both tools fit without intercept, since dask-ml penalizes its intercept
column; the problems solved are then identical:

    gaussian:  1/(2n) ||y - X b||^2 + alpha ||b||_1                (dask-ml: C = 1/(2 n alpha))
    logistic:  1/n sum_i log(1 + e^{x_i'b}) - y_i x_i'b + alpha ||b||_1  (C = 1/(n alpha))

with alpha = alpha_max / 20. The cluster is a LocalCluster with 2 worker processes x 1 thread.

Reported per fit: wall time (median of --repeat), passes over the data (penalized: counted;
one pass = every block read once), peak RSS of the client and of each worker (sampled every
0.1 s while the fit runs, resident memory only, against the size of X), and the objective
reached, relative to the best either tool reached. dask-ml is run along a ladder of
iteration budgets / tolerances (proximal_grad, then admm) until its objective is within
1e-6 relative of ours or its time spent passes --budget seconds; the closest run is
reported. Also reported: the whole gaussian path (100 alphas) of penalized.dask, 1 pass.
"""

import argparse
import os
import pickle
import resource
import shutil
import threading
import time
import warnings

import numpy as np

RHO = 0.3
TARGET = 1e-6


def generate(folder: str, n: int, p: int, chunk: int, seed: int = 0) -> None:
    """Write X, y (gaussian) and labels as npy stacks, one block at a time."""
    if os.path.exists(os.path.join(folder, "done")):
        with open(os.path.join(folder, "done")) as fh:
            if fh.read() == f"{n} {p} {chunk} {seed}":
                return
    shutil.rmtree(folder, ignore_errors=True)
    for name in ("X", "y", "labels"):
        os.makedirs(os.path.join(folder, name))
    beta = np.zeros(p)
    beta[:10] = (-1.0) ** np.arange(10) * np.exp(-np.arange(10) / 4)
    sizes = [min(chunk, n - s) for s in range(0, n, chunk)]
    for i, m in enumerate(sizes):
        rng = np.random.default_rng([seed, i])
        X = np.sqrt(1 - RHO) * rng.standard_normal((m, p)) + np.sqrt(RHO) * rng.standard_normal(
            (m, 1))
        eta = X @ beta
        np.save(os.path.join(folder, "X", f"{i}.npy"), X)
        np.save(os.path.join(folder, "y", f"{i}.npy"), eta + rng.standard_normal(m))
        np.save(os.path.join(folder, "labels", f"{i}.npy"),
                (eta + rng.logistic(size=m) > 0).astype(np.float64))
    for name, chunks in (("X", (tuple(sizes), (p,))), ("y", (tuple(sizes),)),
                         ("labels", (tuple(sizes),))):
        with open(os.path.join(folder, name, "info"), "wb") as fh:
            pickle.dump({"chunks": chunks, "dtype": np.dtype(np.float64), "axis": 0}, fh)
    with open(os.path.join(folder, "done"), "w") as fh:
        fh.write(f"{n} {p} {chunk} {seed}")


class PeakMemory:
    """Peak resident memory of the client and each worker process while the block runs."""

    def __init__(self, client):
        import psutil

        self.procs = {"client": psutil.Process()}
        for pid in client.run(os.getpid).values():
            self.procs[f"worker {len(self.procs)}"] = psutil.Process(pid)

    def __enter__(self):
        self.peak = {k: 0 for k in self.procs}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            for k, proc in self.procs.items():
                try:
                    self.peak[k] = max(self.peak[k], proc.memory_info().rss)
                except Exception:  # noqa: BLE001 -- a worker restarting
                    pass
            time.sleep(0.1)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class Rows(list):
    """The table's rows, each also printed as it completes (a long run can be followed)."""

    def append(self, row):
        family, tool, setting, t, passes, mem, value = row
        workers = max(v for k, v in mem.items() if k != "client")
        print(f"  {family} {tool} {setting}: {t:.1f} s, passes {passes}, client "
              f"{gib(mem['client'])} GiB, workers {gib(workers)} GiB, objective {value:.10g}",
              flush=True)
        super().append(row)


def gib(x: float) -> str:
    return f"{x / 2**30:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--dir", default="/tmp/penalized_bench")
    parser.add_argument("--budget", type=float, default=400.0,
                        help="seconds of dask-ml fitting per problem before giving up")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-dask-ml", action="store_true")
    args = parser.parse_args()

    import dask
    import dask.array as da
    import distributed

    import penalized.dask as pdk

    n, p = args.rows, args.features
    start = time.perf_counter()
    generate(args.dir, n, p, args.chunk)
    print(f"data: {n} x {p} float64 = {gib(8 * n * p)} GiB on disk in {args.dir} "
          f"({-(-n // args.chunk)} blocks of {args.chunk} rows; written in "
          f"{time.perf_counter() - start:.0f} s or reused)")
    print(f"machine: {os.cpu_count()} cores; LocalCluster 2 workers x 1 thread (processes); "
          f"alpha = alpha_max / 20, no intercept; target: objective within {TARGET:g} "
          "relative of the best reached")

    X = da.from_npy_stack(os.path.join(args.dir, "X"), mmap_mode=None)
    y = da.from_npy_stack(os.path.join(args.dir, "y"), mmap_mode=None)
    labels = da.from_npy_stack(os.path.join(args.dir, "labels"), mmap_mode=None)
    size_X = 8 * n * p
    rows = Rows()

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  memory_limit="8GiB", dashboard_address=None,
                                  silence_logs=50) as cluster, \
            distributed.Client(cluster) as client:

        def run(label, fn, repeat):
            times, out, mem, passes = [], None, None, None
            for _ in range(repeat):
                with PeakMemory(client) as peak, pdk.count_passes() as counter:
                    t0 = time.perf_counter()
                    out = fn()
                    times.append(time.perf_counter() - t0)
                mem, passes = peak.peak, counter.n
            return float(np.median(times)), out, mem, passes

        # compile the client's kernels once on a toy problem (numba JIT; not timed)
        rng = np.random.default_rng(0)
        toy = da.from_array(rng.standard_normal((200, p)), chunks=100)
        pdk.Lasso(alpha=0.01).fit(toy, toy[:, 0] + rng.standard_normal(200))
        pdk.LogisticRegression(C=1.0, l1_ratio=1.0).fit(toy, (toy[:, 0] > 0).astype(float))

        # --- gaussian ----------------------------------------------------------------------
        stats = pdk.gram_statistics(X, y)  # also warms the workers' imports (not timed)
        Q, q = stats.uncentred().xx, stats.uncentred().xy
        yy = stats.uncentred().yy
        alpha = float(np.abs(q).max()) / 20

        def ls_objective(b):
            return 0.5 * (yy - 2 * b @ q + b @ Q @ b) + alpha * np.abs(b).sum()

        t, model, mem, passes = run(
            "lasso", lambda: pdk.Lasso(alpha=alpha, fit_intercept=False, tol=1e-12).fit(X, y),
            args.repeat)
        ours = ls_objective(model.coef_)
        rows.append(("gaussian", "penalized.dask Lasso", "tol=1e-12", t, passes, mem, ours))
        t, fitted, mem, passes = run("path", lambda: pdk.path(X, y, fit_intercept=False),
                                     args.repeat)
        rows.append(("gaussian", "penalized.dask path (100 alphas)", "tol=1e-7", t, passes,
                     mem, np.nan))

        # --- logistic ----------------------------------------------------------------------
        lstats = pdk.gram_statistics(X, labels)
        # with no intercept the null model is b = 0 (mu = 1/2): gradient X'(mu - y) / n
        grad0 = 0.5 * lstats.x_mean - lstats.uncentred().xy
        alpha_log = float(np.abs(grad0).max()) / 20

        def log_objective(b):
            eta = X @ b
            loss = (da.logaddexp(0.0, eta) - labels * eta).mean()
            return float(loss.compute()) + alpha_log * np.abs(b).sum()

        t, lmodel, mem, passes = run(
            "logistic",
            lambda: pdk.LogisticRegression(C=1.0 / (n * alpha_log), l1_ratio=1.0,
                                           fit_intercept=False, tol=1e-8).fit(X, labels),
            args.repeat)
        ours_log = log_objective(lmodel.coef_[0])
        rows.append(("logistic", "penalized.dask LogisticRegression", "tol=1e-8", t, passes,
                     mem, ours_log))

        # --- dask-ml -----------------------------------------------------------------------
        if not args.no_dask_ml:
            try:
                from dask_ml.linear_model import LinearRegression, LogisticRegression
            except ImportError:
                print("dask-ml not installed: pip install dask-ml")
            else:
                ladders = [("proximal_grad", dict(max_iter=it, tol=tol))
                           for it, tol in ((20, 1e-6), (100, 1e-8), (500, 1e-10),
                                           (5000, 1e-14))]
                ladders += [("admm", dict(max_iter=it, solver_kwargs=dict(abstol=a, reltol=a)))
                            for it, a in ((100, 1e-6), (500, 1e-9))]
                for family, cls, C, objective, best in (
                        ("gaussian", LinearRegression, 1.0 / (2 * n * alpha), ls_objective,
                         ours),
                        ("logistic", LogisticRegression, 1.0 / (n * alpha_log), log_objective,
                         ours_log)):
                    spent, closest = 0.0, None
                    for solver, kw in ladders:
                        if spent > args.budget:
                            break
                        target = y if family == "gaussian" else labels
                        est = cls(penalty="l1", C=C, fit_intercept=False, solver=solver, **kw)
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            t, fitted, mem, _ = run(family, lambda e=est, tg=target:
                                                    e.fit(X, tg), 1)
                        spent += t
                        value = objective(np.asarray(fitted.coef_).ravel())
                        setting = f"{solver} " + ",".join(
                            f"{k}={v}" for k, v in kw.items() if k != "solver_kwargs") + (
                            f",tol={kw['solver_kwargs']['abstol']}" if "solver_kwargs" in kw
                            else "")
                        record = (family, "dask-ml " + cls.__name__, setting, t, None, mem,
                                  value)
                        print(f"  dask-ml {family} {setting}: {t:.1f} s, objective "
                              f"{(value - best) / abs(best):+.2e} relative", flush=True)
                        if closest is None or value < closest[-1]:
                            closest = record
                        if (value - best) / abs(best) <= TARGET:
                            break
                    rows.append(closest)

    best = {}
    for r in rows:
        if not np.isnan(r[-1]):
            best[r[0]] = min(best.get(r[0], np.inf), r[-1])
    ref_time = {r[0]: r[3] for r in rows if r[1].startswith("penalized.dask") and
                not np.isnan(r[-1])}
    print()
    header = (f"{'problem':9} {'tool':34} {'setting':32} {'time s':>8} {'ratio':>6} "
              f"{'passes':>6} {'client GiB':>10} {'workers GiB':>12} {'objective':>16} "
              f"{'rel. gap':>9}")
    print(header)
    print("-" * len(header))
    for family, tool, setting, t, passes, mem, value in rows:
        workers = max(v for k, v in mem.items() if k != "client")
        rel = "" if np.isnan(value) else f"{(value - best[family]) / abs(best[family]):.1e}"
        obj = "" if np.isnan(value) else f"{value:.10g}"
        print(f"{family:9} {tool:34} {setting:32} {t:8.1f} {t / ref_time[family]:6.2f} "
              f"{'-' if passes is None else passes:>6} {gib(mem['client']):>10} "
              f"{gib(workers):>12} {obj:>16} {rel:>9}")
    whole_run = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"\nX is {gib(size_X)} GiB; dask {dask.__version__}; peak RSS of this process over "
          f"the whole run (data generation included) {gib(whole_run)} GiB")


if __name__ == "__main__":
    main()
