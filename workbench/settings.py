"""Django settings for Stepbridge.

One settings module for both runtime modes, chosen by environment variables alone:
embedded (the default: SQLite, in-process channel layer, in-memory Celery broker with a
worker thread inside the server) and distributed (DATABASE_URL, CELERY_BROKER_URL and
CHANNEL_LAYER_URL pointing at PostgreSQL and Redis, separate `celery -A workbench worker`s).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from workbench.core.db import postgres_options, sqlite_options

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STEPBRIDGE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _switched_on(name: str) -> bool:
    """An environment switch: on only for 1, true, on or yes (unset is off)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "on", "yes")


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "stepbridge-embedded-not-secret")
# Off unless asked for: Django's debug page shows settings (DATABASE_URL, broker URLs) and
# tracebacks to whoever triggers an error. `make run` says how to turn it on.
DEBUG = _switched_on("STEPBRIDGE_DEBUG")
# The names the workbench is served under; anything else is refused, so a page whose DNS name
# is re-pointed at 127.0.0.1 (DNS rebinding) cannot talk to it. *.localhost always means this
# machine (RFC 6761) and carries S3's virtual-hosted buckets.
ALLOWED_HOSTS = [
    "127.0.0.1",
    "localhost",
    ".localhost",
    "[::1]",
    *filter(None, (host.strip() for host in os.environ.get("STEPBRIDGE_ALLOWED_HOSTS", "").split(","))),
]
# Browser origins besides the served one that may open the live WebSocket or post forms
# (e.g. "https://workbench.example.com" behind a proxy).
CSRF_TRUSTED_ORIGINS = [
    *filter(None, (origin.strip() for origin in os.environ.get("STEPBRIDGE_TRUSTED_ORIGINS", "").split(",")))
]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "channels",
    "workbench.core",  # its AppConfig wires configure_sqlite to every new connection
    "workbench.accounts",
    "workbench.identity",
    "workbench.functions",
    "workbench.events",
    "workbench.stepfunctions",
    "workbench.runtime",
    "workbench.server",
    "workbench.storage",
    "workbench.schemas",
    "workbench.sqs",
    "workbench.sns",
]

MIDDLEWARE = [
    "workbench.awsapi.middleware.S3RequestMiddleware",  # S3 requests, told apart by their signature
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]

ROOT_URLCONF = "workbench.urls"
ASGI_APPLICATION = "workbench.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

_SQLITE_OPTIONS = sqlite_options()
# Django's SQLite backend whose write transactions queue in this process (core/sqlite/base.py).
SQLITE_ENGINE = "workbench.core.sqlite"

# Under ASGI every request runs in a thread of its own (asgiref's ThreadSensitiveContext), so
# CONN_MAX_AGE would leave one open connection behind per request ("persistent connections
# should be disabled in ASGI mode", Django's databases docs). PostgreSQL connections come
# from psycopg's pool instead: a request or task takes one and gives it back when Django
# closes it. SQLite has no pool and keeps CONN_MAX_AGE 0: opening is local (about 5 % of a
# served call in the profile), cheaper than one leaked connection per request.
_PG_POOL_MAX = int(os.environ.get("STEPBRIDGE_DB_POOL_MAX", "16"))

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        DATABASES["default"].update(ENGINE=SQLITE_ENGINE, OPTIONS=_SQLITE_OPTIONS)
    elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"]["OPTIONS"] = postgres_options(_PG_POOL_MAX)
else:
    DATABASES = {
        "default": {
            "ENGINE": SQLITE_ENGINE,
            "NAME": VAR_DIR / "stepbridge.sqlite3",
            "OPTIONS": _SQLITE_OPTIONS,
            # A file, not :memory:, so the served workbench in another process sees test data;
            # one per test process, so concurrent test runs never share it.
            "TEST": {"NAME": str(VAR_DIR / f"test-stepbridge-{os.getpid()}.sqlite3")},
        }
    }
if os.environ.get("STEPBRIDGE_TEST_DB_NAME"):
    # Set by the test harness for the server/worker processes it starts: they must open the
    # test database that pytest-django created, not the development one.
    DATABASES["default"]["NAME"] = os.environ["STEPBRIDGE_TEST_DB_NAME"]

# Threads serving AWS JSON calls (awsapi.fastpath). SQLite takes one writer at a time, so more
# than 4 only queue on its lock; a PostgreSQL call spends most of its time waiting on round
# trips and commits, and 8 threads let the waits overlap (issue 10's bench: the Task workload
# from 45.7 to 61.0 executions/s in distributed mode, and 50/s sustained where 4 fell behind).
# Each keeps one pooled connection, so the pool above is larger than this.
STEPBRIDGE_API_THREADS = int(
    os.environ.get("STEPBRIDGE_API_THREADS", "4" if DATABASES["default"]["ENGINE"] == SQLITE_ENGINE else "8")
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]

CHANNEL_LAYER_URL = os.environ.get("CHANNEL_LAYER_URL", "")
if CHANNEL_LAYER_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [CHANNEL_LAYER_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
if CELERY_BROKER_URL.startswith("memory://"):
    # The memory transport, woken by every put (workbench.server.embedded): a hand-off costs no
    # poll interval; the interval only bounds one wait.
    CELERY_BROKER_TRANSPORT = "workbench.server.embedded:WakingTransport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {"polling_interval": 0.1}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# Every module that defines tasks: a worker registers them all before it takes work.
CELERY_IMPORTS = ["workbench.runtime.tasks", "workbench.runtime.deliveries", "workbench.schemas.tasks"]
# Embedded mode runs a Celery worker thread inside the server process.
STEPBRIDGE_EMBEDDED_WORKER = (
    os.environ.get("STEPBRIDGE_EMBEDDED_WORKER", "1" if CELERY_BROKER_URL.startswith("memory://") else "0")
    == "1"
)
# Embedded mode's deliveries of accepted events are made by a second process beside the server
# (workbench.server.deliverer), so accepting and delivering do not share one interpreter lock;
# STEPBRIDGE_DELIVERY_PROCESS=0 keeps them in the server process.
STEPBRIDGE_DELIVERY_PROCESS = (
    STEPBRIDGE_EMBEDDED_WORKER and os.environ.get("STEPBRIDGE_DELIVERY_PROCESS", "1") == "1"
)
# Processes `manage.py serve` answers HTTP from. Embedded mode keeps one: its Celery worker,
# in-memory broker and SQLite write turns live in that process. Distributed mode keeps its
# state in PostgreSQL and Redis, so each core gets a process and its own interpreter lock
# (issue 10: one API process was the limit of the served rate there).
_ONE_PER_CORE = str(os.cpu_count() or 1)
STEPBRIDGE_SERVE_PROCESSES = int(
    os.environ.get("STEPBRIDGE_SERVE_PROCESSES", "1" if STEPBRIDGE_EMBEDDED_WORKER else _ONE_PER_CORE)
)
# Quick work a committed step leads to (a Task calling a workbench function, queue or topic)
# is made by the process that committed it (runtime.nearby): up to STEPBRIDGE_NEARBY_CALLS of
# it by the API call's own thread, else by a pool of STEPBRIDGE_NEARBY_THREADS threads holding
# at most STEPBRIDGE_NEARBY_BACKLOG jobs, else by a worker. 0 threads and 0 calls: always a worker.
STEPBRIDGE_NEARBY_THREADS = int(os.environ.get("STEPBRIDGE_NEARBY_THREADS", "2"))
STEPBRIDGE_NEARBY_BACKLOG = int(os.environ.get("STEPBRIDGE_NEARBY_BACKLOG", "32"))
STEPBRIDGE_NEARBY_CALLS = int(os.environ.get("STEPBRIDGE_NEARBY_CALLS", "4"))

# Seconds before a failed event delivery is first retried; later waits double (runtime.deliveries).
STEPBRIDGE_RETRY_BASE_SECONDS = float(os.environ.get("STEPBRIDGE_RETRY_BASE_SECONDS", "1"))
STEPBRIDGE_REGION = os.environ.get("STEPBRIDGE_REGION", "us-east-1")
STEPBRIDGE_DEFAULT_ACCOUNT = os.environ.get("STEPBRIDGE_DEFAULT_ACCOUNT", "123456789012")

# Trusted Python functions an operator offers as Lambda stand-ins: name -> dotted path of a
# callable taking (event: JSON, context: dict) and returning JSON. Extended by
# STEPBRIDGE_FUNCTIONS="name=pkg.module:callable,other=..." in the environment.
STEPBRIDGE_FUNCTIONS: dict[str, str] = {
    "echo": "workbench.functions.builtin:echo",
    "flaky": "workbench.functions.builtin:fails_first_attempt",
}
for _pair in filter(None, os.environ.get("STEPBRIDGE_FUNCTIONS", "").split(",")):
    _name, _, _path = _pair.partition("=")
    STEPBRIDGE_FUNCTIONS[_name.strip()] = _path.strip()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("STEPBRIDGE_LOG_LEVEL", "WARNING")},
}
