"""scikit-learn-compatible estimators (public names are re-exported by `penalized`)."""

from penalized.estimators._linear import ElasticNet, Lasso
from penalized.estimators._ridge import Ridge

__all__ = ["ElasticNet", "Lasso", "Ridge"]
