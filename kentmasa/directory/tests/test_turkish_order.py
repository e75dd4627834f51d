"""Names in Turkish alphabetical order wherever they are listed: Ç after C, Ğ after G, I before İ, ı before i,
Ö after O, Ş after S, Ü after U. In SQL on both databases (PostgreSQL's ICU collation, the collation SQLite
registers on each connection) and in Python, all three giving the same order."""

import re
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from kentmasa.cases.forms import QueueFilterForm, find_staff
from kentmasa.cases.public_forms import CaseForm
from kentmasa.directory.models import Category, Institution, Team, Unit, User
from kentmasa.lib import turkish
from kentmasa.places.models import Area

NAMES = ["Şahin", "Sarı", "Çelik", "Cem", "İnce", "Işık", "Ilgaz", "Zeki", "Öz", "Ozan", "Ümit", "Uçar"]
IN_TURKISH_ORDER = [
    "Cem",
    "Çelik",
    "Ilgaz",
    "Işık",
    "İnce",
    "Ozan",
    "Öz",
    "Sarı",
    "Şahin",
    "Uçar",
    "Ümit",
    "Zeki",
]
# What a code-point sort gives instead: Ç, İ, Ö, Ş, Ü all after Z.
CODE_POINT_ORDER = sorted(NAMES)


def test_python_sorts_the_turkish_alphabet():
    assert CODE_POINT_ORDER != IN_TURKISH_ORDER
    assert sorted(NAMES, key=turkish.sort_key) == IN_TURKISH_ORDER
    assert sorted(["ilk", "ılık", "ığdır", "gül", "ağaç", "acı"], key=turkish.sort_key) == [
        "acı",
        "ağaç",
        "gül",
        "ığdır",
        "ılık",
        "ilk",
    ]
    # Case and accents only break ties between the same letters.
    assert sorted(["İLK", "ilk", "Ilık", "îlk"], key=turkish.sort_key) == ["Ilık", "ilk", "İLK", "îlk"]
    assert turkish.compare("Çelik", "Cem") == 1 and turkish.compare("Cem", "Çelik") == -1
    assert turkish.compare("Öz", "Öz") == 0


@pytest.mark.django_db
def test_the_database_sorts_like_python(institution):
    """The same names through SQL come back in the Python key's order, punctuation and case included."""
    names = [
        *NAMES,
        "Ali Veli",
        "Alican",
        "Ali-Can",
        "ali",
        "ALİ",
        "Âli",
        "10. Yıl",
        "2. Yol",
        "Ğ Blok",
        "G Blok",
        "ılık",
        "Ilık",
    ]
    for name in names:
        Category.objects.create(institution=institution, name=name)

    from_sql = list(Category.objects.filter(institution=institution).values_list("name", flat=True))

    assert from_sql == sorted(names, key=turkish.sort_key), connection.vendor


@pytest.mark.django_db
def test_institutions_units_teams_categories_and_staff_come_back_in_turkish_order(institution, make_user):
    for i, name in enumerate(NAMES):
        Institution.objects.create(
            slug=f"kurum-{i}", name=f"{name} Belediyesi", kind=Institution.Kind.DISTRICT
        )
        unit = Unit.objects.create(institution=institution, name=f"{name} Müdürlüğü")
        Team.objects.create(unit=unit, name=f"{name} Ekibi")
        Category.objects.create(institution=institution, name=name)
        user = make_user(User.Role.UNIT_STAFF, f"personel{i}", units=[unit])
        User.objects.filter(pk=user.pk).update(first_name=name, last_name="Yılmaz")

    def firsts(values):
        return [value.split()[0] for value in values if value.split()[0] in NAMES]

    assert firsts(Institution.objects.values_list("name", flat=True)) == IN_TURKISH_ORDER
    assert firsts(Unit.objects.values_list("name", flat=True)) == IN_TURKISH_ORDER
    assert firsts(Team.objects.values_list("name", flat=True)) == IN_TURKISH_ORDER
    assert list(Category.objects.values_list("name", flat=True)) == IN_TURKISH_ORDER
    assert firsts(User.objects.values_list("first_name", flat=True)) == IN_TURKISH_ORDER
    # Staff found by a search keep the order too ("yilmaz" finds every Yılmaz).
    assert [u.first_name for u in find_staff(institution, "yilmaz")] == IN_TURKISH_ORDER


def offered(field: Any) -> list[str]:
    """The labels a choice field offers, its empty choice left out."""
    return [label for value, label in field.choices if value]


@pytest.mark.django_db
def test_form_choice_lists_are_in_turkish_order(institution, road_manager):
    for name in NAMES:
        Category.objects.create(institution=institution, name=name)
        Unit.objects.create(institution=institution, name=name)
    road_manager.role = User.Role.OPERATOR  # sees every unit of the institution in the queue filter
    road_manager.save()

    public = offered(CaseForm(institution=institution).fields["category"])
    queue = QueueFilterForm(user=road_manager)
    units = offered(queue.fields["unit"])
    categories = offered(queue.fields["category"])

    assert public == IN_TURKISH_ORDER
    assert [name for name in units if name in NAMES] == IN_TURKISH_ORDER
    assert categories == IN_TURKISH_ORDER


@pytest.mark.django_db
def test_admin_lists_are_in_turkish_order(admin_client, institution):
    for i, name in enumerate(NAMES):
        Category.objects.create(institution=institution, name=name)
        Area.objects.create(
            kind=Area.Kind.NEIGHBOURHOOD,
            name=f"{name} Mah.",
            display_name=name,
            name_key=turkish.fold(name),
            code=str(i),
            province_code="01",
            geometry="{}",
            min_lon=35.0,
            min_lat=37.0,
            max_lon=35.1,
            max_lat=37.1,
            centroid_lat=37.05,
            centroid_lon=35.05,
        )

    categories = admin_client.get(reverse("admin:directory_category_changelist")).text
    mahalles = admin_client.get(reverse("admin:places_area_changelist")).text

    def listed(page):
        return [name for name in re.findall(r'<th class="field-[a-z_]+"><a href="[^"]+">([^<]+)</a>', page)]

    assert listed(categories) == IN_TURKISH_ORDER
    assert listed(mahalles) == IN_TURKISH_ORDER
