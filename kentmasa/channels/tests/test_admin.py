import pytest

from kentmasa.channels.models import ReplyTemplate
from kentmasa.directory.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("kok", "kok@example.com", "x"))
    return client


@pytest.mark.parametrize("model", ["message", "replytemplate", "referral", "incomingcall"])
def test_changelists_open_in_turkish(admin_client, model):
    response = admin_client.get(f"/admin/channels/{model}/")
    assert response.status_code == 200
    assert 'lang="tr"' in response.content.decode()


def test_a_reply_template_is_checked_before_it_is_saved(admin_client, institution):
    url = "/admin/channels/replytemplate/add/"
    base = {"institution": institution.pk, "channel": "sms", "action": "resolve", "subject": ""}
    base["active"] = "on"
    broken = admin_client.post(url, {**base, "body": "{% if note %}açık kalan etiket"})
    assert broken.status_code == 200 and not ReplyTemplate.objects.exists()
    unknown = admin_client.post(url, {**base, "action": "teleport", "body": "Merhaba"})
    assert unknown.status_code == 200 and not ReplyTemplate.objects.exists()
    body = "{{ institution }}: {{ tracking_number }} çözüldü. {{ note }}"
    saved = admin_client.post(url, {**base, "body": body})
    assert saved.status_code == 302
    assert ReplyTemplate.objects.get().updated_by.username == "kok"


def test_the_case_page_links_the_receipt_and_operators_see_the_desk(client, operator, make_case):
    case = make_case()
    client.force_login(operator)
    page = client.get(f"/vaka/{case.tracking_number}/").content.decode()
    assert f'href="/kanal/masa/makbuz/{case.tracking_number}/"' in page
    assert 'id="nav-desk"' in page and 'id="nav-referrals"' in page
    assert 'id="case-referral-answer"' not in page
