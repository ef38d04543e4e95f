"""A request body never carries a NaN or infinity Odoo would read as a cleared or NaN value, whatever container
or number type holds it (msgspec writes more types than the standard library did: sets, Decimals, dataclasses)."""

from __future__ import annotations

import dataclasses
import json
import math
from decimal import Decimal

import numpy as np
import pytest

from retail_sync.odoo.client import encode_body


@dataclasses.dataclass
class Price:
    amount: float


@pytest.mark.parametrize("bad", [
    {math.nan}, frozenset([1.0, math.inf]),                       # msgspec writes a set as a list, NaN as null
    Decimal("NaN"), Decimal("-Infinity"), Decimal("sNaN"),       # written as the texts "NaN"...: Odoo's float() reads NaN
    Price(math.nan),                                              # a dataclass's fields are written out
    np.float64("nan"),                                            # a float subclass
], ids=["set", "frozenset", "decimal-nan", "decimal-inf", "decimal-snan", "dataclass", "numpy-nan"])
def test_a_non_finite_number_in_any_value_is_refused(bad):
    with pytest.raises(ValueError, match="NaN or infinite"):
        encode_body({"params": {"args": [[{"list_price": bad}]]}})


def test_a_float_subclass_is_sent_as_its_number_as_before():
    # The standard library wrote numpy.float64 as its number; msgspec refused the type.
    assert json.loads(encode_body({"price": np.float64(19.9)})) == {"price": 19.9}


def test_a_lone_surrogate_is_refused_before_anything_is_sent():
    # UTF-8 cannot carry it; the standard library sent an escape Odoo's database could not store.
    with pytest.raises(ValueError):
        encode_body({"name": "bad \ud800"})


def test_finite_decimals_and_texts_that_look_like_nan_are_sent():
    assert json.loads(encode_body({"a": Decimal("19.90"), "b": "NaN", "c": "Infinity", "d": None})) == {
        "a": "19.90", "b": "NaN", "c": "Infinity", "d": None}
