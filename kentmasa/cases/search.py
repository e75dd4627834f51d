"""Turkish search over cases: tracking number, citizen name, phone, TC kimlik no, subject and description.

Everything searchable is kept folded in Case.search_text (kentmasa.lib.turkish.fold: Turkish lower
case, Turkish letters to plain ones), and the query is folded the same way, so "İSTANBUL",
"istanbul" and "Istanbul" meet, "ISPARTA" and "ıSPARTA" meet, and "sisli" finds "Şişli".
Each word of the query must occur somewhere (substring match). Exact identifiers — a tracking
number, a valid TC kimlik no, a phone number — are looked up directly by their own index.

Indexes: PostgreSQL uses a pg_trgm GIN index for LIKE '%…%'; SQLite an FTS5 trigram table
(cases_case_search) kept in step by triggers. A word of three characters or more matches wherever
it occurs ("sokak" in "sokakta"), through those indexes.

Short words and numbers go through a word index instead (a trigram index cannot serve them): the
text's words are its runs of letters and digits ("no:17/a" is "no", "17" and "a"). A query word of
one or two characters matches the start of a word ("no" finds "no" and "normal", "çö" finds "çöp"),
and a number of one or two digits matches that whole number ("17" finds "no 17" and "17/A", not
"170" nor "2017"). A query word whose letter-and-digit runs are all that short ("D:3", "No:17") is
matched by each run the same way, and must also occur as typed ("d:3"). Punctuation alone matches
nothing and is ignored. The word index (ensure_word_index): PostgreSQL a GIN index on
kentmasa_search_words(search_text), the keys of its words (their first one and two characters, and
"#17" for a short number), kept by PostgreSQL itself; SQLite an FTS5 table of words with prefix
indexes (cases_case_words) kept in step by triggers like cases_case_search. When few cases have the
short words ("no 17"; PostgreSQL asks its statistics, SQLite counts up to SQLITE_WORDS_FIRST_MAX), the long
words are checked on those rows; when most have them ("no" alone), the long words pick the rows
through the trigram index and the short ones are checked on those rows. On PostgreSQL the few matches'
keys are read first, once, and the caller's list picks its rows by them (_fenced), so that no ordered list
walks its index computing each row's words.

The console's caller look-up (find_citizens) searches the institution's citizens the same way: by the
start of the name through the (institution, name_key) index, by any word of the name ("Çiftçi" finds
"Ayşe Çiftçi") and by a piece of the phone number ("0507 524") through trigram indexes on
Citizen.name_key and Citizen.phone (PostgreSQL: citizen_name_trgm and citizen_phone_trgm; SQLite: the
FTS5 table cases_citizen_search), made by ensure_citizen_index.
"""

import contextlib
import json
import re
from typing import Any

from django.db import connection as default_connection
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

from kentmasa.cases.models import Case, Citizen
from kentmasa.cases.tracking import clean_tracking_number
from kentmasa.directory.models import Institution
from kentmasa.lib import phones, tckimlik, turkish

MIN_TRIGRAM = 3
# A shorter piece of a phone number matches too many of a million numbers to pick a caller from.
MIN_PHONE_DIGITS = 6
QUERY_MAX = 100  # a caller's name and number fit; a pasted page does not become a hundred index probes
# Up to this many cases with the short words (PostgreSQL: as its statistics expect; SQLite: counted), the
# long words are checked on those rows (a few milliseconds a thousand) instead of read from the trigram
# index, whose list of every case with "sokak" is a tenth of the table.
WORDS_FIRST_MAX = 100_000
# SQLite reads a row by its id more slowly (1M cases: 50 000 rows ≈ 1 s, more than the other way).
SQLITE_WORDS_FIRST_MAX = 20_000
FENCE = True  # PostgreSQL: read the matches of few cases' short words apart (_fenced); False for benchmarks
_PIECES = re.compile(r"[^\W_]+")  # runs of letters and digits: the words of the word index

# The word index's keys of a (folded) text, on PostgreSQL: "n" and "no" for "normal", "#17" for the number 17.
# IMMUTABLE so a GIN index can be built on it: PostgreSQL keeps that index in step with every write.
WORDS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION kentmasa_search_words(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT k), '{}'::text[]) FROM (
    SELECT CASE WHEN w ~ '^[0-9]+$' THEN '#' || w ELSE left(w, 1) END AS k
      FROM regexp_split_to_table($1, '[^[:alnum:]]+') AS w
     WHERE w <> '' AND (w !~ '^[0-9]+$' OR length(w) <= 2)
    UNION ALL
    SELECT left(w, 2) FROM regexp_split_to_table($1, '[^[:alnum:]]+') AS w
     WHERE length(w) >= 2 AND w !~ '^[0-9]+$'
  ) AS keys
$$
"""
WORDS_INDEX = (
    "CREATE INDEX {concurrently} IF NOT EXISTS case_search_words "
    "ON cases_case USING gin (kentmasa_search_words(search_text))"
)


def ensure_sqlite_index(connection: BaseDatabaseWrapper = default_connection) -> None:
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


def ensure_word_index(connection: BaseDatabaseWrapper = default_connection) -> None:
    """The short-word index (see the module's doc string); SQLite's is filled from the cases when newly
    made. Idempotent; made again after every migrate on SQLite (a rebuilt cases_case loses its triggers)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(WORDS_FUNCTION)
            cursor.execute(WORDS_INDEX.format(concurrently=""))
            return
        if connection.vendor != "sqlite":
            return
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='cases_case_words'")
        created = cursor.fetchone() is None
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS cases_case_words USING fts5("
            "search_text, content='cases_case', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 0', prefix='1 2', detail=none)"
        )
        cursor.execute(
            "CREATE TRIGGER IF NOT EXISTS cases_case_words_ai AFTER INSERT ON cases_case BEGIN "
            "INSERT INTO cases_case_words(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        cursor.execute(
            "CREATE TRIGGER IF NOT EXISTS cases_case_words_ad AFTER DELETE ON cases_case BEGIN "
            "INSERT INTO cases_case_words(cases_case_words, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); END"
        )
        cursor.execute(
            "CREATE TRIGGER IF NOT EXISTS cases_case_words_au AFTER UPDATE OF search_text ON cases_case "
            "BEGIN "
            "INSERT INTO cases_case_words(cases_case_words, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); "
            "INSERT INTO cases_case_words(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        if created:
            cursor.execute("INSERT INTO cases_case_words(cases_case_words) VALUES ('rebuild')")


def ensure_citizen_index(connection: BaseDatabaseWrapper = default_connection) -> None:
    """The caller look-up's trigram indexes on Citizen.name_key and Citizen.phone. Idempotent.

    SQLite: an FTS5 trigram table over both columns kept in step by triggers (made again after every
    migrate, as for cases_case_search, because a rebuilt cases_citizen table loses its triggers).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for index, column in (("citizen_name_trgm", "name_key"), ("citizen_phone_trgm", "phone")):
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {index} ON cases_citizen USING gin ({column} gin_trgm_ops)"
                )
            return
        if connection.vendor != "sqlite":
            return
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='cases_citizen_search'")
        created = cursor.fetchone() is None
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS cases_citizen_search USING fts5("
            "name_key, phone, content='cases_citizen', content_rowid='id', tokenize='trigram')"
        )
        cursor.execute(
            "CREATE TRIGGER IF NOT EXISTS cases_citizen_search_ai AFTER INSERT ON cases_citizen BEGIN "
            "INSERT INTO cases_citizen_search(rowid, name_key, phone) "
            "VALUES (new.id, new.name_key, new.phone); END"
        )
        cursor.execute(
            "CREATE TRIGGER IF NOT EXISTS cases_citizen_search_ad AFTER DELETE ON cases_citizen BEGIN "
            "INSERT INTO cases_citizen_search(cases_citizen_search, rowid, name_key, phone) "
            "VALUES ('delete', old.id, old.name_key, old.phone); END"
        )
        cursor.execute(
            "CREATE TRIGGER IF NOT EXISTS cases_citizen_search_au AFTER UPDATE OF name_key, phone "
            "ON cases_citizen BEGIN "
            "INSERT INTO cases_citizen_search(cases_citizen_search, rowid, name_key, phone) "
            "VALUES ('delete', old.id, old.name_key, old.phone); "
            "INSERT INTO cases_citizen_search(rowid, name_key, phone) "
            "VALUES (new.id, new.name_key, new.phone); END"
        )
        if created:
            cursor.execute("INSERT INTO cases_citizen_search(cases_citizen_search) VALUES ('rebuild')")


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def search_cases(cases: QuerySet[Case], query: str) -> QuerySet[Case]:
    """Narrow ``cases`` (already scoped to what the user may see) to those matching ``query``."""
    return _search(cases, query, fence=FENCE)


def _search(cases: QuerySet[Case], query: str, *, fence: bool) -> QuerySet[Case]:
    query = (query or "").strip()
    if not query:
        return cases
    exact = _exact_match(query)
    if exact is not None:
        return cases.filter(exact)
    vendor = connections[cases.db].vendor
    long_words: list[str] = []
    short_pieces: list[str] = []  # through the word index
    as_typed: list[str] = []  # short words with punctuation, checked on the rows the indexes picked
    for word in turkish.fold(query).split():
        pieces = _PIECES.findall(word)
        if len(word) >= MIN_TRIGRAM and any(len(piece) >= MIN_TRIGRAM for piece in pieces):
            long_words.append(word)
        elif pieces:
            short_pieces += pieces
            if pieces != [word]:
                as_typed.append(word)
    if not long_words and not short_pieces:
        return cases  # punctuation only
    scope = cases
    few = False  # PostgreSQL: few cases have the short words; the matches are then read apart (_fenced)
    if vendor == "sqlite":
        match = " ".join(dict.fromkeys(_fts_word(piece) for piece in short_pieces))
        words = "SELECT rowid FROM cases_case_words WHERE cases_case_words MATCH %s"
        if short_pieces and long_words and not _few_fts_matches(cases.db, match):
            # Short words most cases have ("no"): the long words pick the rows through the trigram table
            # and the short ones are checked on those rows, not read as a list of a million row ids.
            for piece in dict.fromkeys(short_pieces):
                # instr first: a row without the piece, or with it after a space, never reaches the GLOB
                spaced = " " + piece + (" " if _is_number(piece) else "")
                cases = cases.filter(
                    _OnSearchText(
                        "instr({text}, %s) > 0 AND (instr(' ' || {text} || ' ', %s) > 0 "
                        "OR (' ' || {text} || ' ') GLOB %s)",
                        [piece, spaced, _glob_word(piece)],
                    )
                )
            short_pieces = []
        elif short_pieces and long_words:
            # Few cases have the short words ("no 17"): the long words are checked on their rows.
            as_typed = long_words + as_typed
            long_words = []
        if long_words:
            trigram_match = " ".join(_fts_phrase(w) for w in long_words)
            trigram = "SELECT rowid FROM cases_case_search WHERE cases_case_search MATCH %s"
            cases = cases.filter(pk__in=RawSQL(trigram, [trigram_match]))  # noqa: S611 - constant SQL
        if short_pieces:
            cases = cases.filter(pk__in=RawSQL(words, [match]))  # noqa: S611 - constant SQL
    else:
        keys = sorted({_word_key(piece) for piece in short_pieces})
        few = bool(keys) and _few_with_words(cases.db, keys)
        if few and fence:
            # The matches alone, whatever the scope: their subquery reads the word index and nothing else
            # (with the scope's conditions PostgreSQL also read every active case's key to AND the bitmaps).
            cases = Case.objects.db_manager(scope.db).all()
        if few and long_words:
            # Few cases have the short words ("no 17": some thousands in ten million): read them through the
            # word index and check the long words on those rows, rather than build a bitmap of every case
            # with "sokak" in it from the trigram index, which PostgreSQL's estimate takes for cheap.
            as_typed = long_words + as_typed
        else:
            for word in long_words:
                cases = cases.filter(search_text__contains=word)  # pg_trgm: case_search_trgm
        if keys:
            # the index case_search_words
            cases = cases.filter(_OnSearchText("kentmasa_search_words({text}) @> %s::text[]", [keys]))
    for word in as_typed:
        # strpos/instr: a check of the rows found, which no trigram index is tempted to serve
        cases = cases.filter(GreaterThan(StrIndex("search_text", Value(word)), 0))
    if few and fence:
        fenced = _fenced(scope, cases)
        if fenced is not None:
            return fenced
        # More matches than the statistics said (none yet on a word index just built, or stale ones): the
        # plain way, not a million keys read into Python and sent back three times.
        return _search(scope, query, fence=False)
    return cases


def _fenced(scope: QuerySet[Case], matched: QuerySet[Case]) -> QuerySet[Case] | None:
    """PostgreSQL: ``scope`` narrowed to the keys of ``matched``, read first and once: their ids are read here
    (from the word index), and the list's queries (its page, its rows, its count) pick from them as
    ``id = ANY(ARRAY(SELECT unnest(ids)))``, which PostgreSQL takes for a handful of keys (it cannot count an
    InitPlan's), so the rows are read by primary key and sorted.

    Without it, an ordered, LIMITed list ("the newest 50") may walk its order's index and check every row
    against the search (computing each row's words), on an estimate of matches spread evenly over the table:
    at 10M cases "ışıklar sokak no 17" walked 2.35M rows of case_institution_recent before it found 50
    (7.6–24 s); "no 17" took 12 s at 1M. Read as a subquery instead, the matches were read again by each of
    the list's queries (at 10M, 50 000 rows with "no" and "17" checked for "ışıklar sokak": 0.4 s each).
    Used only when the word index's statistics expect few matches (WORDS_FIRST_MAX), which bounds the keys
    read; a word most cases have ("no" alone) is better found along the list's order, a few rows in. Nothing
    is capped: every match is read, or, past WORDS_FIRST_MAX of them (the estimate was wrong), None, and the
    caller searches the plain way."""
    ids = list(matched.values_list("pk", flat=True)[: WORDS_FIRST_MAX + 1])
    if len(ids) > WORDS_FIRST_MAX:
        return None
    return scope.filter(_OnKey("{key} = ANY(ARRAY(SELECT unnest(%s::bigint[])))", [ids]))


class _OnKey(Func):
    """A condition on the case's key in SQL ("{key}" stands for the column), compiled by Django so that it
    holds inside a subquery too."""

    output_field = BooleanField()

    def __init__(self, sql: str, params: list[Any]) -> None:
        super().__init__(F("pk"))
        self.sql, self.params = sql, params

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, column_params = compiler.compile(self.get_source_expressions()[0])
        assert not column_params  # a column, never a parameter  # noqa: S101
        return self.sql.replace("{key}", column), list(self.params)


class _OnSearchText(Func):
    """A condition on Case.search_text in SQL ("{text}" stands for the column), its column compiled by Django,
    so that it holds inside a subquery too (where Django renames cases_case to U0)."""

    output_field = BooleanField()

    def __init__(self, sql: str, params: list[Any]) -> None:
        super().__init__(F("search_text"))
        self.sql, self.params = sql, params

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, column_params = compiler.compile(self.get_source_expressions()[0])
        assert not column_params  # a column, never a parameter  # noqa: S101
        return self.sql.replace("{text}", column), list(self.params)


def _few_with_words(using: str, keys: list[str]) -> bool:
    """Whether PostgreSQL's statistics of the word index (ANALYZE keeps them) expect few cases to have
    every key: one query of planning, no rows read."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM cases_case "
            "WHERE kentmasa_search_words(search_text) @> %s::text[]",
            [keys],
        )
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    rows: float = plan[0]["Plan"]["Plan Rows"]
    return rows <= WORDS_FIRST_MAX


def _few_fts_matches(using: str, match: str) -> bool:
    """Whether the word table has at most WORDS_FIRST_MAX cases with every short word (SQLite): counted
    from the index, stopping there."""
    most = min(WORDS_FIRST_MAX, SQLITE_WORDS_FIRST_MAX)
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM "
            "(SELECT rowid FROM cases_case_words WHERE cases_case_words MATCH %s LIMIT %s)",
            [match, most + 1],
        )
        (count,) = cursor.fetchone()
    return bool(count <= most)


# A character that ends a word, for GLOB: not a letter or digit (nor a letter of another script; the
# Latin-1 and general punctuation blocks end words as they do for the word index).
_GLOB_END = "[^0-9a-z\u00c0-\u1fff\u2070-\U0010ffff]"


def _glob_word(piece: str) -> str:
    """The GLOB pattern of a short piece on ' ' || search_text || ' ': a number whole, else a word's start."""
    end = _GLOB_END if _is_number(piece) else ""
    return f"*{_GLOB_END}{piece}{end}*"


def _is_number(piece: str) -> bool:
    return piece.isascii() and piece.isdigit()


def _word_key(piece: str) -> str:
    """The key of kentmasa_search_words that a short piece looks up: "#17" for a number, else the prefix."""
    return "#" + piece if _is_number(piece) else piece


def _fts_word(piece: str) -> str:
    """The FTS5 query of a short piece: a number as a whole word, anything else as the start of a word."""
    return _fts_phrase(piece) if _is_number(piece) else _fts_phrase(piece) + "*"


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
    with contextlib.suppress(phones.InvalidPhone):
        matches |= Q(citizen__phone=phones.normalize(query))
    return matches


def find_citizens(query: str, institution: Institution, limit: int = 20) -> list[Citizen]:
    """The caller lookup of the operator console: the institution's own records of people, by phone
    (whole or a piece of at least six digits), TC kimlik no, the start of the name or any of its words.

    Every query is served by an index and stops at ``limit`` rows: a whole phone number or TC kimlik no
    by (institution, phone) and (institution, tc_kimlik); the start of the name by (institution,
    name_key); a surname or a piece of a number by the trigram indexes of ensure_citizen_index.
    """
    query = (query or "").strip()[:QUERY_MAX]
    if not query:
        return []
    citizens = Citizen.objects.filter(institution=institution)
    compact = "".join(ch for ch in query if ch not in " -.()+/")
    if compact.isdigit():
        if len(compact) == 11 and tckimlik.is_valid(compact):
            return list(citizens.filter(tc_kimlik=compact)[:limit])
        try:
            return list(citizens.filter(phone=phones.normalize(query))[:limit])
        except phones.InvalidPhone:
            pass
        digits = _phone_piece(query)
        if digits is None:
            return []
        matching = _trigram(citizens, "phone", [digits])
        return sorted(matching[:limit], key=lambda citizen: turkish.sort_key(citizen.name))
    words = turkish.fold(query).split()
    if not words:
        return []
    key = " ".join(words)
    # The name as typed from its start: a range on the (institution, name_key) index, in name order.
    found = list(citizens.filter(name_key__gte=key, name_key__lt=key + "\uffff").order_by("name_key")[:limit])
    long_words = [word for word in words if len(word) >= MIN_TRIGRAM]
    if len(found) < limit and long_words:
        # Every word starts a word of the name, in any order: "çiftçi", "ayşe çiftçi", "çiftçi ayşe".
        matching = _trigram(citizens, "name_key", long_words).exclude(pk__in=[c.pk for c in found])
        for word in words:
            matching = matching.filter(Q(name_key__startswith=word) | Q(name_key__contains=" " + word))
        found += sorted(matching[: limit - len(found)], key=lambda citizen: turkish.sort_key(citizen.name))
    return found


def _phone_piece(query: str) -> str | None:
    """The digits of a partial phone number as they appear in E.164 ("+905075241234"): "0507 524" and
    "507524" → "507524", "+90 507 524" → "90507524"; None when too short to look up."""
    text = query.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not text.startswith("+"):
        digits = digits[2:] if digits.startswith("00") else digits.removeprefix("0")
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def _trigram(citizens: QuerySet[Citizen], column: str, words: list[str]) -> QuerySet[Citizen]:
    """Citizens whose ``column`` contains every word (of three characters or more), through the index.

    Exactly: an FTS5 trigram phrase matches where its text occurs, as LIKE '%…%' does on PostgreSQL."""
    if citizens.db == "default" and default_connection.vendor == "sqlite":
        match = " AND ".join(f"{column} : {_fts_phrase(word)}" for word in words)
        indexed = "SELECT rowid FROM cases_citizen_search WHERE cases_citizen_search MATCH %s"
        return citizens.filter(pk__in=RawSQL(indexed, [match]))  # noqa: S611 - constant SQL, the words are a parameter
    for word in words:
        citizens = citizens.filter(**{f"{column}__contains": word})  # pg_trgm: citizen_*_trgm
    return citizens
