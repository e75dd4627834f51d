"""The demo's privacy notices: published once for Adana (two form versions) and the police directorate."""

import pytest

from kentmasa.cases import services
from kentmasa.cases.models import Channel
from kentmasa.demo import privacy_notices
from kentmasa.demo.retention import POLICE_SLUG
from kentmasa.demo.tables import ADANA_SLUG
from kentmasa.directory.models import Institution
from kentmasa.privacy.models import Notice, NoticeShown

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_its_notices_once_and_cases_record_them():
    adana = Institution.objects.create(slug=ADANA_SLUG, name="Adana BB", kind=Institution.Kind.METROPOLITAN)
    Institution.objects.create(slug=POLICE_SLUG, name="Eskişehir İEM", kind=Institution.Kind.POLICE)
    privacy_notices.set_up()
    privacy_notices.set_up()
    assert Notice.objects.filter(institution=adana).count() == 6
    assert list(
        Notice.objects.filter(institution=adana, channel_group="form").values_list("version", flat=True)
    ) == [2, 1]
    assert Notice.objects.filter(institution__slug=POLICE_SLUG, channel_group="default").count() == 1
    case = services.open_case(
        institution=adana, channel=Channel.WEB, subject="Çukur", received_at=adana_now()
    )
    shown = NoticeShown.objects.select_related("notice").get(case=case)
    assert (shown.notice.channel_group, shown.notice.version) == ("form", 2)


def adana_now():
    from django.utils import timezone

    return timezone.now()
