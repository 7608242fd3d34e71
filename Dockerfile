# newsledger: the worker (`newsledger run`) and the feed server (`newsledger serve`) in one image.
#   docker build -t newsledger .
#   docker run -p 8080:8080 -v newsledger-data:/data newsledger        # SQLite in the volume
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# Dependencies first, pinned to the tested versions, so code changes reuse this layer.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock

COPY pyproject.toml README.md ./
COPY store ./store
COPY ingest ./ingest
COPY feeds ./feeds
COPY newsledger ./newsledger
RUN pip install --no-deps . && rm -rf /src/build

# The shipped configuration and sample articles; mount your own over /config.
COPY newsledger.toml /config/newsledger.toml
COPY examples /config/examples

RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin newsledger \
    && mkdir -p /data /config/public \
    && chown -R newsledger:newsledger /data /config/public
USER newsledger
WORKDIR /data
# /data: the SQLite store when DATABASE_URL is not PostgreSQL; /config/public: published feeds
# ([feeds] output_dir "public" is relative to the configuration file).
VOLUME ["/data", "/config/public"]

ENV NEWSLEDGER_CONFIG=/config/newsledger.toml \
    DATABASE_URL=sqlite:////data/newsledger.db \
    NEWSLEDGER_LOG_FORMAT=json \
    NEWSLEDGER_LOG_LEVEL=INFO \
    NEWSLEDGER_HEALTH_URL=http://127.0.0.1:8080/healthz

EXPOSE 8080
# NEWSLEDGER_HEALTH_URL lets a container that serves elsewhere (the worker's --metrics-port)
# keep this one check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['NEWSLEDGER_HEALTH_URL'], timeout=4)"]

STOPSIGNAL SIGTERM
CMD ["newsledger", "run", "--host", "0.0.0.0", "--port", "8080"]
