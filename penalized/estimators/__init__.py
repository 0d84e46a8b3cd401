"""scikit-learn-compatible estimators (public names are re-exported by `penalized`)."""

from penalized.estimators._cv import ElasticNetCV, LassoCV, LassoIC
from penalized.estimators._linear import ElasticNet, Lasso
from penalized.estimators._logistic import LogisticRegression, LogisticRegressionCV
from penalized.estimators._poisson import PoissonRegressor
from penalized.estimators._ridge import Ridge, RidgeCV

__all__ = ["ElasticNet", "ElasticNetCV", "Lasso", "LassoCV", "LassoIC", "LogisticRegression",
           "LogisticRegressionCV",
           "PoissonRegressor", "Ridge", "RidgeCV"]
