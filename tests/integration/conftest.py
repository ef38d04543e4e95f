"""Integration fixtures: a catalog world (Odoo sandbox, client, state store) per test."""

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
