"""Targets for the Odoo contract suite: the sandbox as 17, 18 and 19, and a real Odoo when
ODOO_CONTRACT_URL, ODOO_CONTRACT_DB, ODOO_CONTRACT_LOGIN and ODOO_CONTRACT_API_KEY are set."""

from __future__ import annotations

import os

import pytest

from retail_sync_sandbox.odoo.app import OdooSandbox, create_app
from retail_sync_sandbox.odoo.seed import SeedCredentials
from retail_sync_sandbox.serving import RunningServer

from .odoo_target import OdooTarget

REAL_ENV = ("ODOO_CONTRACT_URL", "ODOO_CONTRACT_DB", "ODOO_CONTRACT_LOGIN", "ODOO_CONTRACT_API_KEY")
CREDS = SeedCredentials(admin_password="admin-pw", integration_login="retail-sync",
                        integration_password="integration-pw", integration_api_key="k" * 40)


@pytest.fixture(scope="session")
def sandbox_servers():
    servers = {}
    yield servers
    for server, _sandbox in servers.values():
        server.stop()


def start_sandbox(servers: dict, version: int) -> tuple[RunningServer, OdooSandbox]:
    if version not in servers:
        sandbox = OdooSandbox(version, credentials=CREDS)
        servers[version] = (RunningServer(create_app(sandbox)).start(), sandbox)
    return servers[version]


@pytest.fixture(params=["sandbox-17", "sandbox-18", "sandbox-19", "real"])
def odoo(request, sandbox_servers) -> OdooTarget:
    if request.param == "real":
        missing = [name for name in REAL_ENV if not os.environ.get(name)]
        if missing:
            pytest.skip(f"no real Odoo to check against: set {', '.join(missing)} (see README, 'Contract suite')")
        target = OdooTarget(os.environ["ODOO_CONTRACT_URL"], os.environ["ODOO_CONTRACT_DB"],
                            os.environ["ODOO_CONTRACT_LOGIN"], os.environ["ODOO_CONTRACT_API_KEY"], version=0,
                            admin_login=os.environ.get("ODOO_CONTRACT_ADMIN_LOGIN"),
                            admin_password=os.environ.get("ODOO_CONTRACT_ADMIN_PASSWORD"),
                            password=os.environ.get("ODOO_CONTRACT_PASSWORD"))
        target.version = target.jsonrpc("common", "version")["server_version_info"][0]
        return target
    version = int(request.param.split("-")[1])
    server, _sandbox = start_sandbox(sandbox_servers, version)
    return OdooTarget(server.url, "odoo", CREDS.integration_login, CREDS.integration_api_key, version,
                      admin_login="admin", admin_password=CREDS.admin_password,
                      password=CREDS.integration_password, is_sandbox=True)
