"""`make up` keeps its secrets in .devstack/secrets.env: a file from before the /sandbox/ control token
gains one, once, and keeps it."""

from __future__ import annotations

from retail_sync_sandbox import devstack


def test_an_older_secrets_file_gains_a_control_token_once(tmp_path):
    (tmp_path / "secrets.env").write_text("ODOO_SANDBOX_API_KEY=abc\nODOO_SANDBOX_PASSWORD=p\n"
                                          "ODOO_SANDBOX_ADMIN_PASSWORD=a\n")
    first = devstack.load_secrets(tmp_path)
    assert first["ODOO_SANDBOX_API_KEY"] == "abc" and len(first["SANDBOX_CONTROL_TOKEN"]) >= 24
    assert devstack.load_secrets(tmp_path) == first


def test_a_new_secrets_file_has_every_secret(tmp_path):
    values = devstack.load_secrets(tmp_path / "stack")
    assert set(values) == {"ODOO_SANDBOX_API_KEY", "ODOO_SANDBOX_PASSWORD", "ODOO_SANDBOX_ADMIN_PASSWORD",
                           "SANDBOX_CONTROL_TOKEN", "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET",
                           "SHOPIFY_SANDBOX_TOKEN", "WOO_SANDBOX_KEY", "WOO_SANDBOX_SECRET"}
    assert values["SHOPIFY_SANDBOX_TOKEN"].startswith("shpat_") and values["WOO_SANDBOX_KEY"].startswith("ck_")
    assert (tmp_path / "stack" / "secrets.env").stat().st_mode & 0o777 == 0o600
