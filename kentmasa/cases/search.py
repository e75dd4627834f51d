"""Turkish search over cases: tracking number, citizen name, phone, TC kimlik no, subject and description.

Everything searchable is kept folded in Case.search_text (kentmasa.lib.turkish.fold: Turkish lower
case, Turkish letters to plain ones), and the query is folded the same way, so "İSTANBUL",
"istanbul" and "Istanbul" meet, "ISPARTA" and "ıSPARTA" meet, and "sisli" finds "Şişli".
Each word of the query must occur somewhere (substring match). Exact identifiers — a tracking
number, a valid TC kimlik no, a phone number — are looked up directly by their own index.

Indexes: PostgreSQL uses a pg_trgm GIN index for LIKE '%…%'; SQLite an FTS5 trigram table
(cases_case_search) kept in step by triggers. Words shorter than three letters cannot use a
trigram index and are matched by scanning the rows the other words already selected.
"""

from django.db import connection as default_connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from kentmasa.cases.models import Case, Citizen
from kentmasa.cases.tracking import clean_tracking_number
from kentmasa.lib import phones, tckimlik, turkish

MIN_TRIGRAM = 3


def ensure_sqlite_index(connection=default_connection) -> None:
    """Create the FTS5 trigram table and its triggers if missing; rebuild it when newly made. Idempotent."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='cases_case_search'")
        created = cursor.fetchone() is None
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS cases_case_search USING fts5("
            "search_text, content='cases_case', content_rowid='id', tokenize='trigram')"
        )
        cursor.execute(
            "CREATE TRIGGER IF NOT EXISTS cases_case_search_ai AFTER INSERT ON cases_case BEGIN "
            "INSERT INTO cases_case_search(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        cursor.execute(
            "CREATE TRIGGER IF NOT EXISTS cases_case_search_ad AFTER DELETE ON cases_case BEGIN "
            "INSERT INTO cases_case_search(cases_case_search, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); END"
        )
        cursor.execute(
            "CREATE TRIGGER IF NOT EXISTS cases_case_search_au AFTER UPDATE OF search_text ON cases_case "
            "BEGIN "
            "INSERT INTO cases_case_search(cases_case_search, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); "
            "INSERT INTO cases_case_search(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        if created:
            cursor.execute("INSERT INTO cases_case_search(cases_case_search) VALUES ('rebuild')")


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def search_cases(cases: QuerySet[Case], query: str) -> QuerySet[Case]:
    """Narrow ``cases`` (already scoped to what the user may see) to those matching ``query``."""
    query = (query or "").strip()
    if not query:
        return cases
    exact = _exact_match(query)
    if exact is not None:
        return cases.filter(exact)
    words = turkish.fold(query).split()
    long_words = [w for w in words if len(w) >= MIN_TRIGRAM]
    if long_words and cases.db == "default" and default_connection.vendor == "sqlite":
        match = " ".join(_fts_phrase(w) for w in long_words)
        cases = cases.filter(
            pk__in=RawSQL("SELECT rowid FROM cases_case_search WHERE cases_case_search MATCH %s", [match])
        )
        words = [w for w in words if len(w) < MIN_TRIGRAM]
    for word in words:
        cases = cases.filter(search_text__contains=word)
    return cases


def _exact_match(query: str) -> Q | None:
    """A query of digits is an identifier: a tracking number, a TC kimlik no or a phone (any that fits)."""
    compact = "".join(ch for ch in query if ch not in " -.()+")
    if not compact.isdigit():
        return None
    matches = Q(pk__in=[])
    number = clean_tracking_number(query)
    if number is not None:
        matches |= Q(tracking_number=number)
    if len(compact) == 11 and tckimlik.is_valid(compact):
        matches |= Q(citizen__tc_kimlik=compact)
    try:
        matches |= Q(citizen__phone=phones.normalize(query))
    except phones.InvalidPhone:
        pass
    return matches


def find_citizens(query: str, institution, limit: int = 20) -> list[Citizen]:
    """The caller lookup of the operator console: the institution's own records of people, by phone,
    TC kimlik no, or the start of the name."""
    query = (query or "").strip()
    if not query:
        return []
    citizens = Citizen.objects.filter(institution=institution)
    compact = "".join(ch for ch in query if ch not in " -.()+")
    if compact.isdigit():
        if len(compact) == 11 and tckimlik.is_valid(compact):
            return list(citizens.filter(tc_kimlik=compact)[:limit])
        try:
            return list(citizens.filter(phone=phones.normalize(query))[:limit])
        except phones.InvalidPhone:
            return []
    key = turkish.fold(query)
    # A prefix range keeps the (institution, name_key) index usable on both databases.
    return list(citizens.filter(name_key__gte=key, name_key__lt=key + "\uffff").order_by("name_key")[:limit])
