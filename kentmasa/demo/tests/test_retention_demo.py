"""The demo's KVKK retention: Adana's periods, a six-monthly run and one past run's records, once."""

import pytest

from kentmasa.demo import retention as demo_retention
from kentmasa.demo.tables import ADANA_SLUG
from kentmasa.directory.models import Institution, User
from kentmasa.notify.models import Notification
from kentmasa.privacy import retention
from kentmasa.privacy.models import DestructionSchedule
from kentmasa.retention.models import DestructionRecord


@pytest.mark.django_db
def test_adana_gets_its_periods_and_one_past_run_once(make_user):
    adana = Institution.objects.create(
        slug=ADANA_SLUG, name="Adana Büyükşehir Belediyesi", kind="metropolitan"
    )
    User.objects.create_user("adana_yonetici", role=User.Role.ADMINISTRATOR, institution=adana)
    demo_retention.set_up()
    demo_retention.set_up()
    assert retention.keep_days(adana)["attachments"] == 730
    schedule = DestructionSchedule.objects.get(institution=adana)
    assert schedule.interval_months == 6 and schedule.last_run_at is not None
    records = DestructionRecord.objects.filter(institution=adana)
    assert records.filter(category="case_data").count() == 1
    assert {r.category for r in records} >= {"case_data", "attachments", "raw_messages", "call_recordings"}
    assert Notification.objects.filter(kind="destruction_run", user__username="adana_yonetici").count() == 1
