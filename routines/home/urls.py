from django.urls import path

from routines.home import views

urlpatterns = [
    path("", views.home, name="home"),
]
