"""The analysis of the mahalles: the measures the map colours them by, the mahalle page and its export.

The cases are those of the old_town fixture (conftest): Sarıyakup 3 (2 open, 1 overdue, 1 answered in 2
days; 2 000 residents), Türkocağı 2 (both open, 1 overdue; 500 residents), Ulucamii 1 (open),
Bahçelievler in Seyhan 1 (overdue) and Bahçelievler in Yüreğir 1 (answered in 7 days), one case nowhere.
"""

import datetime as dt
import io
import json

import openpyxl
import pytest
import shapely
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kentmasa.cases import services
from kentmasa.cases.models import Channel
from kentmasa.directory.models import User
from kentmasa.places.models import Area
from kentmasa.reports import neighbourhoods
from kentmasa.reports.tests.conftest import SARIYAKUP, TURKOCAGI, ULUCAMII, nudge, place

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


def test_classes_are_quantiles_and_the_legend_says_so(client, administrator, old_town):
    client.force_login(administrator)

    data = layer(client, "count")

    # Counts 1, 1, 1, 2, 3 in five quantiles: breaks at 1 and 2, so three classes.
    classes = {name: props["class"] for (_, name), props in by_name(data).items()}
    assert classes["Sarıyakup Mahallesi"] == 2 and classes["Türkocağı Mahallesi"] == 1
    assert classes["Ulucamii Mahallesi"] == 0
    assert [(entry["class"], entry["label"]) for entry in data["legend"]] == [
        (0, "up to 1"),
        (1, "1 – 2"),
        (2, "over 2"),
        (None, "no data"),
    ]
    colours = {props["class"]: props["colour"] for props in by_name(data).values()}
    assert colours == {
        0: neighbourhoods.COLOURS[0],
        1: neighbourhoods.COLOURS[2],
        2: neighbourhoods.COLOURS[4],
    }


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


@pytest.mark.parametrize(
    ("values", "breaks"),
    [
        ([], []),
        ([5.0], []),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 4, 6, 8]),
        ([0, 0, 0, 0, 9], [0]),
        ([1, 1, 1, 2, 3], [1, 2]),
    ],
)
def test_quantile_breaks(values, breaks):
    assert neighbourhoods.quantile_breaks(values) == breaks


def test_percentiles_interpolate_between_ranks():
    assert neighbourhoods.percentile([], 0.5) is None
    assert neighbourhoods.percentile([4.0], 0.9) == 4.0
    assert neighbourhoods.percentile([1, 2, 4, 10], 0.5) == 3.0
    assert neighbourhoods.percentile([1, 2, 4, 10], 0.9) == pytest.approx(8.2)


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
    assert last[:9] == (
        f"{number[:2]}-{number[2:-1]}-{number[-1]}",
        dt.datetime(2026, 3, 30),
        "SMS ile çukur",
        "Yol çökmesi / çukur",
        "Fen İşleri Müdürlüğü",
        "SMS",
        "Alındı",
        dt.datetime(2026, 4, 20),
        None,
    )
    assert last[9:12] == (None, None, "Evet")
    assert last[13:] == (pytest.approx(SARIYAKUP[0] - 60 / 111_320, abs=1e-6), pytest.approx(SARIYAKUP[1]))
    answered = next(row for row in rows if row[2] == "Köşede çukur (10)")
    assert answered[8:12] == (dt.datetime(2026, 3, 28), 10.0, "Evet", "Hayır")
    # Dates are date cells shown the Turkish way.
    assert sheet["B2"].number_format == "dd.mm.yyyy"
    summary = {row[0]: row[1] for row in book["Özet"].iter_rows(values_only=True)}
    assert summary["Mahalle"] == "Sarıyakup Mahallesi" and summary["İlçe"] == "Seyhan"
    assert summary["Başvuru"] == 7 and summary["Ortanca Çözüm Süresi (gün)"] == 4.0
    weeks = list(book["Haftalar"].iter_rows(values_only=True))
    assert weeks[0] == ("Hafta Başı", "Hafta Sonu", "Başvuru")
    assert (dt.datetime(2026, 3, 16), dt.datetime(2026, 3, 22), 6) in weeks


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
