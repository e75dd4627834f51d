"""``manage.py import_plate_reads`` (a camera system's CSV export) and ``manage.py api_token --scope
plate_reads`` (the camera system's token)."""

import io

import pytest
from django.core.management import CommandError, call_command

from kentmasa.directory.models import ApiToken, User
from kentmasa.emergency import pts
from kentmasa.emergency.models import PlateAlert, PlateRead
from kentmasa.emergency.tests.core_world import user
from kentmasa.emergency.tests.pts_world import pts_world

pytestmark = pytest.mark.django_db

CSV = """camera,plate,at,latitude,longitude
ESK-PTS-001,26 ABC 123,2026-03-18T14:05:09+03:00,39.7766,30.515
ESK-PTS-001,26 abc 124,2026-03-18 14:05:10,,
ESK-PTS-002,?,2026-03-18T14:05:11+03:00,,

ESK-PTS-002,26 ABC 125,dün,,
,26 ABC 126,2026-03-18T14:05:12+03:00,,
ESK-PTS-001,B-MW 1234,2026-03-18T14:05:13+03:00,91,30
"""


@pytest.fixture
def world():
    world = pts_world()[0]
    pts.upsert_hotlist(world.police, plate="26 ABC 123", reason="stolen", actor=None)
    return world


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_plate_reads", *args, stdout=out)
    return out.getvalue()


def test_the_file_is_imported_and_bad_lines_are_listed_by_line_number(world, tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text(CSV, encoding="utf-8")
    out = run(str(path), "--institution", world.police.slug)
    assert out.splitlines() == [
        "Satır 6: at: Zamanı ISO 8601 olarak verin, ör. 2026-03-18T14:05:09+03:00.",
        "Satır 7: camera: Kameranın kimliğini verin.",
        "Satır 8: latitude: Konum geçerli aralığın dışında.",
        "6 okuma satırı: 3 kaydedildi, 3 reddedildi; aranan plakalardan 1 okuma, 1 alarm.",
    ]
    assert sorted(PlateRead.objects.values_list("plate", flat=True)) == ["", "26ABC123", "26ABC124"]
    assert PlateAlert.objects.get().plate == "26ABC123"
    again = run(str(path), "--institution", world.police.slug)
    assert again.splitlines()[-1] == "6 satır daha önce içeri alınmıştı; yeniden kaydedilmedi."
    assert PlateRead.objects.count() == 3


def test_a_turkish_spreadsheet_export_with_semicolons_and_decimal_commas(world, tmp_path):
    path = tmp_path / "pts.csv"
    # Columns in another order, one more the import ignores, a BOM in front.
    path.write_text(
        "\ufeffno;Plate;at;camera;latitude;longitude\n"
        "1;26 ABC 127;2026-03-18T14:05:09+03:00;ESK-PTS-001;39,7766;30,515\n",
        encoding="utf-8",
    )
    out = run(str(path), "--institution", world.police.slug)
    assert out.splitlines()[-1].startswith("1 okuma satırı: 1 kaydedildi, 0 reddedildi")
    stored = PlateRead.objects.get()
    assert (stored.camera_code, stored.latitude, stored.longitude) == ("ESK-PTS-001", 39.7766, 30.515)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Dosya boş"),
        (b"kamera,plaka\nK,26 ABC 123\n", "Sütun eksik: camera, plate, at."),
        (b"camera,plate,at\n\xff\xfe,x,y\n", "Dosya UTF-8 değil"),
    ],
)
def test_a_file_it_cannot_read_is_refused_with_the_reason(world, tmp_path, content, message):
    path = tmp_path / "pts.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(str(path), "--institution", world.police.slug)
    assert not PlateRead.objects.exists()


def test_only_a_police_institution_that_exists(world, tmp_path, institution):
    path = tmp_path / "pts.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(CommandError, match="kısa adında bir kurum yok"):
        run(str(path), "--institution", "yok-emniyet")
    with pytest.raises(CommandError, match="emniyet müdürlüğü değil"):
        run(str(path), "--institution", institution.slug)
    with pytest.raises(CommandError, match="bulunamadı"):
        run(str(tmp_path / "none.csv"), "--institution", world.police.slug)


# -- the camera system's token -------------------------------------------------------------------------------


def test_a_plate_reads_token_is_issued_for_a_police_directorates_staff_only(world, institution, make_user):
    account = user("pts-kamera", User.Role.POLICE_OPERATOR, world.police)
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "pts-kamera", "--scope", "plate_reads", "--name", "PTS", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(user=account)
    assert (token.scope, token.name) == (ApiToken.Scope.PLATE_READS, "PTS")
    assert ApiToken.authenticate(raw) is None  # no staff token
    assert ApiToken.authenticate(raw, scopes=(ApiToken.Scope.PLATE_READS,)) == account
    clerk = make_user(User.Role.ADMINISTRATOR, "belediye_admin")
    with pytest.raises(CommandError, match="emniyet müdürlüğünün personeli değil"):
        call_command("api_token", clerk.username, "--scope", "plate_reads", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("api_token", "pts-kamera", "--scope", "everything", stdout=io.StringIO())
    assert ApiToken.objects.count() == 1
    call_command("api_token", "pts-kamera", stdout=io.StringIO(), stderr=io.StringIO())
    assert ApiToken.objects.filter(user=account, scope=ApiToken.Scope.STAFF).count() == 1
