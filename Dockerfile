# The production image: Airflow 3.3.2 with retail-sync installed (build with `docker compose build`).
FROM apache/airflow:3.3.2-python3.11 AS production
COPY --chown=airflow:0 requirements.txt /opt/retail-sync/requirements.txt
COPY --chown=airflow:0 include /opt/retail-sync/include
WORKDIR /opt/retail-sync
# Pinning apache-airflow on the same line keeps pip from moving Airflow itself.
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r requirements.txt
WORKDIR /opt/airflow

# Development only (the compose file's "sandbox" profile): the production image plus the sandboxes.
FROM production AS sandbox
COPY --chown=airflow:0 sandbox /opt/retail-sync/sandbox
RUN pip install --no-cache-dir -e /opt/retail-sync/sandbox uvicorn==0.54.0 aiosmtpd==1.4.6 graphql-core==3.3.2
