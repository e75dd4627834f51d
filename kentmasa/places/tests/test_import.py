"""manage.py import_areas on the real tr-admin files and on files with faults in them."""

import copy
import io
import json

import pytest
import shapely
from django.core.management import CommandError, call_command

from kentmasa.places import geocode
from kentmasa.places.importer import import_file, import_tr_admin, read_features
from kentmasa.places.models import Area
from kentmasa.places.tests.conftest import DEMO_CITIES, tr_admin_dir

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seyhan_features():
    """The real features of three Seyhan mahalles (townId 1), Sarıyakup first."""
    features = [
        feature
        for feature in read_features(tr_admin_dir() / "mahalleler-adana.geojson")
        if feature["properties"]["townId"] == 1
    ]
    features.sort(key=lambda feature: feature["properties"]["name"] != "Sarıyakup Mh.")
    return features[:3]


def write(tmp_path, features, name="mahalleler-adana.geojson"):
    """A file of the real file's name, so that the areas' source stays the same."""
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_areas", *map(str, args), stdout=out)
    return out.getvalue()


def test_the_real_files_load_with_every_area_linked_to_its_parent(adana):
    provinces, districts, mahalles = adana
    assert (provinces.created, districts.created, mahalles.created) == (5, 95, 833)
    assert not (provinces.skipped or districts.skipped or mahalles.skipped)
    assert "Seyhan" in districts.repaired  # self-intersecting rings in the source, made valid

    sariyakup = Area.objects.get(kind=Area.Kind.NEIGHBOURHOOD, code="10")
    assert (sariyakup.name, sariyakup.display_name, sariyakup.name_key) == (
        "Sarıyakup Mh.",
        "Sarıyakup Mahallesi",
        "sariyakup",
    )
    assert (sariyakup.parent.display_name, sariyakup.parent.parent.display_name) == ("Seyhan", "Adana")
    assert {
        sariyakup.province_code,
        sariyakup.parent.province_code,
        sariyakup.parent.parent.province_code,
    } == {"01"}
    assert sariyakup.min_lon < sariyakup.centroid_lon < sariyakup.max_lon
    assert sariyakup.min_lat < sariyakup.centroid_lat < sariyakup.max_lat
    assert sariyakup.source == "mahalleler-adana.geojson"
    assert Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD, parent__isnull=True).count() == 0
    assert Area.objects.filter(kind=Area.Kind.DISTRICT, province_code="38").count() == 16  # Kayseri


def test_importing_the_same_files_again_changes_nothing(adana):
    version = geocode.index_version()
    before = list(Area.objects.order_by("pk").values())

    again = import_tr_admin(tr_admin_dir(), cities=DEMO_CITIES, mahalle_files=["mahalleler-adana.geojson"])

    assert [(report.created, report.updated, report.unchanged) for report in again] == [
        (0, 0, 5),
        (0, 0, 95),
        (0, 0, 833),
    ]
    assert list(Area.objects.order_by("pk").values()) == before
    assert geocode.index_version() == version


def test_a_changed_feature_is_updated_and_the_look_up_sees_it(adana, tmp_path, seyhan_features):
    renamed = copy.deepcopy(seyhan_features[0])
    renamed["properties"]["name"] = "Sarı Yakup Mh."
    renamed["properties"]["population"] = 4210

    output = run(write(tmp_path, [renamed]))

    assert "1 mahalle — 0 yeni, 1 güncellendi, 0 değişmedi, 0 atlandı" in output
    sariyakup = Area.objects.get(kind=Area.Kind.NEIGHBOURHOOD, code="10")
    assert (sariyakup.display_name, sariyakup.population) == ("Sarı Yakup Mahallesi", 4210)
    assert geocode.locate(36.98211, 35.32967).neighbourhood == "Sarı Yakup Mahallesi"


def _feature(base, **properties):
    feature = copy.deepcopy(base)
    feature["properties"].update(properties)
    return feature


def test_features_that_cannot_be_used_are_skipped_with_the_reason(adana, tmp_path, seyhan_features):
    base = seyhan_features[0]
    bow_tie = [[35.30, 36.99], [35.31, 37.00], [35.31, 36.99], [35.30, 37.00], [35.30, 36.99]]
    flat = [[35.30, 36.90], [35.31, 36.90], [35.32, 36.90], [35.30, 36.90]]
    features = [
        *seyhan_features,
        {**_feature(base, id=990001, name="Sınırsız Mh."), "geometry": None},
        _feature(base, id=990002, name="Yetim Mh.", townId=9999),
        {
            **_feature(base, id=990003, name="Kelebek Mh."),
            "geometry": {"type": "Polygon", "coordinates": [bow_tie]},
        },
        {**_feature(base, id=990004, name="Düz Mh."), "geometry": {"type": "Polygon", "coordinates": [flat]}},
        {
            **_feature(base, id=990005, name="Kırık Mh."),
            "geometry": {"type": "Polygon", "coordinates": [[[1, 2]]]},
        },
        _feature(base, id=990006, name="Gül Sk.", type="Street"),
        _feature(base, name="Sarıyakup Mh. (tekrar)"),
        _feature(base, id=None, name="Kimliksiz Mh."),
        {
            **_feature(base, id=990007, name="Nokta Mh."),
            "geometry": {"type": "Point", "coordinates": [35.3, 37]},
        },
        _feature(base, id=990008, name="Merkezsiz Mh.", centroid="yok"),  # a centre point that is not one
    ]
    path = write(tmp_path, features)

    report = import_file(path)

    assert [(skipped.number, skipped.name, skipped.reason) for skipped in report.skipped] == [
        (4, "Sınırsız Mh.", "no-geometry"),
        (5, "Yetim Mh.", "unknown-parent"),
        (7, "Düz Mh.", "invalid-geometry"),
        (8, "Kırık Mh.", "bad-geometry"),
        (9, "Gül Sk.", "unknown-type"),
        (10, "Sarıyakup Mh. (tekrar)", "duplicate"),
        (11, "Kimliksiz Mh.", "no-id"),
        (12, "Nokta Mh.", "not-an-area"),
    ]
    assert (report.created, report.updated, report.unchanged) == (2, 0, 3)
    assert report.repaired == ["Kelebek Mh."]
    kelebek = Area.objects.get(code="990003")
    assert kelebek.parent.display_name == "Seyhan"
    assert json.loads(kelebek.geometry)["type"] == "MultiPolygon"  # the bow tie as its two triangles
    centreless = Area.objects.get(code="990008")
    centre = shapely.Point(centreless.centroid_lon, centreless.centroid_lat)
    assert shapely.from_geojson(centreless.geometry).covers(centre)


def test_the_command_reports_counts_and_each_skipped_feature(adana, tmp_path, seyhan_features):
    orphan = _feature(seyhan_features[0], id=990002, name="Yetim Mh.", townId=9999)
    path = write(tmp_path, [*seyhan_features, orphan])

    output = run(path).splitlines()

    assert output == [
        f"{path}: 4 mahalle — 0 yeni, 0 güncellendi, 3 değişmedi, 1 atlandı ({output[0].rsplit('(', 1)[1]}",
        '  atlandı: #4 "Yetim Mh." id=990002: bağlı olduğu birim yüklenmemiş (ilce 9999)',
    ]


def test_a_file_without_types_loads_with_the_kind_given(adana, tmp_path, seyhan_features):
    untyped = [copy.deepcopy(feature) for feature in seyhan_features]
    for feature in untyped:
        del feature["properties"]["type"]
    path = write(tmp_path, untyped)

    assert "3 atlandı" in run(path)  # unknown kind without --kind
    assert "3 mahalle — 0 yeni, 0 güncellendi, 3 değişmedi, 0 atlandı" in run(path, "--kind", "mahalle")


def test_kind_and_city_filters_choose_what_is_loaded(adana, tmp_path, seyhan_features):
    output = run(write(tmp_path, seyhan_features), "--kind", "ilce", "--city", "01")
    assert output.count("istenen türden değil") == 3

    assert "alan yok — 0 yeni, 0 güncellendi, 0 değişmedi, 0 atlandı" in run(
        write(tmp_path, seyhan_features), "--city", "38"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "No such file"), ("not json", "JSON değil"), ('{"type": "Point"}', "FeatureCollection değil")],
)
def test_a_file_that_is_not_geojson_is_refused_and_changes_nothing(adana, tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    if content is not None:
        path.write_text(content)
    count = Area.objects.count()

    with pytest.raises(CommandError, match=message):
        run(path)
    assert Area.objects.count() == count
