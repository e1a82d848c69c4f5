from django.apps import AppConfig


class TimelineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "timeline"
    verbose_name = "Conflict-events timeline"

    def ready(self) -> None:
        # Connects the SQLite statement deadline to every new connection.
        from timeline import query_deadline  # noqa: F401
