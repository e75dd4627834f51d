"""Short words and numbers ("no 17", "D:3") through the word index: the same answers as reading every row.

The reference below reads every case's search text and applies the rules kentmasa.cases.search documents;
the search must find exactly the same cases, after the texts change (a citizen's name, a transfer's rebuild,
anonymisation) and after deletes, on SQLite and PostgreSQL. And the query plans read the index, not the table.
"""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kentmasa.cases import search, services
from kentmasa.cases.citizens import find_or_create_citizen
from kentmasa.cases.models import ACTIVE_STATUSES, Case
from kentmasa.lib import turkish
from kentmasa.privacy.anonymise import anonymise_case

pytestmark = pytest.mark.django_db

PIECES = re.compile(r"[^\W_]+")

TEXTS = [
    ("Işıklar Sokak No:17/A önünde çukur", "Kaldırım çökmüş", "Ayşe Işık"),
    ("Işıklar Sokak no 170 lamba yanmıyor", "Gece karanlık", "Ali Su"),
    ("Işıklar sokakta no 17 çöp", "Konteyner taştı", "İsmail Çelik"),
    ("İnönü Bulvarı D:3 su kesintisi", "2017'den beri sorun", "Şükrü Öz"),
    ("ŞİŞLİ no 7 D:12 ağaç", "Dal kırık, no 17 değil", "Ümran Ak"),
    ("Atatürk Caddesi 17. sokak", "D 3 daire, kapı no:3", "Oğuz Kaya"),
    ("Kurtuluş Mah. No.17 B blok", "İ blok önü, ı harfi", "Işıl Ay"),
    ("Noter önü gürültü", "Normal değil, 1 7 numara", "Zeynep Yılmaz"),
]

QUERIES = [
    "ışıklar sokak no 17",
    "IŞIKLAR SOKAK NO 17",
    "no 17",
    "No:17",
    "no:17/a",
    "17/A",
    "D:3",
    "d 3",
    "d:12",
    "no",
    "NO",
    "n",
    "çö",
    "co",
    "ı",
    "İ",
    "i blok",
    "öz",
    "ak",
    "su",
    "2017 beri",
    "no 170",
    "şişli d:12",
    "ŞİŞLİ no 7",
    "ışıklar no",
    "x9",
    "--",
    ": 17",
    "a",
]


def reference(query):
    """Every case's search text read and matched by the documented rules: the naive full scan."""
    words = turkish.fold(query).split()
    found = set()
    for pk, text in Case.objects.values_list("pk", "search_text"):
        tokens = PIECES.findall(text)
        ok = True
        for word in words:
            pieces = PIECES.findall(word)
            if len(word) >= 3 and any(len(piece) >= 3 for piece in pieces):
                ok = ok and word in text
                continue
            for piece in pieces:
                if piece.isascii() and piece.isdigit():
                    ok = ok and piece in tokens
                else:
                    ok = ok and any(token.startswith(piece) for token in tokens)
            if pieces and pieces != [word]:
                ok = ok and word in text
        if ok:
            found.add(pk)
    return found


def found(query, cases=None):
    return set(
        search.search_cases(Case.objects.all() if cases is None else cases, query).values_list(
            "pk", flat=True
        )
    )


@pytest.fixture
def corpus(institution, category):
    made = []
    for subject, description, name in TEXTS:
        citizen = find_or_create_citizen(institution, name=name)
        made.append(
            services.open_case(
                institution=institution,
                channel="phone",
                subject=subject,
                description=description,
                category=category,
                citizen=citizen,
            )
        )
    return made


def assert_like_reference():
    for query in QUERIES:
        assert found(query) == reference(query), query


def test_short_words_and_numbers_find_what_a_full_scan_finds(corpus):
    assert_like_reference()


@pytest.mark.parametrize("words_first_max", [0, 10**9])
def test_both_ways_of_reading_long_words_beside_short_ones(corpus, monkeypatch, words_first_max):
    """PostgreSQL checks the long words on the rows of the short ones when those are few, else through the
    trigram index: both ways give the full scan's answer."""
    monkeypatch.setattr(search, "WORDS_FIRST_MAX", words_first_max)
    assert_like_reference()


def test_the_meaning_of_short_words(corpus):
    sokak_17a, _sokak_170, sokakta_17, inonu_d3, sisli, ataturk, kurtulus, noter = (c.pk for c in corpus)
    # A number of one or two digits is a whole number: "17" is not in "170" nor in "2017".
    assert found("ışıklar sokak no 17") == {sokak_17a, sokakta_17}
    assert found("no 17") == {sokak_17a, sokakta_17, sisli, ataturk, kurtulus}
    assert found("17 d:12") == {sisli}
    assert found("sokak 17") == {sokak_17a, sokakta_17, ataturk}
    # Digits alone are an identifier (tracking number, TC kimlik no, phone), as before: not a word search.
    assert found("17") == set()
    # Written with its punctuation, the number must also be there as typed.
    assert found("No:17") == {sokak_17a}
    assert found("D:3") == {inonu_d3}
    assert found("d 3") == {inonu_d3, ataturk}
    # Letters are the start of a word: "no" finds "Noter" and "Normal", "çö" finds "çöp" and "çökmüş".
    assert found("çö") == {sokak_17a, sokakta_17}
    assert noter in found("no")
    assert found("İ blok") == {kurtulus}
    # Punctuation alone matches nothing and narrows nothing.
    assert found("--") == {c.pk for c in corpus}


def test_in_the_given_scope(corpus, parks):
    assert found("no 17", Case.objects.filter(unit=parks)) == set()
    some = Case.objects.filter(pk__in=[corpus[0].pk, corpus[1].pk])
    assert found("no 17", some) == {corpus[0].pk}


def test_the_index_follows_edits_deletes_and_merges(corpus, institution):
    first, second = corpus[0], corpus[1]
    Case.objects.filter(pk=first.pk).update(search_text=turkish.fold("Yeni metin D:9 no 44"))
    assert found("no 17") == reference("no 17")
    assert first.pk not in found("no 17")
    assert found("d:9") == {first.pk}
    assert found("metin 44") == {first.pk}
    # A citizen's new name reaches the search text of their cases (and so the word index).
    citizen = second.citizen
    citizen.name = "Ed Oz"
    citizen.save()
    services.refresh_search_text(citizen)
    assert found("ed oz") == {second.pk}
    assert found("su") == reference("su")
    # A merged duplicate is still found by its own words; a deleted case is not found at all.
    services.merge(corpus[3], actor=None, into=corpus[4])
    assert found("D:3") == {corpus[3].pk}
    Case.objects.filter(pk=corpus[2].pk).delete()
    assert corpus[2].pk not in found("no 17")
    assert_like_reference()


def test_anonymisation_leaves_no_short_word_of_the_person(corpus):
    case = corpus[1]  # "Ali Su"
    assert case.pk in found("ali su")
    anonymise_case(Case.objects.get(pk=case.pk), reason="test")
    text = Case.objects.get(pk=case.pk).search_text
    assert "su" not in PIECES.findall(text)
    assert case.pk not in found("ali su")
    assert case.pk not in found("su")
    assert_like_reference()


def _plan(queryset):
    sql, params = queryset.query.sql_with_params()
    return _plan_sql(sql, params)


def _plan_sql(sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize("query", ['"', "*", "no*", "NEAR(a b)", "a AND", "²", "ǅ x", "^1", "d:*", "x_1 _"])
def test_odd_input_is_searched_not_an_error(corpus, query):
    assert found(query) == reference(query)


@pytest.mark.parametrize("words_first_max", [0, 10**9])
@pytest.mark.parametrize("query", ["no 17", "D:3", "sokak 17", "ışıklar sokak no 17", "çö"])
def test_short_words_are_read_from_the_word_index_not_the_table(corpus, query, monkeypatch, words_first_max):
    monkeypatch.setattr(search, "WORDS_FIRST_MAX", words_first_max)
    with CaptureQueriesContext(connection) as sent:  # PostgreSQL reads few matches' keys first (_fenced)
        queryset = search.search_cases(Case.objects.all(), query)
    read = [q["sql"] for q in sent.captured_queries if not q["sql"].startswith("EXPLAIN")]
    with transaction.atomic():
        plan = "\n".join([_plan_sql(sql, ()) for sql in read] + [_plan(queryset.values("pk")[:50])])
    if connection.vendor == "postgresql":
        assert "Seq Scan on cases_case" not in plan, plan
        assert "case_search_words" in plan or "case_search_trgm" in plan, plan
        if words_first_max or query in {"no 17", "D:3", "çö"}:
            assert "case_search_words" in plan, plan
    else:
        assert not re.search(r"SCAN cases_case( |$)", plan, re.MULTILINE), plan
        if words_first_max or query in {"no 17", "D:3", "çö"}:
            assert "cases_case_words VIRTUAL TABLE" in plan, plan
        else:  # most cases have the short words: the long ones pick the rows
            assert "cases_case_search VIRTUAL TABLE" in plan, plan


@pytest.mark.parametrize("words_first_max", [0, 10**9])
def test_inside_a_subquery_as_the_queue_pages_it(corpus, monkeypatch, words_first_max):
    """The queue picks a page's ids in a subquery (id IN (… LIMIT n)), where Django renames cases_case."""
    monkeypatch.setattr(search, "WORDS_FIRST_MAX", words_first_max)
    for query in ["ışıklar sokak no 17", "no 17", "D:3", "çö", "ışıklar no"]:
        inner = search.search_cases(Case.objects.all(), query).order_by("pk").values("pk")[:50]
        outer = Case.objects.filter(pk__in=inner)
        assert set(outer.values_list("pk", flat=True)) == reference(query), query


@pytest.mark.parametrize("words_first_max", [0, 10**9])
def test_a_list_of_the_newest_matches_is_the_newest_of_all_matches(corpus, monkeypatch, words_first_max):
    """Read apart first (PostgreSQL, few matches) or not, the newest page of a search is the newest of every
    match, and the deadline order and the count are those of the full scan: nothing is capped."""
    monkeypatch.setattr(search, "WORDS_FIRST_MAX", words_first_max)
    for query in ["ışıklar sokak no 17", "no 17", "D:3", "ışıklar no", "çö"]:
        matches = search.search_cases(Case.objects.all(), query)
        expected = list(
            Case.objects.filter(pk__in=reference(query))
            .order_by("-received_at", "-pk")
            .values_list("pk", flat=True)
        )
        assert list(matches.order_by("-received_at", "-pk").values_list("pk", flat=True)[:2]) == expected[:2]
        assert matches.count() == len(expected), query
        by_deadline = Case.objects.filter(pk__in=reference(query)).order_by("due_at", "pk")
        assert list(matches.order_by("due_at", "pk")) == list(by_deadline), query


def _outside_init_plans(plan: str) -> str:
    """The lines of a PostgreSQL text plan that are not under an InitPlan."""
    kept, depth = [], None
    for line in plan.splitlines():
        indent = len(line) - len(line.lstrip())
        if depth is not None and indent > depth:
            continue
        depth = indent if line.lstrip().startswith("InitPlan") else None
        if depth is None:
            kept.append(line)
    return "\n".join(kept)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's plans; SQLite's are checked above"
)
@pytest.mark.parametrize("query", ["ışıklar sokak no 17", "no 17", "D:3"])
def test_few_matches_are_read_from_the_word_index_before_the_list(corpus, institution, query):
    """A search with few cases' short words reads their keys first, once, from the word index; the list's
    own queries then pick their rows by those keys (an InitPlan of the keys, no table): no row of the list's
    scan has its words computed, so no walk along the newest-first or the queue's index checks each row
    (7.6–24 s at 10M cases for "ışıklar sokak no 17" on the API's newest-first list). Which index reads the
    rows by key is the planner's (the primary key at scale)."""
    scoped = Case.objects.filter(institution=institution)
    active = scoped.filter(status__in=ACTIVE_STATUSES, due_at__isnull=False)
    for ordered in [scoped.order_by("-received_at", "-pk"), active.order_by("due_at", "pk")]:  # API, queue
        with CaptureQueriesContext(connection) as sent:
            matches = search.search_cases(ordered, query)
        read = [q["sql"] for q in sent.captured_queries if not q["sql"].startswith("EXPLAIN")]
        assert len(read) == 1, read  # the matches' keys, once
        with transaction.atomic():
            first = _plan_sql(read[0], ())
            plan = _plan(matches.values("pk")[:50])
        assert "Bitmap Index Scan on case_search_words" in first, first
        assert "Seq Scan on cases_case" not in first + plan, plan
        outside = _outside_init_plans(plan)
        init_plan = [line for line in plan.splitlines() if line not in outside.splitlines()]
        assert init_plan and not any("cases_case" in line for line in init_plan), plan  # the keys, no table
        assert "= ANY ($0)" in outside, plan
        assert "kentmasa_search_words" not in plan, plan
        assert "strpos" not in plan, plan


@pytest.mark.parametrize("words_first_max", [0, 10**9])
def test_a_search_stays_inside_the_callers_scope(corpus, other_institution, monkeypatch, words_first_max):
    """The matches read apart (PostgreSQL) are every institution's, but they only narrow the caller's own
    cases: another institution's case with the same words is never found."""
    monkeypatch.setattr(search, "WORDS_FIRST_MAX", words_first_max)
    theirs = services.open_case(
        institution=other_institution, channel="phone", subject="Işıklar Sokak No 17", description="D:3 no 17"
    )
    ours = Case.objects.filter(institution=corpus[0].institution)
    for query in ["ışıklar sokak no 17", "no 17", "D:3"]:
        assert theirs.pk in found(query), query
        assert found(query, ours) == reference(query) - {theirs.pk}, query


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the matches are read apart on PostgreSQL only")
def test_more_matches_than_the_statistics_said_are_searched_the_plain_way(corpus, monkeypatch):
    """A word index just built has no statistics yet, and PostgreSQL then guesses few matches for a word most
    cases have: the keys read apart stop at WORDS_FIRST_MAX and the search goes the plain way, not a million
    keys read into Python."""
    monkeypatch.setattr(search, "_few_with_words", lambda using, keys: True)  # the planner's wrong guess
    monkeypatch.setattr(search, "WORDS_FIRST_MAX", 2)
    for query in ["no", "ışıklar no", "no 17"]:
        assert len(reference(query)) > 2, query
        with CaptureQueriesContext(connection) as sent:
            matches = search.search_cases(Case.objects.all(), query)
            listed = set(matches.values_list("pk", flat=True))
        assert listed == reference(query), query
        assert not any("ANY(ARRAY(" in q["sql"] for q in sent.captured_queries), query
        keys_read = [q["sql"] for q in sent.captured_queries if "LIMIT 3" in q["sql"]]
        assert keys_read, query  # at most WORDS_FIRST_MAX + 1 keys were read
