# The production image: Airflow 3.3.2 with retail-sync installed (build with `docker compose build`).
FROM apache/airflow:3.3.2-python3.11 AS production
COPY --chown=airflow:0 requirements.txt /opt/retail-sync/requirements.txt
COPY --chown=airflow:0 include /opt/retail-sync/include
# retail_sync is installed as a regular package (not editable: nothing at run time depends on the source
# folder). Pinning apache-airflow on the same line keeps pip from moving Airflow itself; its extras are the
# parts the compose file relies on (CeleryExecutor, the FAB auth manager and `airflow users create`,
# PostgreSQL), already in the base image and named here so the same line builds a complete environment.
RUN pip install --no-cache-dir "apache-airflow[celery,fab,postgres]==${AIRFLOW_VERSION}" -r /opt/retail-sync/requirements.txt /opt/retail-sync/include
WORKDIR /opt/airflow

# Development only (the compose file's "sandbox" profile): the production image plus the sandboxes.
FROM production AS sandbox
COPY --chown=airflow:0 sandbox /opt/retail-sync/sandbox
RUN pip install --no-cache-dir /opt/retail-sync/sandbox uvicorn==0.54.0 aiosmtpd==1.4.6 graphql-core==3.3.2
