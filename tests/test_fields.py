"""Field converters: CLI strings and TOML values give the same typed values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from derive import fields
from derive.errors import FieldError


def test_same_value_from_cli_and_toml() -> None:
    assert fields.int_list("100, 50,25", "layers") == fields.int_list([100, 50, 25], "layers")
    assert fields.size_pair("3x5", "k") == fields.size_pair([3, 5], "k") == (3, 5)
    assert fields.size_pair(3, "k") == (3, 3)
    assert fields.real_rows("1,2;3,4", "x") == fields.real_rows([[1, 2], [3, 4]], "x")


def test_decimals_keep_their_written_digits() -> None:
    assert fields.real_vector("0.10,2.500", "v") == (Decimal("0.10"), Decimal("2.500"))
    assert str(fields.real_number(Decimal("0.30"), "v")) == "0.30"


@pytest.mark.parametrize("converter, value", [
    (fields.positive_int, "0"), (fields.positive_int, "2.5"), (fields.positive_int, True),
    (fields.positive_int, "nan"), (fields.int_list, "1,,x"), (fields.real_number, "inf"),
    (fields.real_number, [1]), (fields.real_rows, "1,2;3"), (fields.boolean, "maybe"),
    (fields.index_list, "-1"), (fields.size_pair, "1x2x3"), (fields.text, 5),
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
        fields.int_list(value, "layers")
    assert named in str(error.value)


@pytest.mark.parametrize("converter, value", [
    (fields.real_vector, "1,,2"), (fields.real_rows, "1,2;;3,4"), (fields.index_list, "0,,1"),
])
def test_no_list_drops_an_empty_entry(converter, value) -> None:
    with pytest.raises(FieldError, match="empty"):
        converter(value, "the_field")


def test_sizes_still_read_as_pairs() -> None:
    assert fields.size_pair("3 x 5", "k") == (3, 5) and fields.int_list("3 , 5", "l") == (3, 5)


@pytest.mark.parametrize("claim", [10**400, Decimal("1e400"), [1, Decimal("-1e999")]],
                         ids=["int", "decimal", "in-a-list"])
def test_a_claim_beyond_floats_is_refused_by_name(claim) -> None:
    with pytest.raises(FieldError, match="claim 'total'"):
        fields.claims({"total": claim}, "claims")
