"""Integration fixtures: a catalog world (Odoo sandbox, client, state store) per test; an order world (Odoo
set up for orders) per test and the generated world's good woo-uk orders."""

from __future__ import annotations

import pytest

from tests.storefront_fixtures import small_world  # noqa: F401  (the generated world the order fixtures use)

from .catalog_fixtures import start_world
from .sale_order_fixtures import start_order_world, woo_order_key


@pytest.fixture
def world(tmp_path):
    """A catalog world of its own: the Odoo sandbox over HTTP, an authenticated client, a state store."""
    created = start_world(tmp_path)
    created.client.uid  # noqa: B018  (authenticate first: fault plans count the ORM calls that follow)
    yield created
    created.server.stop()


@pytest.fixture(scope="module")
def good_orders(small_world):  # noqa: F811  (the imported fixture, requested by name)
    """The woo-uk orders of the generated world that no mess knob spoiled."""
    bad = small_world.truth["bad_orders"]
    return [o for o in small_world.orders_of("woo-uk") if woo_order_key(o) not in bad]


@pytest.fixture
def order_world(tmp_path, small_world):  # noqa: F811
    """Odoo set up for orders (taxes, pricelists, journals, the generated catalog) over HTTP, and a store."""
    created = start_order_world(tmp_path, small_world.catalog)
    yield created
    created.world.server.stop()
