FROM python:3.11-slim
# FIREBREAK_ENV_FILE="": the image reads its configuration from the environment only, never from a .env file.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 FIREBREAK_ENV_FILE=""
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY core ./core
COPY orgs ./orgs
COPY services ./services
COPY incidents ./incidents
COPY alerting ./alerting
COPY oncall ./oncall
COPY notifications ./notifications
COPY ticketing ./ticketing
COPY statuspage ./statuspage
COPY retros ./retros
COPY workflows ./workflows
COPY drills ./drills
RUN pip install .
COPY . .
RUN useradd --create-home firebreak && mkdir -p /app/var && chown -R firebreak /app/var
USER firebreak
EXPOSE 8000
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--proxy-headers", "--no-access-log", "--log-config", "config/uvicorn-logging.json"]
