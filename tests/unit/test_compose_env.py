"""docker-compose.yaml and .env.example agree (static: no Docker runs here):

- every variable the compose file uses is listed in .env.example;
- a required secret left blank stops Compose with a message naming it (never an empty password);
- the Fernet-key command .env.example gives makes a key Airflow's Fernet accepts;
- every long-running Airflow service has a healthcheck; logs and the data folder are host folders that
  airflow-init hands to AIRFLOW_UID; the data folder is RETAIL_SYNC_HOME.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from tests.compose_file import (
    ENV_EXAMPLE,
    MissingVariable,
    compose_text_without_comments,
    env_file,
    interpolate,
    load_compose,
    referenced_variables,
)

REQUIRED = ["POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "AIRFLOW_ADMIN_PASSWORD",
            "AIRFLOW_CONN_ODOO_DEFAULT", "AIRFLOW_CONN_SMTP_DEFAULT"]


def filled_env() -> dict[str, str]:
    return {**env_file(), **{name: f"value-of-{name}" for name in REQUIRED}}


def test_the_substitution_reader_follows_compose_rules():
    env = {"SET": "x", "BLANK": ""}
    assert interpolate("${SET} ${BLANK:-d} ${BLANK-d} ${UNSET:-d} $${SET} ${SET:?m}", env) == "x d  d ${SET} x"
    with pytest.raises(MissingVariable, match="BLANK.*say why"):
        interpolate("${BLANK:?say why}", env)


def test_every_variable_the_compose_file_uses_is_in_env_example():
    used = referenced_variables(compose_text_without_comments())
    assert {"POSTGRES_PASSWORD", "AIRFLOW_UID", "RETAIL_SYNC_DATA_DIR"} <= used  # the scanner sees them
    assert sorted(used - set(env_file())) == []


@pytest.mark.parametrize("secret", REQUIRED)
def test_a_blank_required_secret_stops_compose_with_its_name(secret):
    with pytest.raises(MissingVariable, match=f"{secret} is missing a value: set {secret} in .env"):
        load_compose({**filled_env(), secret: ""})
    assert env_file()[secret] == "" or "<" in env_file()[secret]  # the example holds no usable secret


def test_the_filled_example_gives_every_service_its_secrets():
    services = load_compose(filled_env())["services"]
    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__FERNET_KEY"] == "value-of-AIRFLOW_FERNET_KEY"
    assert "value-of-POSTGRES_PASSWORD@postgres" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert services["airflow-init"]["environment"]["_AIRFLOW_WWW_USER_PASSWORD"] == "value-of-AIRFLOW_ADMIN_PASSWORD"


def hint_command(variable: str) -> str:
    """The command in the comment block just above `variable=` in .env.example."""
    lines = ENV_EXAMPLE.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{variable}="))
    comment = lines[index - 1]
    assert comment.startswith("#   python3 -c "), comment
    return comment.removeprefix("#   ")


def test_the_fernet_key_command_makes_a_valid_key():
    command = hint_command("AIRFLOW_FERNET_KEY")
    keys = [subprocess.run(command.replace("python3", sys.executable, 1), shell=True, check=True,
                           capture_output=True, text=True).stdout.strip() for _ in range(2)]
    assert keys[0] != keys[1]
    for key in keys:
        Fernet(key.encode())  # raises ValueError on an invalid key
    with pytest.raises(ValueError):  # the check has teeth: the old hint's value (token_urlsafe) is refused
        Fernet(secrets.token_urlsafe(32).encode())


def test_long_running_services_have_healthchecks_and_writable_host_folders():
    compose = load_compose(filled_env())
    services = compose["services"]
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker",
                 "airflow-triggerer"):
        assert services[name]["healthcheck"]["test"], name
    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"  # the scheduler's curl needs it
    mounts = dict(volume.split(":", 1) for volume in services["airflow-scheduler"]["volumes"])
    assert mounts["./logs"] == "/opt/airflow/logs"
    assert mounts["./data"] == env["RETAIL_SYNC_HOME"] == "/opt/airflow/retail_sync"
    init = services["airflow-init"]
    script = init["command"][-1]
    chown = next(line for line in script.splitlines() if line.startswith("chown"))
    assert re.search(r'"50000:0" .*/opt/airflow/logs /opt/airflow/retail_sync$', chown)
    assert init["user"] == "0:0" and services["airflow-scheduler"]["user"] == "50000:0"
    # The admin user and the migration come from the image's entrypoint, which must therefore be called.
    assert "/entrypoint airflow version" in script.splitlines()
    assert init["environment"]["_AIRFLOW_WWW_USER_CREATE"] == "true"
