from django.urls import path

from timeline.review import views

app_name = "review"

urlpatterns = [
    path("", views.review_queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/revert/", views.revert, name="revert"),
]
