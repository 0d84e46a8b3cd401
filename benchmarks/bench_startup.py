"""Start-up cost: the first Lasso fit in a fresh process, cold and warm numba cache, vs sklearn.

Run:  python benchmarks/bench_startup.py [--repeat 3]

Each measurement is a new Python process that imports the library and fits one Lasso on a
200 x 50 dense problem (and, for penalized, the sparse and Gram storages are not touched).
"cold" points NUMBA_CACHE_DIR at an empty folder, so every kernel compiles; "warm" reuses it.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SNIPPET = """
import numpy as np
from {module} import Lasso
rng = np.random.default_rng(0)
X = rng.standard_normal((200, 50)); y = X[:, :5].sum(1) + rng.standard_normal(200)
Lasso(alpha=0.05{extra}).fit(X, y)
"""


def run(module, extra, env):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", SNIPPET.format(module=module, extra=extra)],
                   check=True, env=env)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    cold, warm, skl = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(base, NUMBA_CACHE_DIR=cache)
            cold.append(run("penalized", ", precompute=False", env))
            warm.append(run("penalized", ", precompute=False", env))
        skl.append(run("sklearn.linear_model", "", base))
    ref = np.median(skl)
    print(f"{'process: import + first Lasso fit':<42} {'median s':>9} {'ratio to sklearn':>17}")
    for name, times in [("scikit-learn", skl), ("penalized, warm numba cache", warm),
                        ("penalized, cold (empty) cache", cold)]:
        print(f"{name:<42} {np.median(times):9.2f} {np.median(times) / ref:17.2f}")


if __name__ == "__main__":
    main()
