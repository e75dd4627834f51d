"""Turkish search: İ/ı and case behave as a Turkish speaker expects, on both databases."""

import pytest

from kentmasa.cases import search, services
from kentmasa.cases.citizens import find_or_create_citizen
from kentmasa.cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(institution, category):
    ayse = find_or_create_citizen(
        institution, name="Ayşe Işık", tc_kimlik="10000000146", phone="+905321234567"
    )
    ismail = find_or_create_citizen(institution, name="İsmail Çelik", phone="+905441112233")

    def make(subject, description, citizen):
        return services.open_case(
            institution=institution,
            channel="phone",
            subject=subject,
            description=description,
            category=category,
            citizen=citizen,
        )

    return {
        "istanbul": make("İSTANBUL caddesinde çukur", "Kaldırım kırık", ayse),
        "isparta": make("Isparta sokağında lamba yanmıyor", "Gece karanlık", ismail),
        "sisli": make("Şişli tarafında çöp", "Konteyner taşıyor", ismail),
    }


def found(query):
    return set(search.search_cases(Case.objects.all(), query).values_list("subject", flat=True))


@pytest.mark.parametrize("query", ["İSTANBUL", "istanbul", "Istanbul", "İstanbul", "istanbul caddesi"])
def test_istanbul_any_casing(cases, query):
    assert found(query) == {cases["istanbul"].subject}


@pytest.mark.parametrize("query", ["ISPARTA", "ıSPARTA", "isparta", "Isparta", "ISPARTA SOKAĞ"])
def test_isparta_any_casing(cases, query):
    assert found(query) == {cases["isparta"].subject}


def test_turkish_letters_typed_without_them(cases):
    assert found("sisli") == {cases["sisli"].subject}
    assert found("ŞİŞLİ") == {cases["sisli"].subject}
    assert found("cop konteyner") == {cases["sisli"].subject}


def test_every_word_must_match(cases):
    assert found("çukur lamba") == set()
    assert found("gece karanlık") == {cases["isparta"].subject}


def test_short_words_are_matched_too(cases):
    assert found("çö") == {cases["sisli"].subject}


def test_by_citizen_name_phone_tc_and_tracking_number(cases):
    assert found("ayşe ışık") == {cases["istanbul"].subject}
    assert found("AYSE ISIK") == {cases["istanbul"].subject}
    assert found("İSMAİL") == {cases["isparta"].subject, cases["sisli"].subject}
    assert found("0532 123 45 67") == {cases["istanbul"].subject}
    assert found("5441112233") == {cases["isparta"].subject, cases["sisli"].subject}
    assert found("10000000146") == {cases["istanbul"].subject}
    number = cases["sisli"].tracking_number
    assert found(number) == {cases["sisli"].subject}
    assert found(f"{number[:2]}-{number[2:-1]}-{number[-1]}") == {cases["sisli"].subject}


def test_search_respects_the_given_scope(cases, parks):
    scoped = Case.objects.filter(unit=parks)
    assert search.search_cases(scoped, "istanbul").count() == 0


def test_the_index_follows_updates_and_deletes(cases):
    case = cases["istanbul"]
    Case.objects.filter(pk=case.pk).update(search_text="tamamen baska metin")
    assert found("istanbul") == set()
    assert found("baska metin") == {case.subject}
    Case.objects.filter(pk=case.pk).delete()
    assert found("baska") == set()


def test_caller_lookup(cases, institution):
    names = [c.name for c in search.find_citizens("ayş", institution)]
    assert names == ["Ayşe Işık"]
    assert [c.name for c in search.find_citizens("ismail", institution)] == ["İsmail Çelik"]
    assert [c.name for c in search.find_citizens("0544 111 22 33", institution)] == ["İsmail Çelik"]
    assert [c.name for c in search.find_citizens("10000000146", institution)] == ["Ayşe Işık"]
    assert search.find_citizens("12345", institution) == []
