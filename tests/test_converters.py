"""Field converters: CLI strings and TOML values give the same typed values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from derive.claim_fields import claims
from derive.converters import (
    boolean,
    index_list,
    int_list,
    positive_int,
    real_number,
    real_rows,
    real_vector,
    size_pair,
    text,
)
from derive.errors import FieldError


def test_same_value_from_cli_and_toml() -> None:
    assert int_list("100, 50,25", "layers") == int_list([100, 50, 25], "layers")
    assert size_pair("3x5", "k") == size_pair([3, 5], "k") == (3, 5)
    assert size_pair(3, "k") == (3, 3)
    assert real_rows("1,2;3,4", "x") == real_rows([[1, 2], [3, 4]], "x")


def test_decimals_keep_their_written_digits() -> None:
    assert real_vector("0.10,2.500", "v") == (Decimal("0.10"), Decimal("2.500"))
    assert str(real_number(Decimal("0.30"), "v")) == "0.30"


@pytest.mark.parametrize("converter, value", [
    (positive_int, "0"), (positive_int, "2.5"), (positive_int, True),
    (positive_int, "nan"), (int_list, "1,,x"), (real_number, "inf"),
    (real_number, [1]), (real_rows, "1,2;3"), (boolean, "maybe"),
    (index_list, "-1"), (size_pair, "1x2x3"), (text, 5),
])
def test_bad_values_name_the_field(converter, value) -> None:
    with pytest.raises(FieldError) as error:
        converter(value, "the_field")
    assert error.value.field == "the_field"


@pytest.mark.parametrize("value, named", [
    ("100,x", "'x'"), ("100,,50", "entry 2"), ("100,50,", "entry 3"), (",100", "entry 1"),
])
def test_a_bad_or_empty_entry_is_named(value: str, named: str) -> None:
    with pytest.raises(FieldError) as error:
        int_list(value, "layers")
    assert named in str(error.value)


@pytest.mark.parametrize("converter, value", [
    (real_vector, "1,,2"), (real_rows, "1,2;;3,4"), (index_list, "0,,1"),
])
def test_no_list_drops_an_empty_entry(converter, value) -> None:
    with pytest.raises(FieldError, match="empty"):
        converter(value, "the_field")


def test_sizes_still_read_as_pairs() -> None:
    assert size_pair("3 x 5", "k") == (3, 5) and int_list("3 , 5", "l") == (3, 5)


@pytest.mark.parametrize("claim", [10**400, Decimal("1e400"), [1, Decimal("-1e999")]],
                         ids=["int", "decimal", "in-a-list"])
def test_a_claim_beyond_floats_is_refused_by_name(claim) -> None:
    with pytest.raises(FieldError, match="claim 'total'"):
        claims({"total": claim}, "claims")


def test_a_ragged_matrix_names_the_odd_row() -> None:
    from derive.converters import real_rows
    from derive.errors import FieldError

    with pytest.raises(FieldError, match="row 3 has 1 entries but row 1 has 2"):
        real_rows("1,2;3,4;5", "x")
