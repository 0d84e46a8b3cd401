"""penalized: Ridge, Lasso and ElasticNet with certified solvers.

`from penalized import Ridge, Lasso, ElasticNet` is a drop-in for scikit-learn's classes of the
same names, with glmnet's standardize, penalty factors and bounds on top.
"""

from penalized._version import __version__
from penalized.estimators import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    LassoIC,
    LogisticRegression,
    LogisticRegressionCV,
    PoissonRegressor,
    Ridge,
    RidgeCV,
)
from penalized.path import enet_path, lasso_path, path
from penalized.results import CVResult, FitResult, Path
from penalized.selection import cv_path

__all__ = [
    "CVResult",
    "ElasticNet",
    "ElasticNetCV",
    "FitResult",
    "Lasso",
    "LassoCV",
    "LassoIC",
    "LogisticRegression",
    "LogisticRegressionCV",
    "Path",
    "PoissonRegressor",
    "Ridge",
    "RidgeCV",
    "__version__",
    "cv_path",
    "enet_path",
    "lasso_path",
    "path",
]
