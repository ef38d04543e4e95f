"""Request and answer bodies of the Odoo client: compact JSON that refuses what Odoo would misread, and answers
read whatever Odoo's own encoder writes."""

from __future__ import annotations

import json
import math

import pytest

from retail_sync.odoo.client import decode_body, encode_body


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("where", [lambda v: v, lambda v: [["x", v]], lambda v: {"params": {"args": [1, (v,)]}}])
def test_a_non_finite_number_is_refused_wherever_it_is(bad, where):
    with pytest.raises(ValueError, match="NaN or infinite"):
        encode_body(where(bad))


def test_bodies_are_the_standard_json_of_the_same_values():
    body = {"jsonrpc": "2.0", "id": 7, "params": {"args": ["db", 2, [["a", "é", "", None, 1.5, False, 12 ** 20]],
                                                           {"context": {"tz": "UTC"}, "load": None}]}}
    data = encode_body(body)
    assert json.loads(data) == body
    assert b" " not in data                               # compact
    assert encode_body(["null", None, 0.0]) == b'["null",null,0.0]'   # the text "null" and None are no NaN


def test_answers_with_what_only_the_standard_library_reads_are_read_as_it_does():
    assert decode_body(b'{"result": [1, "\\u00e9", 12345678901234567890123]}') == {
        "result": [1, "é", 12345678901234567890123]}
    answer = decode_body(b'{"result": [NaN, 1e400, -Infinity]}')["result"]
    assert math.isnan(answer[0]) and answer[1:] == [math.inf, -math.inf]
    with pytest.raises(ValueError):
        decode_body(b"<html>502 Bad Gateway</html>")
