from django.urls import path

from routines.player import views

urlpatterns = [
    path("routines/<slug:slug>/check/", views.safety_check, name="safety_check"),
    path("routines/<slug:slug>/start/", views.start_run, name="start_run"),
    path("runs/offline/", views.upload_offline_run, name="upload_offline_run"),
    path("runs/<uuid:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<uuid:run_id>/end/", views.end_run, name="run_end"),
    path("runs/<uuid:run_id>/state/", views.run_state, name="run_state"),
    path("runs/<uuid:run_id>/control/", views.run_control, name="run_control"),
    path("runs/<uuid:run_id>/rate/", views.rate_run, name="rate_run"),
]
