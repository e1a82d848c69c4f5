"""gunicorn settings for `make serve` (and production: `gunicorn -c config/gunicorn.conf.py`).

Workers: WEB_CONCURRENCY, or two per CPU plus one (gunicorn's advice for sync workers,
whose requests mostly wait on the database). Each worker keeps its own small psycopg
pool (settings.DATABASE_POOL_*), so the database sees at most workers x pool size
connections per app server.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request that needs longer than this is a bug to fix, not to wait for.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so that no slow leak can grow without bound.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
wsgi_app = "config.wsgi:application"
