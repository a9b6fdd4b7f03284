from django.urls import path

from routines.diary import views

urlpatterns = [
    path("diary/", views.diary_list, name="diary"),
    path("diary/log/", views.log_cramp, name="diary_log"),
    path("diary/insights/", views.insights, name="diary_insights"),
    path("diary/history/", views.history, name="diary_history"),
    path("diary/summary/", views.doctor_summary, name="diary_summary"),
    path("diary/export.csv", views.export_csv, name="diary_csv"),
    path("diary/<int:pk>/edit/", views.edit_cramp, name="diary_edit"),
    path("diary/<int:pk>/delete/", views.delete_cramp, name="diary_delete"),
]
