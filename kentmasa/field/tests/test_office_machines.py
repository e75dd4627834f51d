"""The roads unit's machinery: /saha/makineler/ shows the grader out on Asfalt Ekibi 1's work order and the
place of its case; Kemal (the roads manager) sends the truck to maintenance and back; Selin (staff) only
looks; the parks unit and other institutions see nothing of it. In the admin an administrator keeps her own
institution's machines and failure reasons only."""

import pytest
from django.urls import reverse

from kentmasa.conftest import PASSWORD
from kentmasa.directory.models import Team, Unit, User
from kentmasa.field.models import FailureReason, Machine
from kentmasa.field.tests import api_world

MACHINES = reverse("field:office_machines")


@pytest.fixture
def world(institution, roads, parks, make_user, make_case):
    return api_world.build(institution, roads, parks, make_user, make_case)


@pytest.fixture
def truck(world):
    return Machine.objects.create(unit=world.roads, kind=Machine.Kind.TRUCK, name="Kamyon 7", plate="34KM707")


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def set_status(client, machine, status):
    return client.post(
        reverse("field:office_machine_status", args=[machine.pk]), {f"m{machine.pk}-status": status}
    )


def test_the_page_shows_where_the_grader_is_out(client, world, truck):
    case = world.case(
        subject="Menderes'te çökme",
        location={"neighbourhood": "Menderes", "address_text": "Atatürk Cd. No:12 önü"},
    )
    world.order(case, machines=[world.grader])
    page = signed_in(client, world.clerk).get(MACHINES)
    assert page.status_code == 200
    text = page.content.decode()
    row = text.split(f'id="machine-{world.grader.pk}"')[1].split("</tr>")[0]
    assert "İş emrinde sahada" in row and "34 ABC 123" in row
    assert case.tracking_display in row and "Menderes&#x27;te çökme" in row
    assert "Asfalt Ekibi 1" in row and "Atatürk Cd. No:12 önü" in row and "Menderes" in row
    assert reverse("cases:detail", args=[case.tracking_number]) in row
    assert "Kamyon 7" in text and "Müsait" in text
    # Staff only look: no buttons.
    assert f'id="maintenance-{truck.pk}"' not in text
    assert set_status(client, truck, "maintenance").status_code == 403
    truck.refresh_from_db()
    assert truck.status == Machine.Status.AVAILABLE


def test_kemal_sends_the_truck_to_maintenance_and_back_but_not_the_grader_that_is_out(client, world, truck):
    world.order(world.case(), machines=[world.grader])
    signed_in(client, world.manager)
    assert f'id="maintenance-{truck.pk}"' in client.get(MACHINES).content.decode()
    assert set_status(client, truck, "maintenance").status_code == 302
    truck.refresh_from_db()
    assert truck.status == Machine.Status.MAINTENANCE and truck.status_at is not None
    assert f'id="available-{truck.pk}"' in client.get(MACHINES).content.decode()
    assert set_status(client, truck, "available").status_code == 302
    truck.refresh_from_db()
    assert truck.status == Machine.Status.AVAILABLE
    refused = client.post(
        reverse("field:office_machine_status", args=[world.grader.pk]),
        {f"m{world.grader.pk}-status": "maintenance"},
        follow=True,
    )
    assert "Makine bir iş emrinde sahada; ekip rapor verince serbest kalır." in refused.content.decode()
    world.grader.refresh_from_db()
    assert world.grader.status == Machine.Status.OUT


@pytest.mark.parametrize("status", ["out", "retired", "", "x" * 500, "available\x00"])
def test_statuses_not_set_by_hand_are_refused(client, world, truck, status):
    signed_in(client, world.manager)
    response = set_status(client, truck, status)
    assert response.status_code == 302
    truck.refresh_from_db()
    assert truck.status == Machine.Status.AVAILABLE


def test_the_parks_unit_a_field_user_and_another_institution_see_none_of_it(
    client, world, truck, make_user, other_institution
):
    park_boss = make_user(User.Role.UNIT_MANAGER, "park_boss", units=[world.parks])
    signed_in(client, park_boss)
    page = client.get(MACHINES).content.decode()
    assert "Kamyon 7" not in page and "Greyder 3" not in page and 'id="no-machines"' in page
    assert set_status(client, truck, "maintenance").status_code == 404
    assert signed_in(client, world.mehmet).get(MACHINES).status_code == 403
    unit = Unit.objects.create(institution=other_institution, name="Makine İkmal")
    stranger = make_user(User.Role.UNIT_MANAGER, "stranger", units=[unit], institution_=other_institution)
    assert set_status(signed_in(client, stranger), truck, "maintenance").status_code == 404
    truck.refresh_from_db()
    assert truck.status == Machine.Status.AVAILABLE
    for pk in (0, 2**63, 2**70):
        assert client.post(reverse("field:office_machine_status", args=[pk])).status_code == 404


def test_the_manager_of_the_department_above_manages_the_unit_s_machines(client, world, truck, make_user):
    department = Unit.objects.create(
        institution=world.roads.institution, name="Fen İşleri Dairesi Başkanlığı"
    )
    Unit.objects.filter(pk=world.roads.pk).update(parent=department)
    head = make_user(User.Role.UNIT_MANAGER, "daire_baskani", units=[department])
    assert set_status(signed_in(client, head), truck, "maintenance").status_code == 302
    truck.refresh_from_db()
    assert truck.status == Machine.Status.MAINTENANCE


# -- the admin -----------------------------------------------------------------------------------------------


@pytest.fixture
def administrator(make_user):
    user = make_user(User.Role.ADMINISTRATOR, "yonetici")
    user.is_staff = True
    user.is_superuser = False
    user.save()
    from django.contrib.auth.models import Permission

    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="field", content_type__model__in=["machine", "failurereason"]
        )
    )
    return user


def test_the_admin_keeps_each_institution_to_its_own_machines_and_reasons(
    client, world, truck, administrator, other_institution
):
    kayseri_unit = Unit.objects.create(institution=other_institution, name="Kayseri Fen İşleri")
    theirs = Machine.objects.create(
        unit=kayseri_unit, kind=Machine.Kind.CRANE, name="Vinç 1", plate="38VN001"
    )
    their_reason = FailureReason.objects.create(unit=kayseri_unit, text="Kar yağışı")
    signed_in(client, administrator)
    machines = client.get(reverse("admin:field_machine_changelist")).content.decode()
    assert "Kamyon 7" in machines and "Greyder 3" in machines and "Vinç 1" not in machines
    assert client.get(reverse("admin:field_machine_change", args=[theirs.pk])).status_code == 302  # not hers
    reasons = client.get(reverse("admin:field_failurereason_changelist")).content.decode()
    assert "Araç giremedi" in reasons and "Kar yağışı" not in reasons
    assert client.get(reverse("admin:field_failurereason_change", args=[their_reason.pk])).status_code == 302
    add = client.get(reverse("admin:field_machine_add")).content.decode()
    assert "Kayseri Fen İşleri" not in add and "Fen İşleri Müdürlüğü" in add
    # Another institution's unit cannot be chosen for a new machine.
    response = client.post(
        reverse("admin:field_machine_add"),
        {"unit": kayseri_unit.pk, "kind": "truck", "name": "Sahte", "plate": "", "status": "available"},
    )
    assert response.status_code == 200 and not Machine.objects.filter(name="Sahte").exists()
    response = client.post(
        reverse("admin:field_machine_add"),
        {
            "unit": world.roads.pk,
            "kind": "truck",
            "name": "Kamyon 8",
            "plate": "34 km 808",
            "status": "available",
        },
    )
    assert response.status_code == 302
    added = Machine.objects.get(name="Kamyon 8")
    assert added.plate == "34KM808" and added.status_at is not None
    bad = client.post(
        reverse("admin:field_machine_add"),
        {"unit": world.roads.pk, "kind": "truck", "name": "Kamyon 9", "plate": "???", "status": "available"},
    )
    assert "Bu bir plaka değil; 01 ABC 123 biçiminde yazın." in bad.content.decode()


def test_the_admin_does_not_bring_back_a_machine_that_is_out(client, world, administrator):
    world.order(world.case(), machines=[world.grader])
    signed_in(client, administrator)
    response = client.post(
        reverse("admin:field_machine_change", args=[world.grader.pk]),
        {
            "unit": world.roads.pk,
            "kind": "grader",
            "name": "Greyder 3",
            "plate": "34ABC123",
            "status": "available",
        },
    )
    assert response.status_code == 200
    world.grader.refresh_from_db()
    assert world.grader.status == Machine.Status.OUT


def test_the_admin_shows_work_orders_and_the_phone_s_ledger_for_reading_and_revokes_device_keys(
    client, world, administrator, make_user, other_institution
):
    from django.contrib.auth.models import Permission

    from kentmasa.field import services
    from kentmasa.field.models import DeviceToken, FieldAction, WorkOrder

    administrator.user_permissions.add(*Permission.objects.filter(content_type__app_label="field"))
    order = world.order(world.case())
    services.apply(world.mehmet, api_world.action("set_out", order))
    services.issue_device(world.mehmet, "Mehmet'in telefonu")
    kayseri_unit = Unit.objects.create(institution=other_institution, name="Kayseri Fen İşleri")
    kayseri_team = Team.objects.create(unit=kayseri_unit, name="Kayseri Yol Ekibi")
    stranger = make_user(
        User.Role.FIELD_TEAM, "kayseri_saha", teams=[kayseri_team], institution_=other_institution
    )
    services.issue_device(stranger, "Kayseri telefonu")
    signed_in(client, administrator)
    orders = client.get(reverse("admin:field_workorder_changelist")).content.decode()
    assert "Asfalt Ekibi 1" in orders
    assert client.get(reverse("admin:field_workorder_add")).status_code == 403
    ledger = client.get(reverse("admin:field_fieldaction_changelist")).content.decode()
    assert "set_out" in ledger
    devices = client.get(reverse("admin:field_devicetoken_changelist")).content.decode()
    assert "Mehmet&#x27;in telefonu" in devices and "Kayseri telefonu" not in devices
    theirs = DeviceToken.objects.get(user=stranger)
    mine = DeviceToken.objects.get(user=world.mehmet)
    response = client.post(
        reverse("admin:field_devicetoken_changelist"),
        {"action": "revoke", "_selected_action": [mine.pk, theirs.pk]},
        follow=True,
    )
    assert "1 cihaz anahtarı iptal edildi." in response.content.decode()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None  # not hers to revoke
    assert FieldAction.objects.filter(user=world.mehmet).count() == 1
    assert WorkOrder.objects.count() == 1
