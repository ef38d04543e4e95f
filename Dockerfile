# The production image: Airflow 3.3.2 with retail-sync installed (build with `docker compose build`).
FROM apache/airflow:3.3.2-python3.11
COPY --chown=airflow:0 requirements.txt /opt/retail-sync/requirements.txt
COPY --chown=airflow:0 include /opt/retail-sync/include
WORKDIR /opt/retail-sync
# Pinning apache-airflow on the same line keeps pip from moving Airflow itself.
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r requirements.txt
WORKDIR /opt/airflow
