"""The text classifier that suggests a case's category from the citizen's own words.

Plain Python (scikit-learn), no Django: the management commands, the periodic retraining and the tests
drive it. The model is two TF-IDF views of the text joined side by side,

- the stemmed, folded words and word pairs of kentmasa.routing.text.normalise (what the text is about,
  whatever suffixes the words carry), and
- the character 2–5-grams of the folded text inside word boundaries (misspellings, words the stemmer cuts
  differently, no Turkish letters),

feeding a multinomial logistic regression, whose probabilities are calibrated enough to act on: above the
institution's threshold the router routes by itself, below it the operator picks from the top three.
Picked by measurement against the alternatives (linear SVM with sigmoid calibration, complement naive
Bayes); see the README for the figures.

BASELINE is the yardstick every evaluation prints beside it: scikit-learn's TF-IDF defaults (Python's
lower(), no stemming, no folding) with the same logistic regression.
"""

from __future__ import annotations

import csv
import io
import pickle
import random
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion, Pipeline

from kentmasa.routing import text as turkish_text

FORMAT_VERSION = 1  # bump when a stored model can no longer be read by this code


def _word_view() -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=turkish_text.normalise,
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=1,
        max_features=200_000,
        dtype=np.float32,
    )


def _char_view() -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=turkish_text.folded,
        analyzer="char_wb",
        lowercase=False,
        ngram_range=(2, 5),
        sublinear_tf=True,
        min_df=1,
        max_features=300_000,
        dtype=np.float32,
    )


def build_pipeline() -> Pipeline:
    """kentmasa's model, untrained."""
    return Pipeline(
        [
            ("features", FeatureUnion([("words", _word_view()), ("chars", _char_view())])),
            ("model", LogisticRegression(C=20.0, max_iter=2000)),
        ]
    )


def build_baseline() -> Pipeline:
    """A plain TF-IDF + logistic regression: no Turkish lower case, no stemming, no folding."""
    return Pipeline([("features", TfidfVectorizer()), ("model", LogisticRegression(max_iter=2000))])


@dataclass(frozen=True)
class Suggestion:
    label: str
    probability: float


class Router:
    """A trained classifier: labels in, ranked suggestions with probabilities out.

    Labels are strings: category names in a CSV, category ids (as text) for an institution's own model.
    A training set with a single label gives a model that always answers that label with certainty.
    """

    def __init__(self, pipeline: Pipeline | None = None):
        self.pipeline = pipeline if pipeline is not None else build_pipeline()
        self.labels: list[str] = []
        self.trained_on = 0

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Router:
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        if not texts:
            raise ValueError("nothing to train on")
        distinct = sorted(set(labels))
        self.trained_on = len(texts)
        if len(distinct) == 1:
            self.labels = distinct
            self.pipeline = None
            return self
        self.pipeline.fit(list(texts), list(labels))
        self.labels = [str(label) for label in self.pipeline.classes_]
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per label (in self.labels order).

        The two steps are run directly rather than through Pipeline/FeatureUnion, whose dispatch and input
        checks cost more than the arithmetic for the one text intake classifies: about 1.3 ms instead of
        4 ms a text, with the same numbers.
        """
        if self.pipeline is None:
            return np.ones((len(texts), 1))
        texts = list(texts)
        steps = dict(self.pipeline.steps)
        features, model = steps.get("features"), steps.get("model")
        if features is None or model is None:
            probabilities: np.ndarray = self.pipeline.predict_proba(texts)
            return probabilities
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            if isinstance(features, FeatureUnion) and not features.transformer_weights:
                matrix = sparse.hstack(
                    [part.transform(texts) for _, part in features.transformer_list]
                ).tocsr()
            else:
                matrix = features.transform(texts)
            probabilities = model.predict_proba(matrix)
            return probabilities

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """The k likeliest labels for one text, likeliest first."""
        return self.suggest_many([text], k)[0]

    def suggest_many(self, texts: Sequence[str], k: int = 3) -> list[list[Suggestion]]:
        if not texts:
            return []
        probabilities = self.probabilities(texts)
        order = np.argsort(-probabilities, axis=1)[:, :k]
        return [
            [Suggestion(self.labels[j], float(row[j])) for j in ranked]
            for row, ranked in zip(probabilities, order, strict=True)
        ]

    def dumps(self) -> bytes:
        payload = {
            "format": FORMAT_VERSION,
            "sklearn": sklearn.__version__,
            "labels": self.labels,
            "trained_on": self.trained_on,
            "pipeline": self.pipeline,
        }
        return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def loads(cls, blob: bytes) -> Router:
        """A model stored by dumps(). Only ever called on blobs this application wrote itself (the
        database row of the institution's own model): pickle must never read what outsiders send."""
        payload = pickle.loads(blob)  # noqa: S301 - our own stored model, see above
        if payload.get("format") != FORMAT_VERSION:
            raise ValueError("stored model has another format; retrain it")
        router = cls(payload["pipeline"])
        router.labels = list(payload["labels"])
        router.trained_on = payload.get("trained_on", 0)
        if payload["pipeline"] is None:
            router.pipeline = None
        return router


# -- evaluation ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    accuracy: float
    top3_accuracy: float
    macro_f1: float
    ms_per_text: float
    tested_on: int

    def as_dict(self) -> dict:
        return {
            "accuracy": round(self.accuracy, 4),
            "top3_accuracy": round(self.top3_accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "ms_per_text": round(self.ms_per_text, 3),
            "tested_on": self.tested_on,
        }


def evaluate(router: Router, texts: Sequence[str], labels: Sequence[str]) -> Metrics:
    """Accuracy, top-3 accuracy, macro-F1 over the labels of the test set, and the time to classify one
    text as intake does it (one text at a time, the model already loaded), in milliseconds."""
    if not texts:
        raise ValueError("nothing to test on")
    router.suggest(texts[0], 3)  # warm up (first-call imports and allocations are not per-text costs)
    started = time.perf_counter()
    ranked = [router.suggest(text, 3) for text in texts]
    elapsed = time.perf_counter() - started
    predicted = [r[0].label for r in ranked]
    hits = sum(p == truth for p, truth in zip(predicted, labels, strict=True))
    top3 = sum(truth in {s.label for s in r} for r, truth in zip(ranked, labels, strict=True))
    return Metrics(
        accuracy=hits / len(texts),
        top3_accuracy=top3 / len(texts),
        macro_f1=float(
            f1_score(list(labels), predicted, labels=sorted(set(labels)), average="macro", zero_division=0)
        ),
        ms_per_text=elapsed * 1000 / len(texts),
        tested_on=len(texts),
    )


def split(
    texts: Sequence[str], labels: Sequence[str], test_share: float = 0.25, seed: int = 153
) -> tuple[list[str], list[str], list[str], list[str]]:
    """A held-out split, stratified by hand: each label gives about test_share of its texts to the test
    set, and a label with a single text stays in training (it cannot be both learnt and tested)."""
    by_label: dict[str, list[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        by_label.setdefault(label, []).append(text)
    rng = random.Random(seed)  # noqa: S311 - a seeded, repeatable split, not a secret
    train_x, train_y, test_x, test_y = [], [], [], []
    for label in sorted(by_label):
        items = by_label[label][:]
        rng.shuffle(items)
        n_test = round(len(items) * test_share) if len(items) > 1 else 0
        n_test = min(n_test, len(items) - 1)
        if len(items) > 1 and n_test == 0 and len(items) >= 4:
            n_test = 1
        test_x += items[:n_test]
        test_y += [label] * n_test
        train_x += items[n_test:]
        train_y += [label] * (len(items) - n_test)
    return train_x, train_y, test_x, test_y


def label_counts(labels: Iterable[str]) -> Counter:
    return Counter(labels)


# -- CSV ---------------------------------------------------------------------------------------------


class CsvError(ValueError):
    pass


# Other names the two columns go by in published Turkish complaint sets; text and label are the standard.
COLUMN_NAMES = {
    "metin": "text",
    "complaint": "text",
    "sikayet": "text",
    "şikayet": "text",
    "content": "text",
    "category": "label",
    "kategori": "label",
    "class": "label",
    "sinif": "label",
    "sınıf": "label",
}


@dataclass
class CsvRows:
    texts: list[str]
    labels: list[str]
    skipped: list[tuple[int, str]]  # (line the row starts on, why it was left out)


def read_csv(source: str | Path | io.TextIOBase) -> tuple[list[str], list[str]]:
    """(texts, labels) of :func:`read_csv_rows`."""
    rows = read_csv_rows(source)
    return rows.texts, rows.labels


def read_csv_rows(source: str | Path | io.TextIOBase) -> CsvRows:
    """The labelled rows of a CSV with a header naming the columns ``text`` and ``label`` (others ignored;
    see COLUMN_NAMES for the other names accepted), and the rows left out with the reason.

    Standard CSV (RFC 4180): UTF-8, with or without a byte-order mark; fields in double quotes may hold
    the separator, doubled quotes and line breaks. The separator is read off the header line only (comma,
    semicolon or tab), never guessed from the texts, whose commas and quotes would mislead a sniffer.
    Rows with an empty text or label, or with a different number of fields than the header, are left out
    and reported.
    """
    if isinstance(source, str | Path):
        with open(source, encoding="utf-8-sig", newline="") as handle:
            return read_csv_rows(handle)
    content = source.read()
    if content.startswith("\ufeff"):
        content = content[1:]
    header_line = content.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda candidate: _outside_quotes(header_line).count(candidate))
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError("the CSV is empty") from None
    except csv.Error as error:
        raise CsvError(f"line 1: {error}") from None
    fields = [COLUMN_NAMES.get(name.strip().lower(), name.strip().lower()) for name in header]
    if "text" not in fields or "label" not in fields:
        raise CsvError("the CSV needs the columns text and label")
    text_at, label_at = fields.index("text"), fields.index("label")
    rows = CsvRows([], [], [])
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            rows.skipped.append((line, str(error)))
            break  # a broken quote swallows the rest of the file: nothing after it can be trusted
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != len(fields):
            rows.skipped.append((start, f"{len(row)} fields, the header has {len(fields)}"))
            continue
        text, label = row[text_at].strip(), row[label_at].strip()
        if not text or not label:
            rows.skipped.append((start, "empty text" if not text else "empty label"))
            continue
        rows.texts.append(text)
        rows.labels.append(label)
    return rows


def _outside_quotes(line: str) -> str:
    """The line with every double-quoted part removed."""
    return re.sub(r'"(?:[^"]|"")*"', "", line)
