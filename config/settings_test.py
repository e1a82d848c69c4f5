"""Settings for the test suite: production settings with test-friendly storage and transport."""

import os

from config.settings import *  # noqa: F403
from config.settings import STORAGES

# The manifest storage needs collectstatic and makes live_server 404 on static files.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Several test runs may share one PostgreSQL server (developers, CI): one database each.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_timeline_{os.getpid()}"}  # noqa: F405

# Tests run inside transactions on the primary, which a replica cannot see: reads stay on
# the primary unless a test turns replicas on (test_replicas.py, with committed data).
READ_REPLICAS_ENABLED = False
# pytest-django switches database names under the connections; no pool to keep in step.
for _database in DATABASES.values():  # noqa: F405
    _database.get("OPTIONS", {}).pop("pool", None)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Time limits are tested where they are the subject (test_query_deadline.py sets them);
# elsewhere a slow, shared machine must not turn a slow test into a 503.
PUBLIC_QUERY_TIMEOUT = 0
PUBLIC_REQUEST_TIMEOUT = 0
# A rolled-back test transaction brings its data version's token back, so a response
# cached by one test could be served to the next: the tests of the response cache turn it
# on (and clear the cache) themselves.
RESPONSE_CACHE_SECONDS = 0
