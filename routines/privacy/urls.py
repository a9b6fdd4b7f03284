from django.urls import path

from routines.privacy import views

urlpatterns = [
    path("accounts/data/", views.your_data, name="your_data"),
    path("accounts/data/download/", views.download_data, name="data_download"),
    path("accounts/delete/", views.delete_account, name="account_delete"),
]
