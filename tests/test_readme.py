"""The README's Python examples run as written (on scikit-learn's diabetes data)."""

import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_diabetes

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(python_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_example_runs(index):
    X, y = load_diabetes(return_X_y=True)
    namespace = {"X": X, "y": y, "X_train": X, "y_train": y, "X_new": X[:5], "np": np}
    exec(compile(python_blocks()[index], f"README block {index}", "exec"), namespace)
