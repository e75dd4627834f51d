from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kentmasa.accounts"
    verbose_name = _("Sign-in and two-factor")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kentmasa.accounts import checks, services

        # Every session that signs in (the log-in view, the admin, a test's force_login) is marked with what
        # it owes: the code step, an enrolment, or nothing (kentmasa.accounts.middleware reads the mark).
        user_logged_in.connect(services.on_logged_in, dispatch_uid="kentmasa.accounts.on_logged_in")
        checks.register()
