from django.urls import path

from routines.content.views import learn, library, pages

urlpatterns = [
    path("routines/", library.routine_list, name="routine_list"),
    path("routines/<slug:slug>/", library.routine_detail, name="routine_detail"),
    path("learn/", learn.learn_list, name="learn_list"),
    path("learn/<slug:slug>/", learn.learn_detail, name="learn_detail"),
    path("help/", pages.get_help, name="get_help"),
    path("about/", pages.about, name="about"),
]
