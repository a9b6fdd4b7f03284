from django.urls import path

from .views import learn, library, pages, player

urlpatterns = [
    path("", pages.home, name="home"),
    path("routines/", library.routine_list, name="routine_list"),
    path("routines/<slug:slug>/", library.routine_detail, name="routine_detail"),
    path("routines/<slug:slug>/check/", player.safety_check, name="safety_check"),
    path("routines/<slug:slug>/start/", player.start_run, name="start_run"),
    path("runs/<uuid:run_id>/", player.run_detail, name="run_detail"),
    path("runs/<uuid:run_id>/state/", player.run_state, name="run_state"),
    path("runs/<uuid:run_id>/control/", player.run_control, name="run_control"),
    path("runs/<uuid:run_id>/rate/", player.rate_run, name="rate_run"),
    path("learn/", learn.learn_list, name="learn_list"),
    path("learn/<slug:slug>/", learn.learn_detail, name="learn_detail"),
    path("help/", pages.get_help, name="get_help"),
    path("about/", pages.about, name="about"),
]
