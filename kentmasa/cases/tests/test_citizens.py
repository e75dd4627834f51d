import pytest
from django.core.exceptions import ValidationError

from kentmasa.cases.citizens import STAFF, find_or_create_citizen
from kentmasa.cases.models import Citizen
from kentmasa.cases.validators import clean_phone, clean_tc_kimlik

pytestmark = pytest.mark.django_db


def test_one_person_across_channels(institution):
    # Fatma texts us (her number is proven), then writes from an address nobody proved.
    by_phone = find_or_create_citizen(
        institution, name="Fatma Şahin", phone="+905321234567", proven={"phone"}
    )
    by_mail = find_or_create_citizen(institution, email="Fatma@Example.com")
    assert by_mail != by_phone
    # The desk checks her identity and records her TC kimlik no, phone and e-mail: the phone matches, the
    # rest is filled in and now proven.
    same = find_or_create_citizen(
        institution,
        name="Fatma Şahin",
        phone="+905321234567",
        tc_kimlik="10000000146",
        email="fatma@example.com",
        proven=STAFF,
    )
    assert same == by_phone
    same.refresh_from_db()
    assert (same.tc_kimlik, same.email) == ("10000000146", "fatma@example.com")
    assert (same.tc_kimlik_verified, same.phone_verified, same.email_verified) == (True, True, True)
    assert find_or_create_citizen(institution, tc_kimlik="10000000146", proven=STAFF) == by_phone
    # A typed TC kimlik no finds nobody: it makes a record of its own.
    assert find_or_create_citizen(institution, tc_kimlik="10000000146") != by_phone
    assert Citizen.objects.count() == 3


def test_a_different_tc_on_a_shared_phone_is_another_person(institution):
    mother = find_or_create_citizen(
        institution, name="Hatice Kaya", phone="+905321234567", tc_kimlik="10000000146", proven=STAFF
    )
    son = find_or_create_citizen(
        institution, name="Emre Kaya", phone="+905321234567", tc_kimlik="10000000078", proven=STAFF
    )
    assert mother != son


def test_nothing_to_identify_is_anonymous(institution):
    assert find_or_create_citizen(institution) is None
    assert Citizen.objects.count() == 0


def test_validators_in_turkish():
    assert clean_tc_kimlik("100 000 001 46") == "10000000146"
    with pytest.raises(ValidationError) as error:
        clean_tc_kimlik("10000000147")
    assert error.value.code == "tc_kimlik_checksum"
    assert "geçerli değil" in error.value.messages[0]
    with pytest.raises(ValidationError):
        clean_tc_kimlik("1234")
    assert clean_phone("0532 123 45 67") == "+905321234567"
    assert clean_phone("(0212) 440 11 90") == "+902124401190"
    with pytest.raises(ValidationError):
        clean_phone("0532 12")
