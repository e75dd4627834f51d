"""The task map's clusters: Seyhan's old town at two zooms, counted by the database on SQLite and PostgreSQL.

Where the cells fall (cell = 360° / 2^zoom / 4): at zoom 16 (0.00137°) Sarıyakup, Türkocağı and Ulucamii
each have a cell of their own; at zoom 14 (0.00549°) a cell border runs at 35.3320° E, with Sarıyakup west
of it and Türkocağı and Ulucamii together east of it.
"""

import statistics

import pytest

from kentmasa.cases import services
from kentmasa.cases.models import Channel, Status
from kentmasa.directory.models import User
from kentmasa.reports import maps
from kentmasa.reports.tests.conftest import (
    SARIYAKUP,
    TURKOCAGI,
    ULUCAMII,
    nudge,
    place,
)

POINTS = "/raporlar/harita/noktalar"
OLD_TOWN = "35.325,36.978,35.337,36.988"  # west, south, east, north: the three old-town mahalles only
ALL_ADANA = "34.6,36.5,36.5,38.5"


def centre(*points):
    return pytest.approx(statistics.fmean(p[0] for p in points), abs=1e-6), pytest.approx(
        statistics.fmean(p[1] for p in points), abs=1e-6
    )


def summary(data: dict) -> tuple:
    clusters = sorted((c["count"], c["overdue"]) for c in data["clusters"])
    points = sorted(p["subject"] for p in data["points"])
    return clusters, points, data["total"], data["overdue"]


def get_points(client, bbox=OLD_TOWN, zoom=16, **filters):
    response = client.get(POINTS, {"bbox": bbox, "zoom": zoom, **filters})
    assert response.status_code == 200, response.content
    return response.json()


def test_at_street_zoom_each_mahalle_is_a_cell_and_a_lone_case_is_a_point(client, administrator, old_town):
    client.force_login(administrator)

    data = get_points(client, zoom=16)

    assert summary(data) == ([(2, 1), (3, 1)], ["Ulucami önünde çukur"], 6, 2)
    by_count = {c["count"]: c for c in data["clusters"]}
    sariyakup = (SARIYAKUP, nudge(SARIYAKUP, metres_north=-5), nudge(SARIYAKUP, metres_east=5))
    assert (by_count[3]["lat"], by_count[3]["lon"]) == centre(*sariyakup)
    assert (by_count[2]["lat"], by_count[2]["lon"]) == centre(TURKOCAGI, nudge(TURKOCAGI, metres_north=8))
    [point] = data["points"]
    case = old_town["ulucamii_new"]
    assert point == {
        "lat": pytest.approx(ULUCAMII[0]),
        "lon": pytest.approx(ULUCAMII[1]),
        "tracking": f"{case.tracking_number[:2]}-{case.tracking_number[2:-1]}-{case.tracking_number[-1]}",
        "subject": "Ulucami önünde çukur",
        "status": Status.NEW,
        "overdue": False,
        "url": f"/vaka/{case.tracking_number}/",
    }


def test_zoomed_out_the_cells_merge(client, administrator, old_town):
    client.force_login(administrator)

    data = get_points(client, zoom=14)

    # Sarıyakup west of the 35.3320° border; Türkocağı and Ulucamii east of it, in one cell.
    assert summary(data) == ([(3, 1), (3, 1)], [], 6, 2)
    east = next(c for c in data["clusters"] if c["lon"] > 35.332)
    assert (east["lat"], east["lon"]) == centre(TURKOCAGI, nudge(TURKOCAGI, metres_north=8), ULUCAMII)


def test_the_box_decides_which_cases_count(client, administrator, old_town):
    client.force_login(administrator)

    everywhere = get_points(client, bbox=ALL_ADANA, zoom=8)
    around_turkocagi = get_points(client, bbox="35.3325,36.9810,35.3340,36.9825", zoom=16)

    # The case with no location is on no map.
    assert everywhere["total"] == 8 and everywhere["overdue"] == 3
    assert summary(around_turkocagi) == ([(2, 1)], [], 2, 1)


def test_from_zoom_17_every_case_is_a_point(client, administrator, old_town):
    client.force_login(administrator)

    data = get_points(client, zoom=17)

    assert data["clusters"] == []
    assert len(data["points"]) == 6
    assert sorted(p["subject"] for p in data["points"] if p["overdue"]) == [
        "Sarıyakup'ta çukur",
        "Türkocağı'nda çukur",
    ]


def test_too_many_cases_at_zoom_17_are_clustered_after_all(client, administrator, old_town, monkeypatch):
    monkeypatch.setattr(maps, "MAX_POINTS", 5)
    client.force_login(administrator)

    data = get_points(client, zoom=17)

    assert data["total"] == 6 and data["clusters"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "active"}, 5),
        ({"status": Status.RESOLVED}, 1),
        ({"overdue": "on"}, 2),
        ({"channel": Channel.WHATSAPP}, 1),
        ({"received_from": "2026-03-18", "received_to": "2026-03-18"}, 4),
    ],
)
def test_filters_narrow_the_count(client, administrator, old_town, filters, expected):
    client.force_login(administrator)

    assert get_points(client, **filters)["total"] == expected


def test_category_and_unit_filters(client, administrator, old_town, category, parks):
    client.force_login(administrator)

    assert get_points(client, category=category.pk)["total"] == 5
    assert summary(get_points(client, unit=parks.pk)) == ([], ["Park bankı kırık"], 1, 0)


def test_unit_staff_count_only_their_units_cases(client, road_staff, park_staff, old_town):
    client.force_login(road_staff)
    roads = get_points(client, zoom=16)
    client.force_login(park_staff)
    parks = get_points(client, zoom=16)

    # Türkocağı's bench belongs to parks: the road unit sees one case there, a point, not a cluster of two.
    assert summary(roads) == ([(3, 1)], ["Türkocağı'nda çukur", "Ulucami önünde çukur"], 5, 2)
    assert summary(parks) == ([], ["Park bankı kırık"], 1, 0)


def test_other_institutions_cases_are_not_counted(client, administrator, old_town, other_institution):
    services.open_case(
        institution=other_institution,
        channel=Channel.PHONE,
        subject="Başka kurum",
        location=place(SARIYAKUP, "Seyhan", "Sarıyakup Mh."),
    )
    client.force_login(administrator)

    assert get_points(client, zoom=16)["total"] == 6


def test_a_unit_staff_filter_for_another_unit_is_refused(client, road_staff, old_town, parks):
    client.force_login(road_staff)

    response = client.get(POINTS, {"bbox": OLD_TOWN, "zoom": 16, "unit": parks.pk})

    assert response.status_code == 400
    assert "unit" in response.json()["errors"]


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "35,36", "zoom": 12},
        {"bbox": "a,b,c,d", "zoom": 12},
        {"bbox": "36,37,35,38", "zoom": 12},
        {"bbox": "nan,36,37,38", "zoom": 12},
        {"bbox": OLD_TOWN, "zoom": 25},
        {"bbox": OLD_TOWN},
        {"bbox": OLD_TOWN, "zoom": 12, "received_from": "2026-04-01", "received_to": "2026-03-01"},
        {"bbox": OLD_TOWN, "zoom": 12, "status": "lost"},
    ],
)
def test_bad_requests_get_a_clear_error(client, administrator, params):
    client.force_login(administrator)

    response = client.get(POINTS, params, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["errors"]


def test_the_map_needs_a_login(client):
    assert client.get(POINTS, {"bbox": OLD_TOWN, "zoom": 12}).status_code == 302
    assert client.get("/raporlar/harita/").status_code == 302


@pytest.mark.parametrize("role", [role for role, _ in User.Role.choices])
def test_everyone_who_may_open_the_map_has_its_link(client, make_user, roads, role):
    """Unit staff could open the task map but had no link to it."""
    user = make_user(role, "kisi", units=[roads])
    client.force_login(user)

    assert client.get("/raporlar/harita/").status_code == 200
    # Where each lands after signing in: the console, the overview or the queue.
    landing = client.get("/", follow=True)
    assert landing.status_code == 200
    assert '<a id="nav-map" href="/raporlar/harita/"' in landing.content.decode()


def test_world_wrapped_longitudes_are_clamped():
    box = maps.BBox.parse("-200,-95,200,95")

    assert (box.min_lon, box.min_lat, box.max_lon, box.max_lat) == (-180, -90, 180, 90)


def test_cell_sizes_halve_with_each_zoom():
    assert maps.cell_size(0) == 90.0
    assert maps.cell_size(16) == pytest.approx(0.001373291015625)
    assert maps.cell_size(10) == 2 * maps.cell_size(11)


def test_the_query_count_does_not_grow_with_the_cases(client, administrator, adana, make_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(administrator)
    make_case(location=place(SARIYAKUP, "Seyhan", "Sarıyakup Mh."))
    with CaptureQueriesContext(connection) as few:
        get_points(client, zoom=16)
    for metres in range(1, 30):
        make_case(location=place(nudge(SARIYAKUP, metres_north=metres * 3), "Seyhan", "Sarıyakup Mh."))
        make_case(location=place(nudge(ULUCAMII, metres_east=metres), "Seyhan", "Ulucamii Mh."))
    with CaptureQueriesContext(connection) as many:
        data = get_points(client, zoom=16)

    assert data["total"] == 59
    assert len(many.captured_queries) <= len(few.captured_queries)


def test_the_map_page_sends_the_filters_and_no_inline_script(client, administrator, adana, category):
    client.force_login(administrator)

    response = client.get("/raporlar/harita/", {"category": category.pk, "measure": "per_1000"})

    assert response.status_code == 200
    config = response.context["config"]
    assert config["filters"] == {"category": str(category.pk)}
    assert config["measure"] == "per_1000"
    assert config["tiles"] == ""
    # Fitted to the institution's mahalles: Adana's five, from Bahçelievler (Seyhan) to Yüreğir's.
    west, south, east, north = config["extent"]
    assert 35.28 < west < 35.29 and 36.93 < south < 36.94 and 35.37 < east < 35.38 and 37.00 < north < 37.01
    page = response.content.decode()
    assert 'id="task-map-config" type="application/json"' in page
    assert "<script>" not in page and "onclick" not in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_blocks_side_by_side_count_a_case_on_their_edge_once(client, administrator, make_case):
    """The map asks for blocks of 8 × 8 cells, each box inset by half a cell; two neighbours must add up."""
    zoom, cell = 16, maps.cell_size(16)
    edge = 3366 * 8 * cell  # a block edge just south of Sarıyakup: 36.97998046875
    for latitude in ("36.979979", "36.979980", "36.979981", "36.979982"):
        make_case(location={"latitude": latitude, "longitude": "35.329000"})
    client.force_login(administrator)
    west, east = 3215 * 8 * cell + cell / 2, 3216 * 8 * cell - cell / 2

    south = get_points(
        client, bbox=f"{west},{edge - 8 * cell + cell / 2},{east},{edge - cell / 2}", zoom=zoom
    )
    north = get_points(
        client, bbox=f"{west},{edge + cell / 2},{east},{edge + 8 * cell - cell / 2}", zoom=zoom
    )
    both = get_points(
        client, bbox=f"{west},{edge - 8 * cell + cell / 2},{east},{edge + 8 * cell - cell / 2}", zoom=zoom
    )

    assert (south["total"], north["total"], both["total"]) == (2, 2, 4)
