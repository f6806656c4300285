# syntax=docker/dockerfile:1
# The app as a container image. CPU by default; a build argument selects the GPU variant:
#   docker build -t dl3steps .                               # python:3.11-slim, NumPy
#   docker build -t dl3steps-gpu --build-arg VARIANT=gpu .   # CUDA 12 runtime, CuPy (requirements-gpu.txt)
#   docker run --rm -p 8501:8501 dl3steps                    # then open http://localhost:8501
#   docker run --rm --gpus all -p 8501:8501 dl3steps-gpu
# Replicas behind nginx: deploy/compose.yaml; Kubernetes: deploy/k8s/ (see deploy/README.md).
#
# Where no container engine runs, `python -m deploy.replicas` goes through this file's app steps on
# the host: it copies the build context as .dockerignore leaves it, applies the app stage's ENV lines,
# runs its exec-form (JSON) RUN lines there, and starts the CMD with that environment; it waits on the
# same /_stcore/health as the HEALTHCHECK. Keep app-level build steps in exec form so that it sees them.

ARG VARIANT=cpu

# --- CPU: the official slim Python image ----------------------------------------------------------
FROM python:3.11-slim-bookworm AS base-cpu
ENV REQUIREMENTS=requirements.txt

# --- GPU: NVIDIA's CUDA 12 runtime (cuBLAS, NVRTC, … that CuPy loads) with Ubuntu's Python 3.12 --------
# For a CUDA 13 driver, use a 13.x base and cupy-cuda13x in requirements-gpu.txt.
FROM nvidia/cuda:12.6.3-runtime-ubuntu24.04 AS base-gpu
# (DL3008, pin apt versions: the base image's tag pins the Ubuntu release; exact package versions
# vanish from the archive with each security update and would break the build.)
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/venv
# NNLIB_BACKEND=cupy: the server refuses to start computing on the CPU by mistake (README, "A GPU server").
ENV PATH=/opt/venv/bin:$PATH \
    REQUIREMENTS=requirements-gpu.txt \
    NNLIB_BACKEND=cupy

# --- The app, on either base --------------------------------------------------------------------------
# (DL3006, tag the image: base-cpu / base-gpu are this file's own stages, picked by VARIANT.)
# hadolint ignore=DL3006
FROM base-${VARIANT} AS app
# The server's settings come from .streamlit/config.toml (copied with the app below); these add the
# ones a container needs. STREAMLIT_* variables are Streamlit's own way to set its options; a flag on
# `streamlit run`, or the same variable in compose / Kubernetes, overrides them.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NNLIB_CACHE_DIR=/var/cache/nnlib \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

# A non-root user with a fixed uid (Kubernetes' runAsNonRoot checks a numeric USER), owning the cache.
RUN useradd --create-home --uid 10001 --user-group app \
    && mkdir -p /var/cache/nnlib \
    && chown app:app /var/cache/nnlib

WORKDIR /app
COPY requirements.txt requirements-gpu.txt ./
RUN pip install --no-cache-dir -r "$REQUIREMENTS"

# The app: app.py, pages/, ui/, services/, lessons/, nnlib/ and .streamlit/config.toml (what
# .dockerignore leaves out: tests, benchmarks, docs, deploy, caches). Owned by root: the app cannot
# change its own code.
COPY . .

USER 10001:10001
# Build time: the 16×16 digits cache into $NNLIB_CACHE_DIR, and a check that the shipped default digit
# model (nnlib/data/) loads without training, so that a new replica answers its first visitor at once.
# On NumPy: a build has no GPU.
# >>> The build-time cache step (deploy/replicas.py runs it too). Adjust the command here only. <<<
RUN ["env", "NNLIB_BACKEND=numpy", "python", "-c", "import nnlib.datasets as ds, nnlib.digits as d; ds.digits(); d.default_model()"]

EXPOSE 8501
# The slim image has no curl: Python asks Streamlit's own health endpoint.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('STREAMLIT_SERVER_PORT', '8501') + '/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "app.py"]
