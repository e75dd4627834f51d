"""What the issue's fuzzers posted into every form field and webhook (issue 8, items 5, 6 and 8), for the
edge tests of each app: NUL bytes, a 308-character e-mail address, year 0001 and 9999, 2^63, a text
longer than any limit we set."""

# 308 characters and well formed: Django's form field takes up to 320, the Citizen column 254.
LONG_EMAIL = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".com"

TEXTS = {
    "nul-inside": "Çukur\x00var",
    "nul-alone": "\x00",
    "email-308": LONG_EMAIL,
    "date-0001": "0001-01-01",
    "time-0001": "0001-01-01T00:00:00",
    "time-9999": "9999-12-31T23:59:59-12:00",
    "2^63": "9223372036854775808",
    "-2^63-1": "-9223372036854775809",
    "1e309": "1e309",
    "10001-chars": "ş" * 10_001,
}

# JSON payloads can carry more than text.
VALUES: dict[str, object] = {
    **TEXTS,
    "int-2^63": 2**63,
    "int--1": -1,
    "null": None,
    "true": True,
    "list": [],
    "object": {},
}
