from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Unknot content"
admin.site.site_title = "Unknot admin"
admin.site.index_title = "Routines, Learn pages and safety content"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("routines.urls_accounts")),
    path("", include("routines.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
