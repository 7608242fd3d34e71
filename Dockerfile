# newsledger: the worker (`newsledger run`) and the feed server (`newsledger serve`) in one image.
#   docker build -t newsledger .
#   docker run -p 8080:8080 -v newsledger-data:/data newsledger        # SQLite in the volume
# Needs BuildKit (the default since Docker 23; with Debian's docker.io 20.10 set
# DOCKER_BUILDKIT=1). Behind a private index or a TLS-intercepting proxy:
#   docker build --build-arg PIP_INDEX_URL=https://pypi.example/simple \
#                --secret id=ca_bundle,src=/path/to/proxy-ca.pem -t newsledger .

# -- stage 1: wheels of the pinned dependencies and of newsledger itself ------------------
FROM python:3.11-slim AS wheels

# Read by pip inside RUN; unset unless given with --build-arg.
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_TRUSTED_HOST
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /build
# Dependencies first, pinned to the tested versions, so a code change reuses this layer.
COPY requirements.lock ./
# The optional `ca_bundle` secret is added to the system's CA bundle for pip only; it is
# mounted for this command and never stored in a layer.
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then \
        cat /etc/ssl/certs/ca-certificates.crt /run/secrets/ca_bundle > /tmp/ca.pem \
        && export PIP_CERT=/tmp/ca.pem; \
    fi \
    && pip wheel --no-deps --wheel-dir /wheels/deps -r requirements.lock

# The whole build context, as .dockerignore trims it: a new package needs no change here.
COPY . ./
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then \
        cat /etc/ssl/certs/ca-certificates.crt /run/secrets/ca_bundle > /tmp/ca.pem \
        && export PIP_CERT=/tmp/ca.pem; \
    fi \
    && pip wheel --no-deps --wheel-dir /wheels/app .

# -- stage 2: the runtime: the wheels installed, no source tree, no build tools -----------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The wheels are mounted from stage 1 for the install only, so no copy of them stays behind
# (on /mnt, which exists and stays empty).
RUN --mount=type=bind,from=wheels,source=/wheels/deps,target=/mnt \
    pip install --no-index --no-deps /mnt/*.whl
RUN --mount=type=bind,from=wheels,source=/wheels/app,target=/mnt \
    pip install --no-index --no-deps /mnt/*.whl

# One uid and gid (10001) everywhere, so files in volumes keep one owner across images.
RUN groupadd --system --gid 10001 newsledger \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin newsledger \
    && install -d -o 10001 -g 10001 /data /config /config/public

# The shipped configuration and sample articles; mount your own over /config. Published
# feeds go to /config/public ([feeds] output_dir "public" is relative to the configuration
# file); the SQLite store to /data. Mount volumes there to keep them (a named volume takes
# the directory's owner, 10001, on first use).
COPY --chown=10001:10001 newsledger.toml /config/newsledger.toml
COPY --chown=10001:10001 examples /config/examples
USER 10001:10001
WORKDIR /data

ENV NEWSLEDGER_CONFIG=/config/newsledger.toml \
    DATABASE_URL=sqlite:////data/newsledger.db \
    NEWSLEDGER_LOG_FORMAT=json \
    NEWSLEDGER_LOG_LEVEL=INFO \
    NEWSLEDGER_HEALTH_URL=http://127.0.0.1:8080/healthz

EXPOSE 8080
# NEWSLEDGER_HEALTH_URL lets a container that serves elsewhere (the worker's --metrics-port)
# keep this one check.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['NEWSLEDGER_HEALTH_URL'], timeout=4)"]

STOPSIGNAL SIGTERM
CMD ["newsledger", "run", "--host", "0.0.0.0", "--port", "8080"]
