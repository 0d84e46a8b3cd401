"""Bundled data for `penalized demo`: scikit-learn's diabetes set (ships with scikit-learn)."""

import numpy as np
from sklearn.datasets import load_diabetes


def diabetes() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The 442 x 10 diabetes regression data (standardized columns), target and names."""
    data = load_diabetes()
    return data.data, data.target, list(data.feature_names)
