"""Where a point lies, on the real boundaries of Adana (and the ilçe of four more cities)."""

import math

import pytest
import shapely

from kentmasa.places import geocode
from kentmasa.places.geocode import AreaIndex, Location, code_order, locate, locate_many, match_address
from kentmasa.places.models import Area
from kentmasa.places.tests.conftest import remove_all_areas

pytestmark = pytest.mark.django_db

SARIYAKUP = (36.98211, 35.32967)  # the source's own centre point of Sarıyakup Mh., Seyhan


def area(display_name: str, parent: str) -> Area:
    return Area.objects.get(display_name=display_name, parent__display_name=parent)


def test_a_point_in_a_mahalle_gives_the_mahalle_its_ilce_and_il(adana):
    sariyakup = area("Sarıyakup Mahallesi", "Seyhan")

    assert locate(*SARIYAKUP) == Location(
        province="Adana",
        district="Seyhan",
        neighbourhood="Sarıyakup Mahallesi",
        province_id=sariyakup.parent.parent_id,
        district_id=sariyakup.parent_id,
        neighbourhood_id=sariyakup.pk,
    )


@pytest.mark.parametrize(
    ("lat", "lon", "neighbourhood", "district"),
    [
        (37.0, 35.3213, "Kurtuluş Mahallesi", "Seyhan"),
        (36.9914, 35.3308, "Reşatbey Mahallesi", "Seyhan"),
        (36.98, 35.36, "19 Mayıs Mahallesi", "Yüreğir"),
        (37.05, 35.29, "Güzelyalı Mahallesi", "Çukurova"),
    ],
)
def test_points_across_the_city_fall_in_their_mahalles(adana, lat, lon, neighbourhood, district):
    located = locate(lat, lon)
    assert (located.neighbourhood, located.district, located.province) == (neighbourhood, district, "Adana")


def test_where_no_mahalles_are_loaded_the_ilce_and_il_are_still_given(adana):
    # Kayseri's centre: its ilçe are loaded, its mahalles are not.
    located = locate(38.7225, 35.4875)
    assert (located.province, located.district, located.neighbourhood) == ("Kayseri", "Melikgazi", "")
    assert located.neighbourhood_id is None


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (35.0, 33.0),  # Cyprus
        (48.85, 2.35),  # Paris
        (36.5, 35.0),  # the Mediterranean off Karataş
        (39.93, 32.85),  # Ankara: in Turkey, but no boundary of it is loaded
        (0.0, 0.0),
    ],
)
def test_points_outside_every_loaded_area_are_nowhere(adana, lat, lon):
    assert locate(lat, lon) is None


@pytest.mark.parametrize(
    ("lat", "lon"), [(math.nan, 35.3), (36.9, math.inf), (91, 35.3), (36.9, 181), (None, 1)]
)
def test_impossible_coordinates_are_nowhere(adana, lat, lon):
    assert locate(lat, lon) is None


def _shared_vertex() -> tuple[tuple[float, float], list[Area]]:
    """A corner of Sarıyakup's boundary that exactly one other mahalle shares (not a three-way corner)."""
    mahalles = list(Area.objects.neighbourhoods().filter(province_code="01"))
    shapes = {mahalle.pk: shapely.from_geojson(mahalle.geometry) for mahalle in mahalles}
    sariyakup = area("Sarıyakup Mahallesi", "Seyhan")
    own = set(map(tuple, shapely.get_coordinates(shapes[sariyakup.pk])))
    for other in mahalles:
        if other.pk == sariyakup.pk or not shapes[other.pk].intersects(shapes[sariyakup.pk]):
            continue
        for lon, lat in sorted(own & set(map(tuple, shapely.get_coordinates(shapes[other.pk])))):
            point = shapely.Point(lon, lat)
            covering = [mahalle for mahalle in mahalles if shapes[mahalle.pk].covers(point)]
            if len(covering) == 2:
                return (lat, lon), covering
    raise AssertionError("Sarıyakup shares no corner with a neighbour")


def test_a_point_on_a_shared_border_belongs_to_the_lower_code(adana):
    (lat, lon), both = _shared_vertex()
    lower = min(both, key=lambda mahalle: code_order(mahalle.code))

    assert locate(lat, lon).neighbourhood_id == lower.pk


def test_the_border_answer_does_not_depend_on_the_order_areas_were_loaded(adana):
    (lat, lon), _ = _shared_vertex()
    rows = list(Area.objects.values_list("pk", "kind", "code", "display_name", "parent_id", "geometry"))

    forwards, backwards = AreaIndex(rows), AreaIndex(reversed(rows))

    assert forwards.locate(lat, lon) == backwards.locate(lat, lon) == locate(lat, lon)


def test_many_points_at_once_give_the_same_answers_as_one_by_one(adana):
    points = [
        SARIYAKUP,
        (37.0, 35.3213),
        (38.7225, 35.4875),
        (35.0, 33.0),
        _shared_vertex()[0],
        (36.98, 35.36),
    ]
    assert locate_many(points) == [locate(lat, lon) for lat, lon in points]
    assert locate_many([]) == []


def test_the_index_is_built_once_and_reused(adana, django_assert_max_num_queries):
    locate(*SARIYAKUP)
    index = geocode.get_index()
    # Inside a transaction each look-up re-reads the one-row version; the boundaries are not read again.
    with django_assert_max_num_queries(10):
        for _ in range(10):
            locate(*SARIYAKUP)
    assert geocode.get_index() is index


def test_an_area_edited_elsewhere_is_seen_by_the_next_look_up(adana):
    assert locate(*SARIYAKUP).neighbourhood == "Sarıyakup Mahallesi"
    sariyakup = area("Sarıyakup Mahallesi", "Seyhan")
    # An update() sends no signal, as an edit in another process sends none to this one: the version shows it.
    Area.objects.filter(pk=sariyakup.pk).update(
        display_name="Sarı Yakup Mahallesi", updated_at=sariyakup.updated_at.replace(year=2099)
    )
    assert locate(*SARIYAKUP).neighbourhood == "Sarı Yakup Mahallesi"


def test_a_deleted_mahalle_leaves_its_ilce(adana):
    sariyakup = area("Sarıyakup Mahallesi", "Seyhan")
    sariyakup.delete()
    located = locate(*SARIYAKUP)
    assert (located.neighbourhood, located.district, located.province) == ("", "Seyhan", "Adana")


def test_without_areas_nothing_is_located(adana):
    assert locate(*SARIYAKUP) is not None
    remove_all_areas()
    assert locate(*SARIYAKUP) is None


# -- typed addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Sarıyakup Mah. Atatürk Cad. No:5 Seyhan/Adana",
        "sariyakup mh ataturk cd no 5 seyhan adana",
        "SARIYAKUP MAHALLESİ 5. SOKAK NO:3 D:2 SEYHAN",
        "Sarıyakup Mh. No:5",  # no ilçe or il: the name is unique in the loaded data
        "Adana Seyhan Sarıyakup Mah. 5. Sk. No:5",  # il and ilçe run into the mahalle's name
    ],
)
def test_a_typed_address_finds_its_mahalle(adana, text):
    address, found = match_address(text)
    assert found == area("Sarıyakup Mahallesi", "Seyhan")
    assert (address.neighbourhood, address.district, address.province) == (
        "Sarıyakup Mahallesi",
        "Seyhan",
        "Adana",
    )


def test_a_mahalle_name_used_in_two_ilce_needs_the_ilce(adana):
    assert match_address("Atatürk Mah. İnönü Cad. No:3", province="Adana")[1] is None
    assert match_address("Atatürk Mah. İnönü Cad. No:3 Ceyhan/Adana")[1] == area(
        "Atatürk Mahallesi", "Ceyhan"
    )
    assert match_address("ataturk mh no 3 yuregir")[1] == area("Atatürk Mahallesi", "Yüreğir")


def test_the_province_may_be_given_by_the_institution(adana):
    adana_il = Area.objects.get(kind=Area.Kind.PROVINCE, display_name="Adana")
    assert match_address("Sarıyakup Mah. No:5", province=adana_il)[1] == area("Sarıyakup Mahallesi", "Seyhan")
    assert match_address("Sarıyakup Mah. No:5", province="Adana")[1] is not None
    assert match_address("Sarıyakup Mah. No:5", province="Kayseri")[1] is None


def test_a_mahalle_outside_the_ilce_or_il_named_is_not_it(adana):
    assert match_address("Sarıyakup Mah. No:5 Yüreğir/Adana")[1] is None
    assert match_address("Sarıyakup Mah. No:5 Melikgazi/Kayseri")[1] is None
    assert match_address("Sarıyakup Mah. No:5 Konya")[1] is None  # an il without boundaries here


def test_an_unknown_mahalle_or_no_mahalle_matches_nothing(adana):
    address, found = match_address("Olmayan Mah. Gül Sk. No:1 Seyhan/Adana")
    assert found is None
    assert address.neighbourhood == "Olmayan Mahallesi"  # what was typed is kept
    assert match_address("Gazipaşa Bulv. No:4 Seyhan/Adana")[1] is None


# -- cases -----------------------------------------------------------------------------------------


def test_a_case_with_only_a_point_gets_its_mahalle_ilce_and_il(adana, make_case):
    case = make_case(location={"latitude": SARIYAKUP[0], "longitude": SARIYAKUP[1]})
    case.refresh_from_db()
    assert (case.neighbourhood, case.district, case.province) == ("Sarıyakup Mahallesi", "Seyhan", "Adana")


def test_a_case_keeps_what_the_citizen_said_and_gets_only_the_missing_parts(adana, make_case):
    case = make_case(location={"latitude": SARIYAKUP[0], "longitude": SARIYAKUP[1], "district": "SEYHAN"})
    assert (case.neighbourhood, case.district, case.province) == ("Sarıyakup Mahallesi", "SEYHAN", "Adana")


def test_a_point_that_contradicts_the_given_place_fills_nothing(adana, make_case):
    case = make_case(location={"latitude": SARIYAKUP[0], "longitude": SARIYAKUP[1], "district": "Yüreğir"})
    assert (case.neighbourhood, case.district, case.province) == ("", "Yüreğir", "")
