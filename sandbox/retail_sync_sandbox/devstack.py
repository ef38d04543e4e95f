"""`make up`: the Airflow UI on :8080 (airflow standalone, SQLite) with the Odoo sandbox on :8069 and
a mail sink on :8025, wired through AIRFLOW_CONN_* variables. Secrets are generated once into
.devstack/secrets.env (not in git) and reused; Ctrl-C stops everything."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / ".devstack"


def load_secrets() -> dict[str, str]:
    path = STACK / "secrets.env"
    if not path.exists():
        STACK.mkdir(exist_ok=True)
        values = {"ODOO_SANDBOX_API_KEY": secrets.token_hex(20), "ODOO_SANDBOX_PASSWORD": secrets.token_urlsafe(16),
                  "ODOO_SANDBOX_ADMIN_PASSWORD": secrets.token_urlsafe(16)}
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        path.chmod(0o600)
    values = dict(line.split("=", 1) for line in path.read_text().split())
    if "SANDBOX_CONTROL_TOKEN" not in values:  # the /sandbox/* routes' token; older files lack it
        values["SANDBOX_CONTROL_TOKEN"] = secrets.token_urlsafe(24)
        with path.open("a") as secrets_file:
            secrets_file.write(f"SANDBOX_CONTROL_TOKEN={values['SANDBOX_CONTROL_TOKEN']}\n")
    return values


def main() -> None:
    from .mail_sink import RunningMailSink

    creds = load_secrets()
    env = {**os.environ, **creds, "AIRFLOW_HOME": str(STACK / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"), "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
           "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False", "AIRFLOW__CORE__PARALLELISM": "8",
           "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.1",
           "RETAIL_SYNC_HOME": str(STACK / "retail_sync"),
           # standalone starts its components as `airflow ...`: the venv's bin must be on PATH.
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    odoo = subprocess.Popen([sys.executable, "-m", "retail_sync_sandbox", "odoo", "--port", "8069",
                             "--version", env.get("ODOO_VERSION", "17"), "--db", f"sqlite:///{STACK}/odoo.sqlite"],
                            env=env)
    with RunningMailSink(STACK / "mail", port=8025) as mail:
        env["AIRFLOW_CONN_ODOO_DEFAULT"] = json.dumps({
            "conn_type": "odoo", "host": "http://127.0.0.1:8069", "login": "retail-sync",
            "password": creds["ODOO_SANDBOX_API_KEY"], "extra": {"database": "odoo"}})
        env["AIRFLOW_CONN_SMTP_DEFAULT"] = mail.connection_json()
        airflow = str(Path(sys.executable).parent / "airflow")
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([airflow, "pools", "import", str(ROOT / "config" / "pools.json")], env=env, check=True)
        print(f"Odoo sandbox: http://127.0.0.1:8069 (API key and /sandbox/ control token in {STACK / 'secrets.env'}); "
              f"mail sink: 127.0.0.1:{mail.port} → {STACK / 'mail'}")
        print(f"Drop feeds into {STACK / 'retail_sync' / 'landing' / 'catalog'}; Airflow UI: http://localhost:8080 "
              f"(admin password: {STACK / 'airflow' / 'simple_auth_manager_passwords.json.generated'})")
        standalone = subprocess.Popen([airflow, "standalone"], env=env, start_new_session=True)
        try:
            standalone.wait()
        except KeyboardInterrupt:
            pass
        finally:
            os.killpg(standalone.pid, signal.SIGTERM)
            standalone.wait(timeout=30)
            odoo.terminate()
            odoo.wait(timeout=10)


if __name__ == "__main__":
    main()
