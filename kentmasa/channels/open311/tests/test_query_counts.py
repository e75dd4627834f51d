"""Ayşe's Open311 app reports a pothole in a fixed number of queries, the same on SQLite and PostgreSQL.

A change that adds a query to every report (or one per photo, per attribute) shows up here. The measured
report follows another one from the same phone, so what a process does once is not counted.
"""

import pytest

from kentmasa.cases.models import Case, Channel
from kentmasa.channels.models import Message
from kentmasa.channels.open311.tests.test_open311 import API_KEY, as_json, ayse_report, post_form

pytestmark = pytest.mark.django_db

# The rate counter in the shared (database) cache: added (it is there already: the insert is rolled back to
# its savepoint), read and raised (12); the jurisdiction's institution and the service; then, under the
# request's savepoint: the earlier request looked for by token and by fingerprint, the message, and
# intake.open_from's savepoint with a new citizen (nothing is proven, so nobody is looked up: its own
# savepoint) and the case (the deadline's service, unit, the map's freshness and the days off; the case,
# its number and "open" event under one more savepoint); the message gets its case and the "open" event is
# read for the photos.
# -2 from the per-process set-up cache (kentmasa.lib.process_cache); with the live event of the opening
# (kentmasa.notify.live) and +2 KVKK (the notice)
REPORT_QUERIES = 36


@pytest.fixture(autouse=True)
def open311_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KENTMASA_OPEN311 = {
        "jurisdictions": {"esenler.bel.tr": "esenler"},
        "default_jurisdiction": "esenler.bel.tr",
        "api_keys": {API_KEY: "Kent Cebimde"},
        "rate": "1000/d",
    }


def test_a_report_takes_a_fixed_number_of_queries(client, category, django_assert_num_queries):
    assert post_form(client, ayse_report(category, description="Kaldırım taşı kırık.")).status_code == 200

    with django_assert_num_queries(REPORT_QUERIES):
        response = post_form(client, ayse_report(category))

    assert response.status_code == 200, response.content
    [answer] = as_json(response)
    case = Case.objects.get(tracking_number=answer["service_request_id"])
    assert case.channel == Channel.OPEN311 and Case.objects.count() == 2
    assert Message.objects.filter(case=case, channel=Channel.OPEN311).count() == 1
