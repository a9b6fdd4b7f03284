from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

# A lost database connection met outside a view is a 503 too (project/outage.py).
handler500 = "project.outage.server_error"

admin.site.site_header = "Unknot content"
admin.site.site_title = "Unknot admin"
admin.site.index_title = "Routines, Learn pages and safety content"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin).
    path(
        "favicon.ico",
        # lazy: the hashed name is looked up on the first request, not at import.
        RedirectView.as_view(url=lazy(static_url, str)("img/icon.svg"), permanent=True),
        name="favicon",
    ),
    path("accounts/", include("routines.accounts.urls")),
    path("", include("routines.home.urls")),
    path("", include("routines.content.urls")),
    path("", include("routines.player.urls")),
    path("", include("routines.reminders.urls")),
    path("", include("routines.diary.urls")),
    path("", include("routines.privacy.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
