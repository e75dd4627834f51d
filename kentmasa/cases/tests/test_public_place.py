"""The public form's point → il, ilçe, mahalle look-up on the real boundaries (SHARED_DIR/data/tr-admin).

Fatma presses "Konumumu kullan" in Seyhan: the form's small map asks /basvuru/adana/konum/ where the point
lies and fills in the address from the answer, with the mahalle's boundary to draw. Bad input is a 400 in
Turkish, a point outside Turkey a 404 saying so, never a 500; look-ups are limited per address.
"""

import pytest
import shapely
from django.urls import reverse

from kentmasa.directory.models import Institution
from kentmasa.places.importer import import_tr_admin
from kentmasa.places.tests.conftest import DEMO_CITIES, remove_all_areas, tr_admin_dir

pytestmark = pytest.mark.django_db

SARIYAKUP = (36.98211, 35.32967)  # the source's own centre point of Sarıyakup Mh., Seyhan


@pytest.fixture(autouse=True)
def public_settings(settings):
    settings.LANGUAGE_CODE = "tr"
    settings.KENTMASA_PUBLIC_LOCATE_RATE = "1000/m"


@pytest.fixture(scope="module")
def areas(django_db_setup, django_db_blocker):
    """Il and ilçe of the five demo cities and Adana's mahalles, committed for this module."""
    with django_db_blocker.unblock():
        remove_all_areas()
        import_tr_admin(tr_admin_dir(), cities=DEMO_CITIES, mahalle_files=["mahalleler-adana.geojson"])
        yield
        remove_all_areas()


@pytest.fixture
def adana_bb(db):
    return Institution.objects.create(
        slug="adana", name="Adana Büyükşehir Belediyesi", kind=Institution.Kind.METROPOLITAN, province="Adana"
    )


def place(client, institution, **params):
    return client.get(reverse("public:place", args=[institution.slug]), params)


def test_a_point_in_seyhan_gives_its_mahalle_ilce_il_and_boundary(client, areas, adana_bb):
    response = place(client, adana_bb, lat=str(SARIYAKUP[0]), lon=str(SARIYAKUP[1]))

    assert response.status_code == 200
    answer = response.json()
    assert (answer["neighbourhood"], answer["district"], answer["province"]) == (
        "Sarıyakup Mahallesi",
        "Seyhan",
        "Adana",
    )
    assert answer["note"] == ""
    boundary = shapely.geometry.shape(answer["boundary"])
    assert boundary.geom_type in ("Polygon", "MultiPolygon")
    assert boundary.buffer(1e-4).contains(shapely.Point(SARIYAKUP[1], SARIYAKUP[0]))
    assert response["Content-Type"] == "application/json"


def test_a_comma_decimal_is_read_too(client, areas, adana_bb):
    answer = place(client, adana_bb, lat="36,98", lon="35,36").json()
    assert (answer["neighbourhood"], answer["district"]) == ("19 Mayıs Mahallesi", "Yüreğir")


def test_a_point_of_another_province_is_filled_with_a_note(client, areas, adana_bb):
    answer = place(client, adana_bb, lat="38.7225", lon="35.4875").json()  # Kayseri's centre

    assert (answer["province"], answer["district"], answer["neighbourhood"]) == ("Kayseri", "Melikgazi", "")
    assert answer["boundary"] is not None  # the ilçe's, no mahalle being loaded there
    assert answer["note"].startswith("Bu nokta Kayseri ilinde, Adana Büyükşehir Belediyesi sınırlarının")


def test_a_point_outside_turkey_says_so(client, areas, adana_bb):
    response = place(client, adana_bb, lat="48.85", lon="2.35")  # Paris

    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "outside": True,
        "message": "Bu nokta bilinen Türkiye illerinin içinde değil. Lütfen iğneyi taşıyın ya da adresi"
        " yazın.",
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"lat": "36.98"},
        {"lat": "kırk", "lon": "35"},
        {"lat": "nan", "lon": "35"},
        {"lat": "inf", "lon": "35"},
        {"lat": "91", "lon": "35"},
        {"lat": "36.9", "lon": "-181"},
        {"lat": "1e400", "lon": "35"},
        {"lat": "3" * 5000, "lon": "35"},
    ],
)
def test_bad_input_is_a_400_in_turkish_never_a_500(client, adana_bb, params):
    response = place(client, adana_bb, **params)

    assert response.status_code == 400
    assert response.json()["message"] == "Konum okunamadı; lütfen yeniden deneyin veya adresi yazın."


def test_a_nul_in_the_query_is_refused_at_the_edge(client, adana_bb):
    assert place(client, adana_bb, lat="36.9\x00", lon="35").status_code == 400


def test_an_unknown_or_external_institution_is_a_404(client, db):
    bedas = Institution.objects.create(slug="bedas", name="BEDAŞ", kind=Institution.Kind.EXTERNAL)
    assert place(client, bedas, lat="36.98", lon="35.33").status_code == 404
    assert client.get("/basvuru/yok-boyle-kurum/konum/?lat=36.98&lon=35.33").status_code == 404


def test_only_get_is_answered(client, adana_bb):
    response = client.post(reverse("public:place", args=[adana_bb.slug]), {"lat": "36.98", "lon": "35.33"})
    assert response.status_code == 405


def test_look_ups_are_limited_per_address(client, areas, adana_bb, settings):
    settings.KENTMASA_PUBLIC_LOCATE_RATE = "3/m"

    answers = [place(client, adana_bb, lat="36.98", lon="35.36").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    refused = place(client, adana_bb, lat="36.98", lon="35.36")
    assert refused["Retry-After"] == "60"
    assert refused.json()["message"] == "Çok fazla sorgu yapıldı. Lütfen bir dakika bekleyip yeniden deneyin."
