"""How every hook reads where a service lives and its timeout from a connection's fields."""

from __future__ import annotations

import json

import pytest
from airflow.models.connection import Connection

from retail_sync.airflow.hooks.connection_fields import service_url, timeout_seconds


def conn(**fields) -> Connection:
    return Connection(conn_id="c", conn_type="shopify", **fields)


@pytest.mark.parametrize(("fields", "url"), [
    ({"host": "shop.example.com"}, "https://shop.example.com"),                     # a bare host means https
    ({"host": "shop.example.com", "port": 8443}, "https://shop.example.com:8443"),
    ({"host": "http://127.0.0.1", "port": 8081}, "http://127.0.0.1:8081"),         # the port field applies
    ({"host": "http://127.0.0.1:8081/", "port": 8081}, "http://127.0.0.1:8081"),   # saying it twice is fine
    ({"host": "https://erp.example.com/odoo"}, "https://erp.example.com/odoo"),
])
def test_the_url_is_the_host_with_the_port_field_applied(fields, url):
    assert service_url(conn(**fields)) == url


def test_a_default_host_serves_when_the_field_is_empty_and_contradictions_are_refused():
    assert service_url(conn(), "https://api.stripe.com") == "https://api.stripe.com"
    with pytest.raises(ValueError, match="no host"):
        service_url(conn())
    with pytest.raises(ValueError, match="port 8081 but the port field says 9000"):
        service_url(conn(host="http://127.0.0.1:8081", port=9000))


@pytest.mark.parametrize(("extra", "seconds"), [({}, 30.0), ({"timeout": ""}, 30.0), ({"timeout": 5}, 5.0),
                                                ({"timeout": "2.5"}, 2.5)])
def test_the_timeout_is_the_extra_or_the_default(extra, seconds):
    assert timeout_seconds(conn(extra=json.dumps(extra)), 30.0) == seconds


@pytest.mark.parametrize("bad", ["soon", 0, -3, [1]])
def test_a_timeout_that_is_not_a_positive_number_is_refused(bad):
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        timeout_seconds(conn(extra=json.dumps({"timeout": bad})), 30.0)
