"""The production image's Python environment and its airflow-init, without Docker (none runs here).

The production stage's `RUN pip install` lines are read from the Dockerfile and run as they are (only
`--no-cache-dir` is dropped so pip's cache makes a re-run quicker, and the COPY destinations point at a
temporary folder) in a fresh virtualenv without system site-packages. Then airflow-init's script, read
from docker-compose.yaml with its environment filled from .env.example, runs against a throwaway
PostgreSQL; `/entrypoint` is a stand-in doing what the image's entrypoint does before the command
(`airflow db migrate` for _AIRFLOW_DB_MIGRATE, `airflow users create` for _AIRFLOW_WWW_USER_CREATE, as in
apache/airflow's scripts/docker/entrypoint_prod.sh).

It proves: retail_sync is installed (a copy in site-packages, not a link to the source) and the sandbox
package is not; the metadata DB is migrated, the admin user exists with the Admin role, the pools are
imported and the state store's tables exist.

Slow (a full Airflow install: minutes): marked `production_image`, run with `pytest -m production_image`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from retail_sync.state import schema
from tests.compose_file import ROOT, env_file, load_compose

pytestmark = pytest.mark.production_image

FAKE_ENTRYPOINT = """#!/usr/bin/env bash
# Stand-in for the Airflow image's /entrypoint: the steps it takes before running the command.
set -euo pipefail
if [[ -n "${_AIRFLOW_DB_MIGRATE:-}" ]]; then airflow db migrate || true; fi
if [[ -n "${_AIRFLOW_WWW_USER_CREATE:-}" ]]; then
  if [[ -z "${_AIRFLOW_WWW_USER_PASSWORD:-}" ]]; then echo "ERROR! Airflow Admin password not set"; exit 1; fi
  airflow users create --username "${_AIRFLOW_WWW_USER_USERNAME:-admin}" \\
    --firstname "${_AIRFLOW_WWW_USER_FIRSTNAME:-Airflow}" --lastname "${_AIRFLOW_WWW_USER_LASTNAME:-Admin}" \\
    --email "${_AIRFLOW_WWW_USER_EMAIL:-airflowadmin@example.com}" --role "${_AIRFLOW_WWW_USER_ROLE:-Admin}" \\
    --password "${_AIRFLOW_WWW_USER_PASSWORD}" || true
fi
case "$1" in
  bash|python) exec "$@" ;;
  airflow) shift; exec airflow "$@" ;;
  *) exec airflow "$@" ;;
esac
"""


def production_stage() -> tuple[str, list[tuple[str, str]], list[str]]:
    """The production stage's base image, its COPY (source, destination) pairs and its RUN commands."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    base = re.search(r"^FROM (\S+) AS production$", text, re.M)[1]
    stage = text.split(" AS production\n", 1)[1].split("\nFROM ", 1)[0].splitlines()
    copies = [tuple(shlex.split(line)[-2:]) for line in stage if line.startswith("COPY ")]
    runs = [line.removeprefix("RUN ").strip() for line in stage if line.startswith("RUN ")]
    return base, copies, runs


@pytest.fixture(scope="module")
def image_venv(tmp_path_factory):
    """A fresh virtualenv built by the Dockerfile's production RUN lines; yields (venv, image root)."""
    base, copies, runs = production_stage()
    airflow_version, python_version = re.fullmatch(r"apache/airflow:([\d.]+)-python([\d.]+)", base).groups()
    assert python_version == f"{sys.version_info.major}.{sys.version_info.minor}", "build with the image's Python"
    root = tmp_path_factory.mktemp("image")
    for source, destination in copies:
        target = root / destination.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (ROOT / source).is_dir() else shutil.copy)(ROOT / source, target)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    subprocess.run([venv / "bin" / "python", "-m", "ensurepip", "--upgrade"], check=True, capture_output=True)
    assert runs and all(run.startswith("pip install ") for run in runs), runs
    for run in runs:
        words = shlex.split(run.replace("${AIRFLOW_VERSION}", airflow_version))
        words = [re.sub(r"^/opt/", f"{root}/opt/", w) for w in words[2:] if w != "--no-cache-dir"]
        done = subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", *words],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
    return venv, root


def in_venv(venv: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([venv / "bin" / "python", "-c", code], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")}, cwd="/")


def test_the_image_carries_retail_sync_installed_and_not_the_sandbox(image_venv):
    venv, root = image_venv
    found = in_venv(venv, "import retail_sync, retail_sync.state.create_database; print(retail_sync.__file__)")
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip().startswith(str(venv)) and "/opt/retail-sync/include" not in found.stdout
    missing = in_venv(venv, "import retail_sync_sandbox")
    assert missing.returncode == 1 and "No module named 'retail_sync_sandbox'" in missing.stderr
    provider = in_venv(venv, "from importlib.metadata import entry_points;"
                              "print([e.value for e in entry_points(group='apache_airflow_provider')])")
    assert "retail_sync.airflow.provider:get_provider_info" in provider.stdout


def test_airflow_init_migrates_creates_the_admin_imports_pools_and_the_state_store(image_venv, postgres_server,
                                                                                   tmp_path):
    venv, _ = image_venv
    filled = {**env_file(), "POSTGRES_PASSWORD": "pw", "AIRFLOW_JWT_SECRET": "jwt-secret",
              "AIRFLOW_ADMIN_PASSWORD": "admin-secret", "AIRFLOW_ADMIN_USER": "opsadmin"}
    filled["AIRFLOW_FERNET_KEY"] = in_venv(venv, "from cryptography.fernet import Fernet;"
                                                 "print(Fernet.generate_key().decode())").stdout.strip()
    init = load_compose(filled)["services"]["airflow-init"]
    assert init["entrypoint"] == "/bin/bash" and init["command"][0] == "-c"

    # The compose host `postgres` becomes the throwaway server; each database named there, a fresh one.
    metadata = sa.make_url(postgres_server("airflow_meta"))
    state_db = f"state_{tmp_path.name[-12:].lower()}"
    databases = {"airflow": metadata.database, "retail_sync": state_db}

    def to_throwaway(value: str) -> str:
        return re.sub(r"://(\w+):([^@]*)@postgres/(\w+)",
                      lambda m: f"://postgres:{m[2]}@{metadata.host}:{metadata.port}/{databases[m[3]]}", value)

    container = tmp_path / "container"
    opt_airflow = container / "opt" / "airflow"
    # What the compose volumes put in the container (read-only ones copied; the writable ones start empty).
    for volume in init["volumes"]:
        source, target = volume.split(":", 1)
        if source in ("./config", "./dags", "./plugins"):
            shutil.copytree(ROOT / source, container / target.lstrip("/"))
    entrypoint = tmp_path / "entrypoint"
    entrypoint.write_text(FAKE_ENTRYPOINT)
    entrypoint.chmod(0o755)
    env = {name: to_throwaway(str(value)) for name, value in init["environment"].items()}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", HOME=str(tmp_path), AIRFLOW_HOME=str(opt_airflow))
    script = init["command"][1].replace("/entrypoint ", f"{entrypoint} ").replace("/opt/airflow", str(opt_airflow))
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    def airflow_json(*args: str):
        answer = subprocess.run([venv / "bin" / "airflow", *args, "--output", "json"], env=env, capture_output=True,
                                text=True)
        assert answer.returncode == 0, answer.stderr[-3000:]
        lines = answer.stdout.splitlines()  # log lines (warnings) may come before the JSON
        return json.loads("\n".join(lines[next(i for i, line in enumerate(lines) if line.startswith("[")):]))

    subprocess.run([venv / "bin" / "airflow", "db", "check-migrations", "-t", "5"], env=env, check=True,
                   capture_output=True)
    users = airflow_json("users", "list")
    assert [(u["username"], u["roles"]) for u in users] == [("opsadmin", ["Admin"])]
    assert {p["pool"] for p in airflow_json("pools", "list")} >= {"odoo_batch", "odoo_realtime"}
    state = sa.create_engine(metadata.set(database=state_db))
    try:
        assert {schema.dead_letters.name, schema.run_metrics.name} <= set(sa.inspect(state).get_table_names())
    finally:
        state.dispose()
    for folder in ("logs", "retail_sync/landing/catalog"):
        assert (opt_airflow / folder).stat().st_uid == int(filled["AIRFLOW_UID"]), folder
