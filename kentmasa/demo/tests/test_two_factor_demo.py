"""The demo's administrators have an authenticator with the published demo key: a new user signs in with
the demo password and the code `manage.py demo_code` prints (or their app shows)."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from kentmasa.accounts.tests.helpers import code_for_secret, code_step, from_address, password_step
from kentmasa.demo import two_factor
from kentmasa.directory.models import User


@pytest.fixture(autouse=True)
def _required(settings):
    settings.KENTMASA_2FA_REQUIRED = True


def test_demo_administrators_sign_in_with_the_demo_code(make_user, operator):
    administrator = make_user(User.Role.ADMINISTRATOR, "yonetici")
    assert two_factor.set_up() == ["yonetici"]
    assert two_factor.set_up() == ["yonetici"]  # every load: nothing new

    out = io.StringIO()
    call_command("demo_code", stdout=out)
    printed = re.match(r"(\d{6}) ", out.getvalue()).group(1)
    assert printed == code_for_secret(two_factor.secret_in_groups())

    client = from_address("198.51.100.50")
    assert password_step(client, "yonetici")["Location"] == "/hesap/giris-kodu/"
    assert code_step(client, printed).status_code == 302
    assert client.get("/hesap/").status_code == 200 and client.session["_auth_user_id"] == str(
        administrator.pk
    )
    # Other roles are not given one.
    assert not operator.totpdevice_set.exists()


def test_the_demo_code_is_refused_in_production(settings):
    settings.KENTMASA_PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo_code")
