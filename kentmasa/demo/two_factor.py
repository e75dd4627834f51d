"""The demo's administrators sign in with two-factor too, as in a real installation, with one fixed and
published authenticator key (README, "Demo"): add it to any authenticator app, or ask
``manage.py demo_code`` for the current code. The key exists only in the demo data; the demo is never loaded
in production (load_demo refuses), and a real enrolment makes a random key of its own.
"""

import base64

from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from kentmasa.directory.models import User

# 20 bytes in base32, readable on purpose: it is public.
DEMO_SECRET = "KENTMASADEMOTOTPKENTMASADEMOTOTP"  # noqa: S105 (published in the README)
DEMO_KEY_HEX = base64.b32decode(DEMO_SECRET).hex()


def secret_in_groups() -> str:
    return " ".join(DEMO_SECRET[i : i + 4] for i in range(0, len(DEMO_SECRET), 4))


def administrators() -> list[User]:
    """The demo's logins that must use two-factor sign-in whatever the institutions choose."""
    people = User.objects.filter(Q(is_superuser=True) | Q(is_staff=True) | Q(role=User.Role.ADMINISTRATOR))
    return [user for user in people.filter(is_active=True).order_by("username") if user.has_usable_password()]


def set_up() -> list[str]:
    """Give each demo administrator without an authenticator one with the demo key (every load: a reset
    one gets it back). Returns their user names."""
    names = []
    for user in administrators():
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(user=user, name="demo", key=DEMO_KEY_HEX, confirmed=True)
        names.append(user.username)
    return names
