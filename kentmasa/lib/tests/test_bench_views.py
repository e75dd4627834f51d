"""The bare views bench/over_http.py compares the screens with: off unless switched on, and what they do."""

import importlib

import pytest
from django.db import connection
from django.test import RequestFactory, override_settings
from django.urls import Resolver404, clear_url_caches, resolve

from kentmasa.lib import bench_views


def _reload_urls() -> None:
    import kentmasa.urls

    importlib.reload(kentmasa.urls)
    clear_url_caches()


def test_not_mounted_by_default(client):
    with pytest.raises(Resolver404):
        resolve("/bench/bare")
    assert client.get("/bench/bare").status_code == 404
    assert client.post("/bench/insert", "x", content_type="text/plain").status_code in {403, 404}


def test_mounted_only_when_switched_on():
    try:
        with override_settings(KENTMASA_BENCH_VIEWS=True):
            _reload_urls()
            assert resolve("/bench/bare").func is bench_views.bare
            assert resolve("/bench/insert").func is bench_views.insert
    finally:
        _reload_urls()
    with pytest.raises(Resolver404):
        resolve("/bench/insert")


def test_bare_answers_a_fixed_text():
    response = bench_views.bare(RequestFactory().get("/bench/bare"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert bench_views.bare(RequestFactory().post("/bench/bare")).status_code == 405


@pytest.mark.django_db
def test_insert_writes_one_row_and_says_when_the_table_is_missing():
    request = RequestFactory().post("/bench/insert", "hello", content_type="text/plain")
    assert bench_views.insert(request).status_code == 503
    bench_views.create_table()
    assert bench_views.insert(request).status_code == 201
    assert bench_views.insert(request).status_code == 201
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), min(note) FROM {bench_views.TABLE}")  # noqa: S608
        assert cursor.fetchone() == (2, "hello")
    assert bench_views.insert(RequestFactory().get("/bench/insert")).status_code == 405
