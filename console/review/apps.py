from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Beoordeling"

    def ready(self):
        from review import inbox  # noqa: F401 - keeps InboxMessage.annotated in step with annotations
