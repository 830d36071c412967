"""Which columns can be segmented on, and the reason when none can."""

import pytest

from segmentation import read_customers
from segmentation.errors import DataError
from segmentation.features import check_segmentable, numeric_columns


def five_identical_customers() -> bytes:
    rows = "".join(f"C{i},34,52.5,61\n" for i in range(5))
    return ("customer_id,age,income,spend\n" + rows).encode()


def test_feature_options_are_the_numeric_columns_but_the_id():
    data = read_customers(b"id,spend,city,visits\n1,10,Oslo,1\n2,20,Rome,3\n3,30,Oslo,2\n")
    assert data.id_column == "id"
    assert numeric_columns(data) == ["spend", "visits"]


def test_five_identical_customers_cannot_be_segmented_and_the_error_says_why():
    data = read_customers(five_identical_customers(), name="same.csv")
    with pytest.raises(DataError, match="single value for all 5 customers") as raised:
        check_segmentable(data)
    message = str(raised.value)
    assert "'age', 'income', 'spend'" in message
    assert "Upload a file in which customers differ in at least one number" in message


def test_one_varying_column_is_enough_to_segment():
    rows = "".join(f"C{i},34,{i}\n" for i in range(5))
    data = read_customers(("customer_id,age,spend\n" + rows).encode())
    assert check_segmentable(data) is None


def test_a_varying_id_does_not_count_as_something_to_segment_on():
    rows = "".join(f"{1000 + i},34\n" for i in range(5))
    data = read_customers(("customer_id,age\n" + rows).encode())
    assert data.id_column == "customer_id"
    with pytest.raises(DataError, match="single value for all 5 customers"):
        check_segmentable(data)
