from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data `make run` loads. It drives every other app, so nothing imports it."""

    name = "kentmasa.demo"
    verbose_name = _("Demo")
