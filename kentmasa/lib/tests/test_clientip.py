import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.utils.module_loading import import_string

from kentmasa.lib.clientip import client_ip


def request(remote="10.0.0.2", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        # No proxy: the header is whatever the client wrote and is ignored.
        (0, None, "10.0.0.2"),
        (0, "198.51.100.1", "10.0.0.2"),
        # One load balancer: it appended the address it saw, the rightmost entry.
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "192.0.2.66, 198.51.100.1", "198.51.100.1"),
        (1, "192.0.2.66,198.51.100.1", "198.51.100.1"),
        (1, "  198.51.100.1  ", "198.51.100.1"),
        # A CDN then a balancer: the CDN's entry, second from the right.
        (2, "192.0.2.66, 198.51.100.1, 203.0.113.5", "198.51.100.1"),
        (2, "198.51.100.1, 203.0.113.5", "198.51.100.1"),
        # Fewer entries than proxies (not through every proxy): the connection's address.
        (1, None, "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, " , ", "10.0.0.2"),
        (2, "198.51.100.1", "10.0.0.2"),
        # IPv6, and entries with a port.
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "192.0.2.66, [2001:db8::1]:4711", "2001:db8::1"),
        (1, "198.51.100.1:4711", "198.51.100.1"),
        # Not an address where our proxy writes one: the connection's address rather than an error.
        (1, "unknown", "10.0.0.2"),
        (1, "198.51.100.1, <script>", "10.0.0.2"),
    ],
)
def test_client_ip(settings, trusted, forwarded, expected):
    settings.KENTMASA_TRUSTED_PROXIES = trusted
    assert client_ip(request(forwarded=forwarded)) == expected


def test_the_client_cannot_choose_its_address_by_adding_entries(settings):
    settings.KENTMASA_TRUSTED_PROXIES = 1
    seen = {client_ip(request(forwarded=f"192.0.2.{i}, 198.51.100.1")) for i in range(5)}
    assert seen == {"198.51.100.1"}


def test_without_any_address_the_configuration_is_wrong(settings):
    settings.KENTMASA_TRUSTED_PROXIES = 0
    with pytest.raises(ImproperlyConfigured):
        client_ip(request(remote=""))
    settings.KENTMASA_TRUSTED_PROXIES = 1
    assert client_ip(request(remote="", forwarded="198.51.100.1")) == "198.51.100.1"


def test_django_ratelimit_uses_it():
    # django-ratelimit imports a dotted path given as RATELIMIT_IP_META_KEY and calls it with the request.
    assert import_string(django_settings.RATELIMIT_IP_META_KEY) is client_ip


def test_ratelimit_groups_ipv6_clients_by_their_slash_64(settings):
    from django_ratelimit.core import _get_ip

    settings.KENTMASA_TRUSTED_PROXIES = 1
    assert _get_ip(request(forwarded="2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::"
    assert _get_ip(request(forwarded="198.51.100.1, 2001:db8:1:2:bbbb::9")) == "2001:db8:1:2::"
