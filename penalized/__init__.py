"""penalized: Ridge, Lasso and ElasticNet with certified solvers.

`from penalized import Ridge, Lasso, ElasticNet` is a drop-in for scikit-learn's classes of the
same names, with glmnet's standardize, penalty factors and bounds on top.
"""

from penalized._version import __version__
from penalized.estimators import ElasticNet, Lasso, Ridge
from penalized.results import FitResult

__all__ = ["ElasticNet", "FitResult", "Lasso", "Ridge", "__version__"]
