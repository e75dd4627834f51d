"""The destruction records' screens (/imha-tutanaklari/): Seda, a police operator of Eskişehir, reads the
records of her directorate's camera footage and plate reads runs; Murat, its administrator, reads every record
of the directorate; Zeynep, the superuser, reads them all, those of no institution too. Nobody reads another
institution's records, and unit staff read none. A record opens as a tutanak to print and sign: institution,
category, method, basis, the period destroyed, what was destroyed and what was kept (with the hold's reason),
errors, totals, who and when, three signature lines. Bad filters are a 400 with the form's Turkish error."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kentmasa.cases.tests.keyset_walk import assert_bad_cursors_show_the_first_page, walk
from kentmasa.directory.models import Institution, User
from kentmasa.retention import records
from kentmasa.retention.models import DestructionRecord
from kentmasa.retention.views import PAGE_SIZE

pytestmark = pytest.mark.django_db

LIST = "/imha-tutanaklari/"
Category = DestructionRecord.Category
# 14 May 2025, 03:00 in Istanbul (UTC+3): a night run.
NIGHT = dt.datetime(2025, 5, 14, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def police(db):
    return Institution.objects.create(
        slug="eskisehir-emniyet",
        name="Eskişehir İl Emniyet Müdürlüğü",
        kind=Institution.Kind.POLICE,
        province="Eskişehir",
    )


@pytest.fixture
def adana(db):
    return Institution.objects.create(
        slug="adana-bb", name="Adana Büyükşehir Belediyesi", kind=Institution.Kind.METROPOLITAN
    )


def person(username, role, institution, **extra):
    return User.objects.create_user(
        username=username, password="kentmasa-test-1", role=role, institution=institution, **extra
    )


@pytest.fixture
def seda(police):
    return person("seda", User.Role.POLICE_OPERATOR, police, first_name="Seda", last_name="Aydın")


@pytest.fixture
def murat(police):
    return person("murat", User.Role.ADMINISTRATOR, police, first_name="Murat", last_name="Kaya")


@pytest.fixture
def zeynep(db):
    return User.objects.create_superuser("zeynep", "zeynep@example.org", "kentmasa-test-1")


def footage_run(institution, *, at=NIGHT, held=True, errors=()):
    """Last night's footage run: two cameras' segments older than ten days deleted, one window held."""
    day = at - dt.timedelta(days=10)
    return records.record(
        Category.FOOTAGE,
        institution,
        started_at=at,
        basis="KGYS kayıtları 10 gün saklanır; yasal saklama kapsamı dışındakiler silinir.",
        items=[
            records.item("ESK-KGYS-001 Adalar", day - dt.timedelta(hours=6), day, count=6, bytes=6_291_456),
            records.item("ESK-KGYS-004 Espark", day - dt.timedelta(hours=2), day, count=2, bytes=2_097_152),
        ],
        kept=[
            records.kept(
                "ESK-KGYS-004 Espark",
                day - dt.timedelta(hours=6),
                day - dt.timedelta(hours=2),
                reason="Yasal saklama #7: Eskişehir Cumhuriyet Başsavcılığı 2025/1234 soruşturma",
            )
        ]
        if held
        else [],
        errors=list(errors),
    )


def plate_run(institution, *, at=NIGHT):
    return records.record(
        Category.PLATE_READS,
        institution,
        started_at=at + dt.timedelta(minutes=5),
        basis="PTS okumaları 30 gün saklanır.",
        items=[records.item("okumalar", at - dt.timedelta(days=31), at - dt.timedelta(days=30), count=812)],
    )


# -- who sees what ---------------------------------------------------------------------------------------


def test_seda_sees_her_directorates_footage_and_plate_records_only(client, police, adana, seda):
    mine = [footage_run(police), plate_run(police)]
    # A later KVKK category of the same directorate (e.g. citizens' cases), and another institution's run.
    kvkk = DestructionRecord.objects.create(category="cases", institution=police, started_at=NIGHT)
    theirs = footage_run(adana)
    client.force_login(seda)

    response = client.get(LIST)

    assert response.status_code == 200
    shown = {record.pk for record in response.context["page"]}
    assert shown == {record.pk for record in mine}
    html = response.content.decode()
    assert f'id="record-{kvkk.pk}"' not in html and f'id="record-{theirs.pk}"' not in html
    assert "Kamera kayıtları (KGYS)" in html and "Plaka okumaları (PTS)" in html
    # Seda works one directorate: no institution column.
    assert "Adana" not in html


def test_murat_the_administrator_sees_every_category_of_his_directorate(client, police, adana, murat):
    kvkk = DestructionRecord.objects.create(category="cases", institution=police, started_at=NIGHT)
    mine = [footage_run(police), kvkk]
    footage_run(adana)
    client.force_login(murat)

    response = client.get(LIST)

    assert {record.pk for record in response.context["page"]} == {record.pk for record in mine}


def test_zeynep_the_superuser_sees_every_record_with_its_institution(client, police, adana, zeynep):
    everyone = [footage_run(police), footage_run(adana), plate_run(None)]
    client.force_login(zeynep)

    response = client.get(LIST)

    assert {record.pk for record in response.context["page"]} == {record.pk for record in everyone}
    html = response.content.decode()
    assert "Eskişehir İl Emniyet Müdürlüğü" in html and "Adana Büyükşehir Belediyesi" in html


def test_unit_staff_and_field_teams_are_refused_and_strangers_sent_to_sign_in(client, police):
    footage_run(police)
    for role in (User.Role.UNIT_STAFF, User.Role.FIELD_TEAM, User.Role.OPERATOR):
        client.force_login(person(f"someone-{role}", role, police))
        assert client.get(LIST).status_code == 403
    client.logout()
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith("/giris/")


def test_a_police_operator_without_an_institution_is_refused(client):
    client.force_login(person("yalniz", User.Role.POLICE_OPERATOR, None))
    assert client.get(LIST).status_code == 403


# -- the list: order, filters, pages -----------------------------------------------------------------------


def test_newest_first_filtered_by_category_and_outcome(client, police, seda):
    older = footage_run(police, at=NIGHT - dt.timedelta(hours=1))
    newer = footage_run(police, errors=["ESK-KGYS-009: kayıt cihazına ulaşılamadı"])
    plates = plate_run(police)
    client.force_login(seda)

    assert [record.pk for record in client.get(LIST).context["page"]] == [plates.pk, newer.pk, older.pk]
    footage = client.get(LIST, {"category": "footage"})
    assert [record.pk for record in footage.context["page"]] == [newer.pk, older.pk]
    partial = client.get(LIST, {"category": "footage", "outcome": "partial"})
    assert [record.pk for record in partial.context["page"]] == [newer.pk]
    assert "Kısmen yapıldı (hatalar)" in partial.content.decode()


def test_an_unknown_category_is_a_400_with_the_forms_turkish_error_and_nothing_filtered(client, police, seda):
    footage_run(police)
    client.force_login(seda)

    for wrong in ("cases", "x" * 300, "footage' OR 1=1"):
        response = client.get(LIST, {"category": wrong})
        assert response.status_code == 400
        assert "Geçerli bir seçenek seçin." in response.content.decode()
        assert len(response.context["page"]) == 1  # the unfiltered list, as far as she may see it


def test_a_nul_in_the_query_is_a_400_naming_it(client, police, seda):
    client.force_login(seda)
    response = client.get(LIST + "?category=foot%00age")
    assert response.status_code == 400


def test_pages_of_25_forward_and_back_hold_every_record_once_newest_first(client, police, seda):
    made = [
        footage_run(police, at=NIGHT - dt.timedelta(hours=hour), held=False) for hour in range(PAGE_SIZE + 5)
    ]
    # Two runs at the same moment: the key breaks the tie, neither is skipped nor shown twice.
    made.append(footage_run(police, at=NIGHT - dt.timedelta(hours=3), held=False))
    client.force_login(seda)

    first = client.get(LIST, {"category": "footage"})
    assert len(first.context["page"]) == PAGE_SIZE
    html = first.content.decode()
    assert f'id="record-count">{len(made)} tutanak' in html
    assert f'href="?category=footage&amp;after={first.context["page"].next}"' in html
    forward, backward = walk(client, LIST, {"category": "footage"})
    newest_first = [
        record.pk for record in sorted(made, key=lambda record: (record.started_at, record.pk), reverse=True)
    ]
    assert forward == backward == newest_first
    assert_bad_cursors_show_the_first_page(client, LIST, {"category": "footage"})
    assert client.get(LIST, {"page": str(2**63)}).status_code == 200  # an old page number: the first page


def test_the_list_costs_the_same_queries_for_2_records_or_40(client, police, adana, zeynep):
    client.force_login(zeynep)
    footage_run(police)
    footage_run(adana)
    client.get(LIST)  # session and translations warmed
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for hour in range(1, 20):
        footage_run(police, at=NIGHT - dt.timedelta(hours=hour))
        plate_run(adana, at=NIGHT - dt.timedelta(hours=hour))
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(response.context["page"]) == PAGE_SIZE
    assert len(many) == len(few)


# -- the tutanak -------------------------------------------------------------------------------------------


def test_a_footage_record_prints_as_a_tutanak(client, police, seda):
    record = footage_run(police, errors=["ESK-KGYS-009: kayıt cihazına ulaşılamadı"])
    client.force_login(seda)

    response = client.get(f"{LIST}{record.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="tutanak-title">İmha Tutanağı</h1>' in html
    assert "Eskişehir İl Emniyet Müdürlüğü" in html
    assert f'id="tutanak-number">{record.pk}<' in html
    assert "Kamera kayıtları (KGYS)" in html and "Silme" in html
    assert "KGYS kayıtları 10 gün saklanır" in html
    # Times in Istanbul: the items ran from 3 May 21:00 to 4 May 03:00 local time.
    assert "03.05.2025 21:00 – 04.05.2025 03:00" in html
    assert "ESK-KGYS-001 Adalar" in html and "ESK-KGYS-004 Espark" in html
    assert 'id="items-count">8<' in html
    assert "8 parça, 8,0\xa0MB (8388608 bayt)" in html
    assert "Yasal saklama #7: Eskişehir Cumhuriyet Başsavcılığı 2025/1234 soruşturma" in html
    assert "ESK-KGYS-009: kayıt cihazına ulaşılamadı" in html
    assert "Kısmen yapıldı (hatalar)" in html
    assert "Periyodik saklama görevi (otomatik)" in html
    assert html.count('class="signature"') == 3 and "Onaylayan (veri sorumlusu adına)" in html
    assert "kentmasa/tutanak.css" in html and "data-print" in html


def test_an_empty_run_still_prints_that_nothing_was_due(client, police, murat):
    record = records.record(Category.PLATE_READS, police, started_at=NIGHT, basis="PTS okumaları 30 gün.")
    client.force_login(murat)

    html = client.get(f"{LIST}{record.pk}/").content.decode()

    assert "Bu çalışmada imhası gereken veri yoktu." in html
    assert 'id="no-items"' in html and 'id="no-kept"' in html and 'id="errors"' not in html


def test_a_run_started_by_hand_names_who_performed_it(client, police, murat):
    record = records.record(Category.FOOTAGE, police, started_at=NIGHT, basis="—", performed_by=murat)
    client.force_login(murat)
    assert "Murat Kaya" in client.get(f"{LIST}{record.pk}/").content.decode()


def test_in_english_it_is_a_destruction_record(client, police, seda):
    record = footage_run(police)
    client.force_login(seda)
    html = client.get(f"{LIST}{record.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Destruction record" in html and "Camera footage (KGYS)" in html


def test_records_of_others_are_not_found_and_silly_ids_too(client, police, adana, seda, zeynep):
    theirs = footage_run(adana)
    kvkk = DestructionRecord.objects.create(category="cases", institution=police, started_at=NIGHT)
    nobodys = plate_run(None)
    client.force_login(seda)
    for pk in (theirs.pk, kvkk.pk, nobodys.pk, 2**63, 2**64):
        assert client.get(f"{LIST}{pk}/").status_code == 404
    client.force_login(zeynep)
    response = client.get(f"{LIST}{nobodys.pk}/")
    assert response.status_code == 200
    assert "Kurum yok (tüm kurulum)" in response.content.decode()


def test_a_record_with_damaged_lines_still_prints(client, police, murat):
    """Rows written by hand or by an older version: lines that are not objects, times that are no times."""
    record = DestructionRecord.objects.create(
        category=Category.FOOTAGE,
        institution=police,
        started_at=timezone.now(),
        items=["not a line", {"what": "ESK-KGYS-002", "from": "yesterday", "to": None, "count": "x"}],
        kept="nothing",
        errors=[],
    )
    client.force_login(murat)
    response = client.get(f"{LIST}{record.pk}/")
    assert response.status_code == 200
    assert "ESK-KGYS-002" in response.content.decode()


def test_the_menu_leads_those_who_may_read_records_to_them(client, police, seda, murat, zeynep):
    for reader in (seda, murat, zeynep):
        client.force_login(reader)
        html = client.get("/raporlar/harita/").content.decode()
        assert '<a id="nav-destruction-records" href="/imha-tutanaklari/">İmha tutanakları</a>' in html
    client.force_login(person("birimci", User.Role.UNIT_STAFF, police))
    assert 'id="nav-destruction-records"' not in client.get("/raporlar/harita/").content.decode()
