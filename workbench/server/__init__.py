"""Serving the workbench: the `serve` command (uvicorn) and, in embedded mode, the Celery
worker inside it. Above the runtime: it starts workers, it never moves an execution itself."""
