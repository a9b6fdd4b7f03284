from django.urls import path

from .views import hydration, push

urlpatterns = [
    path("sw.js", push.service_worker, name="service_worker"),
    path("push/subscribe/", push.subscribe, name="push_subscribe"),
    path("push/devices/", push.devices, name="push_devices"),
    path("push/devices/<int:pk>/remove/", push.remove_device, name="push_device_remove"),
    path("push/test/", push.send_test, name="push_test"),
    path("hydration/", hydration.hydration_log, name="hydration"),
    path("hydration/add/", hydration.add_glass, name="hydration_add"),
    path("hydration/undo/", hydration.undo_glass, name="hydration_undo"),
    path("hydration/settings/", hydration.hydration_settings, name="hydration_settings"),
    # The "Drank a glass" action of a hydration notification (a signed one-occurrence token).
    path("hydration/drank/<str:token>/", hydration.drank, name="hydration_drank"),
]
