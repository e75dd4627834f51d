"""Ayşe the operator finds a caller by surname alone or by the part of the number she heard, through an index.

A million citizens must not be read one by one: a surname and a piece of a phone number are looked up in
the trigram indexes on the citizen table (PostgreSQL: citizen_name_trgm, citizen_phone_trgm; SQLite: the
FTS5 table cases_citizen_search), and every look-up stops at its limit.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kentmasa.cases.models import Citizen
from kentmasa.cases.search import find_citizens

pytestmark = pytest.mark.django_db


@pytest.fixture
def callers(institution, other_institution):
    def person(name, phone, where=institution):
        return Citizen.objects.create(institution=where, name=name, phone=phone)

    return {
        "ayse": person("Ayşe Çiftçi", "+905075241234"),
        "mehmet": person("Mehmet Çiftçioğlu", "+905441112233"),
        "elif": person("Elif Yılmaz", "+905075249876"),
        "hasan": person("Hasan Kaya", "+905321112233"),
        "farmer": person("Nuri Tarım", "+905551234567"),  # "çiftçi" is also a word; not in this name
        "kayseri": person("Ayşe Çiftçi", "+905075241234", where=other_institution),
    }


def names(query, institution):
    return [citizen.name for citizen in find_citizens(query, institution)]


@pytest.mark.parametrize("query", ["Çiftçi", "ciftci", "ÇİFTÇİ", "çiftçi"])
def test_a_surname_alone_finds_the_caller(callers, institution, query):
    assert names(query, institution) == ["Ayşe Çiftçi", "Mehmet Çiftçioğlu"]


def test_name_words_in_any_order_narrow_the_list(callers, institution):
    assert names("çiftçi ayşe", institution) == ["Ayşe Çiftçi"]
    assert names("AYSE CIFTCI", institution) == ["Ayşe Çiftçi"]
    assert names("ayşe", institution) == ["Ayşe Çiftçi"]
    # Words must start a word of the name: "ftçi" is inside "Çiftçi", not the start of anything.
    assert names("ftçi", institution) == []


@pytest.mark.parametrize("query", ["0507 524", "507524", "+90 507 524", "0090 507 524", "0507-524"])
def test_a_piece_of_the_number_finds_the_callers_it_fits(callers, institution, query):
    assert names(query, institution) == ["Ayşe Çiftçi", "Elif Yılmaz"]


def test_whole_numbers_and_short_pieces(callers, institution):
    assert names("0507 524 12 34", institution) == ["Ayşe Çiftçi"]
    assert names("0507 5", institution) == []  # too short to pick a caller out of a million numbers
    assert names("1234", institution) == []


def test_a_pasted_page_is_cut_to_a_name_and_a_number(callers, institution):
    # Two thousand words would be two thousand index probes (and past SQLite's expression depth).
    assert names("çiftçi " * 2000, institution) == ["Ayşe Çiftçi", "Mehmet Çiftçioğlu"]
    assert names("5" * 5000, institution) == []


def test_another_institutions_records_are_never_found(callers, other_institution, institution):
    assert names("çiftçi", other_institution) == ["Ayşe Çiftçi"]
    assert [c.pk for c in find_citizens("0507 524", other_institution)] == [callers["kayseri"].pk]


def test_a_renamed_citizen_is_found_by_the_new_name_only(callers, institution):
    ayse = callers["ayse"]
    ayse.name = "Ayşe Demirci"
    ayse.save()

    assert names("çiftçi", institution) == ["Mehmet Çiftçioğlu"]
    assert names("demirci", institution) == ["Ayşe Demirci"]


def test_the_console_lookup_shows_the_caller_found_by_surname(callers, client, operator, make_case):
    make_case(citizen=callers["ayse"], subject="Sokak lambası yanmıyor")
    client.force_login(operator)

    by_surname = client.get("/konsol/arayan", {"q": "Çiftçi"}).content.decode()
    by_piece = client.get("/konsol/arayan", {"q": "0507 524"}).content.decode()

    for page in (by_surname, by_piece):
        assert "Ayşe Çiftçi" in page and "Sokak lambası yanmıyor" in page
        assert "Mehmet" not in page  # no case here, so not shown


def plans(queries) -> str:
    """The database's plan of each captured look-up query (PostgreSQL told to avoid table scans and walks
    along the institution index where it can: the test asks whether the trigram index serves it)."""
    out = []
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")  # nor walk the institution's rows in order
        for query in queries:
            explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
            cursor.execute(explain + query["sql"])
            out.append(" ".join(str(part) for row in cursor.fetchall() for part in row))
    return "\n".join(out)


@pytest.mark.parametrize(("query", "index"), [("çiftçi", "name"), ("0507 524", "phone")])
def test_each_lookup_is_served_by_an_index_and_bounded(callers, institution, query, index):
    if connection.vendor == "postgresql":
        # PostgreSQL's planner weighs the table: with a handful of rows it would rightly read all of the
        # institution's. Enough people of the same institution make that index narrow nothing down.
        Citizen.objects.bulk_create(
            Citizen(institution=institution, name=f"Kişi {i}", name_key=f"kisi {i}", phone=f"+90532{i:07d}")
            for i in range(20_000)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_citizen")
    with CaptureQueriesContext(connection) as captured:
        find_citizens(query, institution)
    looked_up = [q for q in captured.captured_queries if "cases_citizen" in q["sql"]]

    assert looked_up and all("LIMIT" in q["sql"] for q in looked_up)
    plan = plans(looked_up[-1:])
    if connection.vendor == "sqlite":
        assert "cases_citizen_search VIRTUAL TABLE INDEX" in plan, plan
        assert "SCAN cases_citizen " not in plan + " ", plan
    else:
        assert f"citizen_{index}_trgm" in plan, plan
