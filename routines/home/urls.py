from django.urls import path

from routines.home import views, views_install

urlpatterns = [
    path("", views.home, name="home"),
    path("manifest.webmanifest", views_install.manifest, name="manifest"),
    path("sw.js", views_install.service_worker, name="service_worker"),
    path("offline/", views_install.offline_page, name="offline"),
    path("offline/run/", views_install.offline_run, name="offline_run"),
]
