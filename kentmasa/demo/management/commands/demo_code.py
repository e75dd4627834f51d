"""Print the demo's current two-factor code (the code an authenticator app with the demo key shows now).

It computes the code from the published demo key only (kentmasa.demo.two_factor), never from a user's
device, so it cannot reveal anyone's real key; it refuses in production all the same.
"""

import base64
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from kentmasa.demo import two_factor


class Command(BaseCommand):
    help = "Print the demo administrators' current two-factor code (from the published demo key)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.KENTMASA_PRODUCTION:
            raise CommandError("The demo's two-factor code does not exist in production.")
        totp = TOTP(base64.b32decode(two_factor.DEMO_SECRET), step=30, t0=0, digits=6)
        now = time.time()
        totp.time = now
        left = 30 - int(now) % 30
        self.stdout.write(f"{totp.token():06d}  ({left} s; sonra: manage.py demo_code)")
