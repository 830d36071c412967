"""Preparation: feature checks, missing values, transforms, scalers."""

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import DataError, SettingsError
from segmentation.prepare import SCALERS, prepare_features


@pytest.fixture
def customers():
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "income": [10.0, 20.0, np.nan, 40.0, 50.0],
            "spend": [1.0, 3.0, 5.0, np.nan, 9.0],
            "orders": [0.0, 1.0, 10.0, 100.0, 1000.0],
        }
    )


def test_prepare_standard_scaler_gives_zero_mean_unit_variance(customers):
    prepared = prepare_features(customers, ["income", "spend"], scaler="standard")
    np.testing.assert_allclose(prepared.matrix.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(prepared.matrix.std(axis=0), 1, atol=1e-12)


def test_prepare_drop_keeps_rows_with_a_reason(customers):
    prepared = prepare_features(customers, ["income", "spend"], missing="drop")
    assert prepared.rows.tolist() == [0, 1, 4]
    assert prepared.reasons.tolist() == ["", "", "missing income", "missing spend", ""]
    assert prepared.n_input == 5


def test_prepare_median_fills_gaps_with_the_feature_median(customers):
    prepared = prepare_features(customers, ["income"], missing="median", scaler="none")
    assert prepared.rows.tolist() == [0, 1, 2, 3, 4]
    assert prepared.matrix[2, 0] == pytest.approx(30.0)  # median of 10, 20, 40, 50
    assert all(r == "" for r in prepared.reasons)


def test_prepare_treats_infinity_as_missing(customers):
    customers.loc[0, "income"] = np.inf
    prepared = prepare_features(customers, ["income"])
    assert 0 not in prepared.rows
    assert prepared.reasons[0] == "missing income"


def test_prepare_log1p_then_inverse_returns_original_units(customers):
    prepared = prepare_features(customers, ["orders"], log_features=["orders"], scaler="none")
    np.testing.assert_allclose(prepared.matrix[:, 0], np.log1p(customers["orders"]))
    back = prepared.transformer.inverse_transform(prepared.matrix)
    np.testing.assert_allclose(back[:, 0], customers["orders"], atol=1e-9)


@pytest.mark.parametrize("scaler", SCALERS)
def test_prepare_inverse_transform_round_trips_for_every_scaler(customers, scaler):
    prepared = prepare_features(customers, ["orders"], scaler=scaler)
    back = prepared.transformer.inverse_transform(prepared.matrix)
    np.testing.assert_allclose(back[:, 0], customers["orders"], atol=1e-9)


def test_prepare_minmax_scales_into_unit_interval(customers):
    prepared = prepare_features(customers, ["orders"], scaler="minmax")
    assert prepared.matrix.min() == 0 and prepared.matrix.max() == 1


def test_prepare_clip_caps_outliers_at_percentiles():
    df = pd.DataFrame({"x": np.arange(101, dtype=float)})
    prepared = prepare_features(df, ["x"], clip=(5, 95), scaler="none")
    assert prepared.matrix.min() == 5 and prepared.matrix.max() == 95


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"features": []}, "No features chosen"),
        ({"features": ["nope"]}, "'nope' is not a column"),
        ({"features": ["customer_id"]}, "'customer_id' is not numeric"),
        ({"features": ["income", "income"]}, "lists a column twice"),
        ({"features": ["income"], "scaler": "zscore"}, "scaler='zscore' is not one of"),
        ({"features": ["income"], "missing": "mean"}, "missing='mean' is not one of"),
        ({"features": ["income"], "log_features": ["spend"]}, "not a chosen feature"),
        ({"features": ["income"], "clip": (99, 1)}, "lower < upper"),
    ],
)
def test_prepare_rejects_bad_settings_with_a_clear_message(customers, kwargs, match):
    with pytest.raises(SettingsError, match=match):
        prepare_features(customers, **kwargs)


def test_prepare_refuses_log_of_negative_values():
    df = pd.DataFrame({"balance": [-5.0, 1.0, 2.0]})
    with pytest.raises(SettingsError, match=r"negative values \(smallest -5\)"):
        prepare_features(df, ["balance"], log_features=["balance"])


def test_prepare_all_rows_missing_is_a_data_error():
    df = pd.DataFrame({"a": [1.0, np.nan], "b": [np.nan, 2.0]})
    with pytest.raises(DataError, match="Every customer misses"):
        prepare_features(df, ["a", "b"])


def test_prepare_empty_feature_is_a_data_error():
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [np.nan, np.nan]})
    with pytest.raises(DataError, match="'b' has no values"):
        prepare_features(df, ["a", "b"], missing="median")


def test_prepare_huge_amounts_scale_without_overflow():
    df = pd.DataFrame({"value": [1e300, 2e300, 3e300, 4e300], "spend": [1.0, 2.0, 3.0, 4.0]})
    prepared = prepare_features(df, ["value", "spend"])
    assert np.isfinite(prepared.matrix).all()
    np.testing.assert_allclose(prepared.matrix[:, 0], prepared.matrix[:, 1])
    back = prepared.transformer.inverse_transform(prepared.matrix)
    np.testing.assert_allclose(back[:, 0], df["value"])


def test_prepare_huge_amounts_unscaled_are_refused_with_advice():
    df = pd.DataFrame({"value": [1e300, 2e300, 3e300]})
    with pytest.raises(DataError, match="'value' has values too large.*choose the 'standard'"):
        prepare_features(df, ["value"], scaler="none")


def test_default_features_leave_out_mostly_empty_columns():
    from segmentation.io import read_customers
    from segmentation.prepare import default_features

    rows = ["id,income,spend,points"] + [
        f"c{i},{(i * 37) % 101 + 0.5},{i % 7},{i if i < 3 else ''}" for i in range(40)
    ]
    data = read_customers("\n".join(rows).encode(), name="x.csv")
    assert default_features(data) == ("income", "spend")


@pytest.mark.parametrize(
    ("scaler", "reference"),
    [("standard", "StandardScaler"), ("minmax", "MinMaxScaler"), ("robust", "RobustScaler")],
)
def test_prepare_scalers_match_scikit_learn(scaler, reference):
    import sklearn.preprocessing

    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"a": rng.lognormal(3, 1, 500), "b": rng.normal(50, 10, 500), "flat": np.full(500, 7.0)}
    )
    prepared = prepare_features(df, ["a", "b", "flat"], scaler=scaler)
    expected = getattr(sklearn.preprocessing, reference)().fit_transform(df)
    np.testing.assert_allclose(prepared.matrix, expected, atol=1e-12)


def test_prepare_transformer_scales_new_customers_like_the_fitted_ones(customers):
    prepared = prepare_features(customers, ["orders"], log_features=["orders"], clip=(0, 90))
    again = prepared.transformer.transform(customers[["orders"]].to_numpy())
    np.testing.assert_allclose(again, prepared.matrix)
