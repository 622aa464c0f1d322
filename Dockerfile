# syntax=docker/dockerfile:1
# One image for every Careline process: the Rasa server, the action server, the Twilio
# gateway, the desk, the handoff worker, the incidents API, the insight consumer and the
# migrations; compose.yaml and the Helm chart choose the command per service
# (docs/deploy.md). The trained model is built into the image by the `model` stage, so a
# container never trains at start.
#
# Base: Python 3.10 (Rasa 3.6 does not run on 3.11), pinned by tag and by the digest the
# tag's multi-platform index had when it was pinned. No registry is reachable from the
# machine this file is tested on: check the digest with
# `docker buildx imagetools inspect python:3.10.16-slim-bookworm` when moving it.
FROM python:3.10.16-slim-bookworm@sha256:f9fd9a142c9e3bc54d906053b756eb7e7e386ee1cf784d82c251cf640c502512 AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    RASA_TELEMETRY_ENABLED=false \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
WORKDIR /app

# Dependencies exactly as `make install` pins them (requirements.txt under
# constraints.txt, rasa==3.6.21), in a venv copied whole into the runtime stage; the test
# tools requirements.txt also lists stay out (tests/deploy/test_dockerfile.py checks that
# this filter names real pins and that no runtime code imports them).
FROM base AS builder
COPY requirements.txt requirements-nodeps.txt constraints.txt ./
RUN python -m venv /opt/venv \
    && pip install --no-cache-dir pip==24.0 \
    && grep -v -E '^(pytest|pytest-asyncio|pytest-timeout|time-machine|playwright|ruff|mypy|types-PyYAML|types-redis|types-requests)==' \
       requirements.txt > /tmp/requirements-image.txt \
    && pip install --no-cache-dir -r /tmp/requirements-image.txt -c constraints.txt \
    && pip install --no-cache-dir --no-deps -r requirements-nodeps.txt \
    && rm /tmp/requirements-image.txt
# Careline itself, installed in place as `make install` does: its code finds
# endpoints.yml, credentials.yml and actions/ beside the package (/app).
COPY pyproject.toml README.md endpoints.yml credentials.yml ./
COPY careline ./careline
COPY actions ./actions
RUN pip install --no-cache-dir --no-deps -e . \
    && rm -rf careline.egg-info build

# The model, trained once at build time on the training inputs (`careline model`).
FROM builder AS model
COPY config.yml ./
COPY domain ./domain
COPY data ./data
RUN CARELINE_MODEL_CACHE=/tmp/model-cache careline model \
    && rm -rf /tmp/model-cache .rasa

FROM base AS runtime
RUN groupadd --system --gid 10001 careline \
    && useradd --system --no-log-init --uid 10001 --gid careline --create-home \
       --home-dir /home/careline --shell /usr/sbin/nologin careline \
    && install -d -o careline -g careline -m 0750 /var/lib/careline
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
COPY --from=model /app/models /app/models
COPY deploy/docker/healthcheck.py /usr/local/lib/careline/healthcheck.py
# Production unless told otherwise: refuses placeholder secrets and the embedded
# database. Every process listens on the container's own interfaces; only the
# published ports of compose.yaml (nginx's) or a Kubernetes Service reach them.
ENV CARELINE_PROFILE=production \
    CARELINE_DATA_DIR=/var/lib/careline \
    CARELINE_BIND_HOST=0.0.0.0 \
    CARELINE_LOG_FORMAT=json \
    RASA_TELEMETRY_ENABLED=false \
    HOME=/home/careline \
    MPLCONFIGDIR=/tmp/matplotlib \
    TF_INTRA_OP_PARALLELISM_THREADS=1 \
    TF_INTER_OP_PARALLELISM_THREADS=1
USER 10001:10001
# Rasa 5005, actions 5055, desk 5080, handoff worker 5081, incidents API 5082,
# insight consumer 5083, gateway 8078.
EXPOSE 5005 5055 5080 5081 5082 5083 8078
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "/usr/local/lib/careline/healthcheck.py"]
# The Rasa server; its API token comes from CARELINE_RASA_TOKEN (careline/runtime/rasa_server.py).
CMD ["python", "-m", "careline.runtime.rasa_server", "run", "--model", "models", \
     "--enable-api", "--interface", "0.0.0.0", "--port", "5005", \
     "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"]
