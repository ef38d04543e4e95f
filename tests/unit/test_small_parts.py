"""Pure pieces: check digits, money, masking, external-id names, retry policy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from retail_sync.alerts.masking import mask_field, mask_text
from retail_sync.canonical.barcodes import is_valid_gtin
from retail_sync.canonical.money import parse_money
from retail_sync.odoo.binder import xmlid, xmlid_name
from retail_sync.odoo.errors import OdooRetryableError, OdooValidationError
from retail_sync.retry import RetryCounters, RetryPolicy, with_retries


@pytest.mark.parametrize("code, valid", [("4006381333931", True), ("4006381333932", False), ("036000291452", True),
                                         ("036000291453", False), ("96385074", True), ("12345", False),
                                         ("40063813339A1", False)])
def test_gtin_check_digit(code, valid):
    assert is_valid_gtin(code) is valid


def test_money_is_decimal_and_strict():
    assert parse_money("19.90") == Decimal("19.90")
    assert parse_money("") is None and parse_money(None) is None
    for bad in ("-1", "1e5", "12.34567", "1,50", "abc"):
        with pytest.raises(ValueError):
            parse_money(bad)


def test_masking():
    assert mask_field("email", "alice@example.com") == "a***@example.com"
    assert mask_field("phone", "+32 475 12 34 56") == "***56"
    assert mask_text("write to bob@shop.example or +32 475 12 34 56 by 2026-12-01") == (
        "write to b***@shop.example or ***56 by 2026-12-01")


def test_xmlid_names_are_safe_and_distinct():
    assert xmlid("pim:product:TEE S/1").startswith("retail_sync.pim_product_TEE_S_1_")
    assert xmlid_name("pim:product:A B") != xmlid_name("pim:product:A_B")
    assert " " not in xmlid_name("x y z")


def test_retry_only_retryable_and_within_budget():
    sleeps, counters = [], RetryCounters()
    attempts = iter([OdooRetryableError("503", retry_after=0.5), OdooRetryableError("429"), "ok"])

    def flaky():
        outcome = next(attempts)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert with_retries(flaky, RetryPolicy(base_delay=0.01), counters, "x", sleep=sleeps.append) == "ok"
    assert counters.retries == 2 and sleeps[0] >= 0.5
    with pytest.raises(OdooValidationError):
        with_retries(lambda: (_ for _ in ()).throw(OdooValidationError("no")), RetryPolicy(), RetryCounters(), "x",
                     sleep=sleeps.append)
    budget = RetryPolicy(max_attempts=10, base_delay=1, max_delay=1, budget_seconds=0.5)
    with pytest.raises(OdooRetryableError):
        with_retries(lambda: (_ for _ in ()).throw(OdooRetryableError("503", retry_after=1)), budget,
                     RetryCounters(), "x", sleep=sleeps.append)


def test_a_bulk_file_whose_child_does_not_follow_its_order_is_refused():
    from retail_sync.channels.errors import ChannelRequestError
    from retail_sync.channels.shopify.connector import assemble

    good = ['{"id": "gid://shopify/Order/1"}', '{"id": "gid://shopify/LineItem/7", "__parentId": "gid://shopify/Order/1"}',
            "", '{"id": "gid://shopify/Order/2"}']
    orders = list(assemble(iter(good)))
    assert [o["id"] for o in orders] == ["gid://shopify/Order/1", "gid://shopify/Order/2"]
    assert orders[0]["lineItems"]["nodes"] == [{"id": "gid://shopify/LineItem/7"}]
    stray = good + ['{"id": "gid://shopify/LineItem/8", "__parentId": "gid://shopify/Order/1"}']
    with pytest.raises(ChannelRequestError, match="not the order before it"):
        list(assemble(iter(stray)))
