"""`python -m retail_sync.sandbox odoo --port 8069 --version 17 --db sqlite:// --seed demo`."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys

import uvicorn

from .faults import FaultPlan


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m retail_sync.sandbox")
    sub = parser.add_subparsers(dest="server", required=True)
    odoo = sub.add_parser("odoo", help="an Odoo-compatible external API (JSON-RPC, XML-RPC, web, JSON-2)")
    odoo.add_argument("--host", default="127.0.0.1")
    odoo.add_argument("--port", type=int, default=8069)
    odoo.add_argument("--version", type=int, choices=(17, 18, 19), default=17)
    odoo.add_argument("--db", default="sqlite://", help="SQLAlchemy URL; {db} is replaced by each database name")
    odoo.add_argument("--database", action="append", dest="databases",
                      help="an Odoo database to serve (repeatable; default: odoo)")
    odoo.add_argument("--seed", choices=("demo", "empty"), default="demo")
    odoo.add_argument("--faults", default="{}", help='fault plan as JSON, e.g. \'{"rate_503": 0.05}\'')
    return parser.parse_args(argv)


def credentials_from_env():
    from .odoo.seed import SeedCredentials

    # Credentials come from the environment; any that are missing are generated and printed once.
    generated = {}

    def value(name: str) -> str:
        found = os.environ.get(name)
        if not found:
            found = generated[name] = secrets.token_urlsafe(18)
        return found

    creds = SeedCredentials(
        admin_password=value("ODOO_SANDBOX_ADMIN_PASSWORD"),
        integration_login=os.environ.get("ODOO_SANDBOX_LOGIN", "retail-sync"),
        integration_password=value("ODOO_SANDBOX_PASSWORD"),
        integration_api_key=value("ODOO_SANDBOX_API_KEY"),
    )
    for name in generated:
        print(f"generated {name} (set it in the environment to choose your own): {generated[name]}", file=sys.stderr)
    return creds


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.server == "odoo":
        from .odoo.app import OdooSandbox, create_app

        sandbox = OdooSandbox(args.version, args.db, tuple(args.databases or ["odoo"]), args.seed,
                              credentials_from_env(), FaultPlan.from_dict(json.loads(args.faults)))
        uvicorn.run(create_app(sandbox), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
