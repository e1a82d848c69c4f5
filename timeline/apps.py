from django.apps import AppConfig


class TimelineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "timeline"
    verbose_name = "Conflict-events timeline"

    def ready(self) -> None:
        # Receivers that keep Event.outlet_count and stamp history rows with their change.
        from timeline import corroboration, history_fields  # noqa: F401
