"""`python -m retail_sync.state.create_database URL`: create the state store's PostgreSQL database if
missing, then its tables (used by docker-compose's airflow-init)."""

from __future__ import annotations

import sys

import sqlalchemy as sa

from retail_sync.state.store import StateStore


def main(url: str) -> None:
    target = sa.make_url(url)
    if target.get_backend_name() == "postgresql":
        admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
        admin.dispose()
    StateStore(url)
    print(f"state store ready: {target.render_as_string(hide_password=True)}")


if __name__ == "__main__":
    main(sys.argv[1])
