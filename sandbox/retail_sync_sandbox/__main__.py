"""Start a sandbox server, or write the demo world to files.

    python -m retail_sync_sandbox odoo --port 8069 --version 17 --db sqlite:// --seed demo
    python -m retail_sync_sandbox shopify --store shopify-eu --port 8081 [--live-rate 2]
    python -m retail_sync_sandbox woocommerce --port 8083
    python -m retail_sync_sandbox stripe --port 8084
    python -m retail_sync_sandbox world --out .demo/world --seed 7 --scale 1

Storefront and payment sandboxes are seeded from the demo world (`--seed`, `--scale`); their
credentials come from the environment (generated and printed once when missing).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys

import uvicorn

from .faults import FaultPlan


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m retail_sync_sandbox")
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
    for name, port in (("shopify", 8081), ("woocommerce", 8083), ("stripe", 8084)):
        server = sub.add_parser(name, help=f"a {name} API on the demo world")
        server.add_argument("--host", default="127.0.0.1")
        server.add_argument("--port", type=int, default=port)
        server.add_argument("--db", default="sqlite://", help="SQLAlchemy URL of the sandbox's own database")
        server.add_argument("--seed", type=int, default=7)
        server.add_argument("--scale", type=float, default=1.0)
        server.add_argument("--faults", default="{}")
        if name != "stripe":
            server.add_argument("--store", default="shopify-eu" if name == "shopify" else "woo-uk")
            server.add_argument("--live-rate", type=float, default=0.0, help="new orders/updates per second")
        if name == "shopify":
            server.add_argument("--bucket", type=float, default=2000, help="throttle bucket size (points)")
            server.add_argument("--restore-rate", type=float, default=100, help="points restored per second")
    world = sub.add_parser("world", help="write the demo world (PIM feed, JSONL per collection, truth.json)")
    world.add_argument("--out", required=True)
    world.add_argument("--seed", type=int, default=7)
    world.add_argument("--scale", type=float, default=1.0)
    return parser.parse_args(argv)


def secret_from_env(name: str, prefix: str) -> str:
    found = os.environ.get(name)
    if not found:
        found = prefix + secrets.token_hex(16)
        print(f"generated {name} (set it in the environment to choose your own): {found}", file=sys.stderr)
    return found


def storefront_app(args: argparse.Namespace):
    from .datagen.world import build_world

    world = build_world(args.seed, args.scale)
    faults = FaultPlan.from_dict(json.loads(args.faults))
    if args.server == "shopify":
        from .shopify.app import ShopifySandbox, create_app

        sandbox = ShopifySandbox(world, args.store, secret_from_env("SHOPIFY_SANDBOX_TOKEN", "shpat_"),
                                 db_url=args.db, faults=faults, bucket_size=args.bucket,
                                 restore_rate=args.restore_rate)
    elif args.server == "woocommerce":
        from .woocommerce.app import WooSandbox, create_app

        sandbox = WooSandbox(world, args.store, secret_from_env("WOO_SANDBOX_KEY", "ck_"),
                             secret_from_env("WOO_SANDBOX_SECRET", "cs_"), db_url=args.db, faults=faults)
    else:
        from .stripe.app import StripeSandbox, create_app

        sandbox = StripeSandbox(world, secret_from_env("STRIPE_SANDBOX_KEY", "sk_test_"), db_url=args.db,
                                faults=faults)
    if getattr(args, "live_rate", 0):
        from .live import LiveOrders

        LiveOrders(world, args.store, sandbox, args.live_rate).start()
    return create_app(sandbox)


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
    elif args.server == "world":
        from pathlib import Path

        from .datagen.world import build_world, write_world

        print(write_world(build_world(args.seed, args.scale), Path(args.out)))
    else:
        uvicorn.run(storefront_app(args), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
