"""What the benchmark scripts share: isolated timing with a timeout, the X^T r floor, the
glmnet probe and the glmnet paper's designs. Not a benchmark itself."""

import multiprocessing
import shutil
import subprocess
import time

import numpy as np


def fht_design(n, p, rho, seed=0):
    """FHT (2010) Table 1: equicorrelated Gaussian X (Fortran order) and the linear predictor
    X beta + k noise, beta_j = (-1)^j exp(-2(j-1)/20), k for a signal-to-noise ratio of 3."""
    rng = np.random.default_rng(seed)
    X = np.sqrt(1 - rho) * rng.standard_normal((n, p)) + np.sqrt(rho) * rng.standard_normal((n, 1))
    j = np.arange(1, p + 1)
    beta = (-1.0) ** j * np.exp(-2 * (j - 1) / 20)
    signal_var = (1 - rho) * beta @ beta + rho * beta.sum() ** 2  # beta' Sigma beta
    k = np.sqrt(signal_var) / 3
    return np.asfortranarray(X), X @ beta + k * rng.standard_normal(n), rng


def xtr_pass(X, repeat=30):
    """Median time of one X^T r (numpy / scipy), the bandwidth floor of one CD epoch."""
    r = np.random.default_rng(1).standard_normal(X.shape[0])
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        X.T @ r
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _child(conn, fn, args, repeat):
    try:
        out = None
        for _ in range(repeat):
            start = time.perf_counter()
            out = fn(*args)
            conn.send(("time", time.perf_counter() - start))
        conn.send(("done", out))
    except Exception as exc:  # noqa: BLE001 -- reported in the table
        conn.send(("error", f"failed: {type(exc).__name__}: {exc}"[:200]))
    conn.close()


def timed(fn, args, repeat, timeout):
    """(list of seconds, fn's output, status) with status 'ok', 'timeout' or 'failed: ...'."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, repeat))
    proc.start()
    child.close()
    times, out, status = [], None, "ok"
    try:
        while True:
            if not parent.poll(timeout + 5):
                status = "timeout"
                break
            kind, value = parent.recv()
            if kind == "time":
                times.append(value)
                if value > timeout:
                    status = "timeout"
                    break
            elif kind == "done":
                out = value
                break
            else:
                status = value
                break
    except EOFError:
        status = "failed: child died"
    if proc.is_alive():
        proc.kill()
    proc.join()
    return times, out, status


def glmnet_available():
    """None when Rscript and R's glmnet load, else why not."""
    if shutil.which("Rscript") is None:
        return "Rscript not found (apt-get install r-cran-glmnet)"
    proc = subprocess.run(["Rscript", "-e", "suppressMessages(library(glmnet))"],
                          capture_output=True, text=True)
    if proc.returncode:
        return "R package glmnet not loadable: " + proc.stderr.strip()[:200]
    return None


def fmt_time(t):
    return f"{t:10.4f}" if np.isfinite(t) else f"{'-':>10}"
