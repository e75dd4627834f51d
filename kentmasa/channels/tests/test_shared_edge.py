"""The shared channel edge (channels/edge.py) and the fixture replay helper (channels/testing.py)."""

import base64
import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kentmasa.channels import edge
from kentmasa.channels.testing import fixture_body, replay
from kentmasa.lib.lockout import rate_seconds


def test_hmac_matches_the_standard_library_in_hex_and_base64():
    body = "Çukur var".encode()
    raw = hmac.new(b"s3cret", body, hashlib.sha256)
    assert edge.hmac_sha256("s3cret", body) == raw.hexdigest()
    assert edge.hmac_sha256("s3cret", body, encoding="base64") == base64.b64encode(raw.digest()).decode()
    with pytest.raises(ValueError):
        edge.hmac_sha256("s3cret", body, encoding="rot13")


def test_signature_with_or_without_prefix_and_nothing_without_a_secret():
    body = b'{"a": 1}'
    good = "sha256=" + edge.hmac_sha256("k", body)
    assert edge.signature_ok(good, "k", body, prefix="sha256=")
    assert edge.signature_ok(good[len("sha256=") :], "k", body, prefix="sha256=")
    assert edge.signature_ok(f"  {good} ", "k", body, prefix="sha256=")
    assert not edge.signature_ok(good, "k", body + b" ", prefix="sha256=")
    assert not edge.signature_ok(good, "other", body, prefix="sha256=")
    assert not edge.signature_ok(good, "", body, prefix="sha256=")
    assert not edge.signature_ok("", "k", body)
    assert not edge.signature_ok("sha256=ğ", "k", body, prefix="sha256=")


def test_same_secret_is_never_true_for_empty_values():
    assert edge.same_secret("abc", "abc")
    assert not edge.same_secret("abc", "abd")
    assert not edge.same_secret("", "")
    assert not edge.same_secret(None, "x")


def test_channel_settings_override_defaults(settings):
    settings.KENTMASA_TESTCHANNEL = {"b": 3}
    assert edge.channel_settings("KENTMASA_TESTCHANNEL", {"a": 1, "b": 2}) == {"a": 1, "b": 3}
    assert edge.channel_settings("KENTMASA_NOT_SET_ANYWHERE", {"a": 1}) == {"a": 1}


def test_parse_map_reads_both_separators_and_skips_junk():
    assert edge.parse_map("155=emniyet, 153:adana,,=x,y=, bad") == {"155": "emniyet", "153": "adana"}
    assert edge.parse_map("106540352242922:adana") == {"106540352242922": "adana"}
    assert edge.parse_map("") == {}


@pytest.mark.django_db
def test_institution_for_by_slug_id_and_normalised_key(institution, other_institution):
    mapping = {"0 444 01 53": institution.slug, "155": str(other_institution.pk), "999": "nowhere"}
    digits = lambda text: "".join(ch for ch in text if ch.isdigit())  # noqa: E731
    assert edge.institution_for(mapping, "0444-0153", normalise=digits) == institution
    assert edge.institution_for(mapping, "155") == other_institution
    assert edge.institution_for(mapping, "999") is None
    assert edge.institution_for(mapping, "") is None
    assert edge.institution_for(None, "155") is None


class _Files(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/big":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the limit must act while reading
            self.wfile.write(b"x" * 5000)
        elif self.path == "/declared":
            self.send_response(200)
            self.send_header("Content-Length", "999999")
            self.end_headers()
        elif self.path == "/expired":
            self.send_response(401)
            self.end_headers()
        elif self.path == "/busy":
            self.send_response(503)
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"photo")

    def log_message(self, *args):
        pass


@pytest.fixture
def files_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_is_bounded_and_tells_temporary_from_permanent(files_server):
    assert edge.download(f"{files_server}/photo", max_bytes=100) == b"photo"
    with pytest.raises(edge.TooLarge):
        edge.download(f"{files_server}/big", max_bytes=1000)
    with pytest.raises(edge.TooLarge):
        edge.download(f"{files_server}/declared", max_bytes=1000)
    with pytest.raises(edge.DownloadError) as expired:
        edge.download(f"{files_server}/expired", max_bytes=100)
    assert expired.value.status == 401 and not expired.value.temporary
    with pytest.raises(edge.DownloadError) as busy:
        edge.download(f"{files_server}/busy", max_bytes=100)
    assert busy.value.temporary
    with pytest.raises(edge.DownloadError) as refused:
        edge.download("http://127.0.0.1:9/none", max_bytes=100, timeout=2)
    assert refused.value.temporary
    with pytest.raises(edge.DownloadError):
        edge.download("file:///etc/passwd", max_bytes=100)


def test_fixture_body_drops_the_source_note_and_replay_signs_what_it_posts(client):
    body = fixture_body({"_source": "https://example.org/doc", "entry": [{"id": "1"}]})
    assert b"_source" not in body and b'"entry"' in body
    seen = {}

    def sign(raw):
        seen["body"] = raw
        return {"X-Test-Signature": edge.hmac_sha256("k", raw)}

    response = replay(client, "/bu-adres-yok/", body, sign=sign)
    assert seen["body"] == body
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("rate", "seconds"),
    [
        ("10/m", 60), ("600/h", 3600), ("5/s", 1), ("100/d", 86400), ("100/2h", 7200),
        ("x", 60), ("5/q", 60), ("5/0m", 60),
    ],
)
def test_rate_seconds(rate, seconds):
    assert rate_seconds(rate) == seconds


def test_read_json_cleans_nul_and_refuses_what_is_not_json():
    assert edge.read_json(b'{"a": "x\\u0000y", "b\\u0000": [1]}') == {"a": "xy", "b": [1]}
    assert edge.read_json('"ğ"') == "ğ"
    for body in (b"{", b"\xff\xfe", b"[" * 100_000, b"nan?", "[" * 5000 + "]" * 5000):
        with pytest.raises(edge.Malformed):
            edge.read_json(body)


def test_a_flow_answer_nested_beyond_reason_is_kept_as_text():
    from kentmasa.channels.whatsapp.parse import _flow_answers

    deep = "[" * 100_000
    assert _flow_answers({"response_json": deep}) == deep
    assert _flow_answers({"response_json": '{"sokak": "Gül", "flow_token": "t"}'}) == "sokak: Gül"
