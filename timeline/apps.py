from django.apps import AppConfig


class TimelineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "timeline"
    verbose_name = "Conflict-events timeline"

    def ready(self) -> None:
        from timeline import search_documents

        search_documents.connect_signals()
