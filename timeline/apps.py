from django.apps import AppConfig


class TimelineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "timeline"
    verbose_name = "Conflict-events timeline"

    def ready(self) -> None:
        # Connect their signal receivers: the SQLite statement deadline on every new
        # connection, and the admin sign-in throttle's count of failures.
        from timeline import login_throttle, query_deadline  # noqa: F401
