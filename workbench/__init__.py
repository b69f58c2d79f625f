"""The Django shell of Stepbridge: stores resources and performs what the engine decides."""

from workbench.celery import app as celery_app

__all__ = ["celery_app"]
