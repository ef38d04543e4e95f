"""The storefront and payment sandboxes on loopback, seeded from one small demo world, for the
contract and connector tests (registered as a pytest plugin by tests/conftest.py)."""

from __future__ import annotations

import pytest

from retail_sync.channels.http import ChannelConfig
from retail_sync.retry import RetryPolicy
from retail_sync_sandbox.datagen.world import build_world
from retail_sync_sandbox.serving import RunningServer
from retail_sync_sandbox.shopify.app import ShopifySandbox
from retail_sync_sandbox.shopify.app import create_app as shopify_app
from retail_sync_sandbox.stripe.app import StripeSandbox
from retail_sync_sandbox.stripe.app import create_app as stripe_app
from retail_sync_sandbox.woocommerce.app import WooSandbox
from retail_sync_sandbox.woocommerce.app import create_app as woo_app

SHOPIFY_TOKEN = "shpat_sandbox_token"
WOO_KEY, WOO_SECRET = "ck_sandbox", "cs_sandbox"
STRIPE_KEY = "sk_test_sandbox"
FAST_RETRIES = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05, budget_seconds=5)


@pytest.fixture(scope="session")
def small_world():
    return build_world(seed=11, scale=0.4)


@pytest.fixture(scope="session")
def shopify_server(small_world):
    sandbox = ShopifySandbox(small_world, "shopify-eu", SHOPIFY_TOKEN, bucket_size=2000, restore_rate=100_000)
    with RunningServer(shopify_app(sandbox)) as server:
        yield server, sandbox


@pytest.fixture
def shopify(shopify_server):
    """A freshly reset shop with a bucket that never limits; tests that need throttling set their own."""
    server, sandbox = shopify_server
    sandbox.reset()
    sandbox.faults.configure(type(sandbox.faults.plan)())
    sandbox.bucket.configure(2000, 100_000)
    return server, sandbox


@pytest.fixture(scope="session")
def woo_server(small_world):
    sandbox = WooSandbox(small_world, "woo-uk", WOO_KEY, WOO_SECRET)
    with RunningServer(woo_app(sandbox)) as server:
        yield server, sandbox


@pytest.fixture
def woo(woo_server):
    server, sandbox = woo_server
    sandbox.reset()
    sandbox.faults.configure(type(sandbox.faults.plan)())
    return server, sandbox


@pytest.fixture(scope="session")
def stripe_server(small_world):
    sandbox = StripeSandbox(small_world, STRIPE_KEY)
    with RunningServer(stripe_app(sandbox)) as server:
        yield server, sandbox


@pytest.fixture
def stripe_sandbox(stripe_server):
    server, sandbox = stripe_server
    sandbox.reset()
    sandbox.faults.configure(type(sandbox.faults.plan)())
    return server, sandbox


def config(platform: str, channel: str, url: str, conn_id: str) -> ChannelConfig:
    return ChannelConfig(channel=channel, platform=platform, base_url=url, conn_id=conn_id)


class VirtualClock:
    """Time shared by the shop's bucket and the client that passes only while the client sleeps, so
    whether a query finds the bucket empty does not depend on how fast this machine is."""

    def __init__(self):
        self.seconds = 0.0

    def now(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds
