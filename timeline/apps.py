from django.apps import AppConfig


class TimelineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "timeline"
    verbose_name = "Conflict-events timeline"

    def ready(self) -> None:
        # Connect their signal receivers: the SQLite statement deadline on every new
        # connection, the admin sign-in throttle's count of failures, Event.outlet_count
        # and the history rows' change stamps.
        from timeline import (  # noqa: F401
            corroboration,
            history_fields,
            login_throttle,
            query_deadline,
            search_documents,
        )

        search_documents.connect_signals()
