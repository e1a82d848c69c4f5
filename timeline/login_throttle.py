"""A small limiter on the admin's sign-in: too many wrong passwords lock the user name.

After ``LOGIN_FAILURE_LIMIT`` failed sign-ins for one user name within
``LOGIN_FAILURE_WINDOW`` seconds, every sign-in for that name, right password or not, is
refused with a 429 and ``Retry-After`` for ``LOGIN_LOCKOUT_SECONDS``. A successful
sign-in clears the count. The count is per user name (not per address), so guessing from
many addresses gains nothing; the price is that someone can keep an editor locked out by
failing on purpose; an operator lifts a lock by deleting the row (admin: Login failures).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from timeline.models import LoginFailures


def _name(username: str | None) -> str:
    return (username or "").strip().lower()[:150]


def seconds_locked(username: str | None) -> int:
    """How long sign-ins for `username` stay refused (0: not locked)."""
    row = LoginFailures.objects.filter(username=_name(username)).first()
    if row is None or row.locked_until is None:
        return 0
    left = (row.locked_until - timezone.now()).total_seconds()
    return max(0, int(left + 0.999))


@receiver(user_login_failed)
def count_failure(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    name = _name(credentials.get("username"))
    if not name:
        return
    now = timezone.now()
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    row, created = LoginFailures.objects.get_or_create(
        username=name, defaults={"count": 1, "first_failed": now}
    )
    if not created:
        if row.first_failed < now - window and not seconds_locked(name):
            LoginFailures.objects.filter(pk=row.pk).update(
                count=1, first_failed=now, locked_until=None
            )
        else:
            LoginFailures.objects.filter(pk=row.pk).update(count=F("count") + 1)
        row.refresh_from_db()
    if row.count >= settings.LOGIN_FAILURE_LIMIT and not row.locked_until:
        lockout = timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
        LoginFailures.objects.filter(pk=row.pk).update(locked_until=now + lockout)


@receiver(user_logged_in)
def clear_failures(sender, request, user, **kwargs):
    LoginFailures.objects.filter(username=_name(user.get_username())).delete()


class LoginThrottleMiddleware:
    """Refuses a sign-in to the admin while its user name is locked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path == reverse("admin:login"):
            seconds = seconds_locked(request.POST.get("username"))
            if seconds:
                minutes = max(1, round(seconds / 60))
                response = HttpResponse(
                    "Too many failed sign-ins for this user name. Try again in about "
                    f"{minutes} minute{'s' if minutes != 1 else ''}.\n",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(seconds)
                return response
        return self.get_response(request)
