"""The benchmarks' URLconf: the project's URLs plus the bare baseline view (a one-line
template through the whole middleware stack), which production does not have."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

# The same page as bench/pages.py's baseline.
BASELINE_TEMPLATE = (
    "<!doctype html><html lang=en><head><title>{{ title }}</title></head>"
    "<body><p>Hello, {{ name }}.</p></body></html>"
)
_template = engines["django"].from_string(BASELINE_TEMPLATE)


def baseline(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_template.render({"title": "Baseline", "name": "bench"}, request))


urlpatterns = [
    path("__bench__/baseline/", baseline),
    path("", include("project.urls")),
]
handler500 = "project.outage.server_error"
