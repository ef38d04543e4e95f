"""Integration fixtures: a catalog world (Odoo sandbox, client, state store) per test; and the
`production_image` marker: tests that build the production image's Python environment (a full Airflow
install, several minutes). They run only when asked for, `pytest -m production_image`; a plain run
deselects them (listed as deselected, never skipped)."""

from __future__ import annotations

import pytest

from .catalog_fixtures import start_world


@pytest.fixture
def world(tmp_path):
    """A catalog world of its own: the Odoo sandbox over HTTP, an authenticated client, a state store."""
    created = start_world(tmp_path)
    created.client.uid  # noqa: B018  (authenticate first: fault plans count the ORM calls that follow)
    yield created
    created.server.stop()


def pytest_configure(config):
    config.addinivalue_line("markers", "production_image: builds the production image's environment (slow; "
                                       "run with -m production_image)")


def pytest_collection_modifyitems(config, items):
    if "production_image" in (config.getoption("markexpr") or ""):
        return
    slow = [item for item in items if item.get_closest_marker("production_image")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item not in slow]
