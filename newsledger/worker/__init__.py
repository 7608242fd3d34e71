"""The scheduled worker: polling on schedule through ingest, publishing through feeds,
sharing sources between replicas, serving, and reporting its status."""
