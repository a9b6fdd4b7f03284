from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The home page, which brings the other apps together, and the site-wide error views."""

    name = "routines.home"
    label = "home"
    verbose_name = "Home"
