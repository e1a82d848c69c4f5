"""Checks the web server runs before it serves anything: refuse to start unsafe."""

from django.core.exceptions import ImproperlyConfigured


def refuse_unsafe_settings() -> None:
    """With DEBUG off, a missing or development SECRET_KEY stops the server starting.

    Sessions, CSRF tokens and password-reset links are signed with SECRET_KEY; on the
    public development key anyone could forge them. Called from wsgi.py and asgi.py, so
    gunicorn (and runserver with DEBUG=0) fail at start-up, not at the first request.
    """
    from django.conf import settings

    if settings.DEBUG:
        return
    key = settings.SECRET_KEY or ""
    if not key or key == settings.DEVELOPMENT_SECRET_KEY or key.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and DEBUG is off: refusing to serve on the public "
            "development key. Set SECRET_KEY (for example to the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`), "
            "or DEBUG=1 for development."
        )
