import os

# Playwright's sync API runs an event loop in the test thread beside live_server.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
