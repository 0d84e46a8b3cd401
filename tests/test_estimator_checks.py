"""scikit-learn's common estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from penalized import (
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

# Exactly the exclusions scikit-learn's own classes of the same names carry
# (sklearn/utils/_test_common/instance_generator.py): closed-form Ridge has no iterations.
EXPECTED_FAILURES = {
    "Ridge": {"check_non_transformer_estimators_n_iter": "n_iter_ is None for closed forms."},
}


@parametrize_with_checks(
    [Lasso(), ElasticNet(), Ridge(), RidgeCV(), LassoCV(), ElasticNetCV(),
     LassoIC(noise_variance=1.0), LogisticRegression(), LogisticRegression(l1_ratio=1.0),
     LogisticRegressionCV(Cs=3, cv=3),
     PoissonRegressor()],
    expected_failed_checks=lambda est: EXPECTED_FAILURES.get(type(est).__name__, {}),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
