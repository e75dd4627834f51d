"""Where the train_router and evaluate_router commands get labelled texts from.

- A CSV file with the columns ``text`` and ``label`` (kentmasa.routing.classifier.read_csv).
- The labelled Turkish complaint corpus, when present, at SHARED_DIR/data/complaints-tr/ (``--corpus``):

      complaints-tr/train.csv   and   complaints-tr/test.csv    a given split, used as it is; or
      complaints-tr/*.csv                                       pooled, then split here (held-out quarter)

  each file standard CSV (RFC 4180: quoted fields may hold commas, quotes and line breaks), UTF-8, with a
  header row naming the columns ``text`` and ``label`` (comma, semicolon or tab separated;
  "category"/"kategori" are accepted for label, "metin"/"complaint" for text). Rows left out are reported.
- An institution's own finished cases (``--from-cases SLUG``): subject + description, labelled with the
  category's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from kentmasa.directory.models import Category, Institution
from kentmasa.routing import classifier, training

CORPUS_FOLDER = Path("data") / "complaints-tr"


class DatasetError(Exception):
    pass


@dataclass
class Dataset:
    name: str
    texts: list[str]
    labels: list[str]
    test_texts: list[str] | None = None  # a given test set; None: split held-out here
    test_labels: list[str] | None = None
    skipped: list[str] = field(default_factory=list)  # "file, line N: why" for each row left out

    def report_skipped(self, write: Callable[[str], object], limit: int = 20) -> None:
        """Tell the user which rows were left out (the first ``limit`` of them, and how many in all)."""
        if not self.skipped:
            return
        write(f"{len(self.skipped)} rows left out:")
        for entry in self.skipped[:limit]:
            write(f"  {entry}")
        if len(self.skipped) > limit:
            write(f"  … and {len(self.skipped) - limit} more")


def default_corpus() -> Path:
    return Path(settings.SHARED_DIR) / CORPUS_FOLDER


def from_csv(path: str) -> Dataset:
    try:
        rows = classifier.read_csv_rows(path)
    except FileNotFoundError as error:
        raise DatasetError(f"no such file: {path}") from error
    except (classifier.CsvError, UnicodeDecodeError) as error:
        raise DatasetError(f"{path}: {error}") from error
    if not rows.texts:
        raise DatasetError(f"{path}: no labelled rows")
    name = Path(path).name
    skipped = [f"{name}, line {line}: {why}" for line, why in rows.skipped]
    return Dataset(name=name, texts=rows.texts, labels=rows.labels, skipped=skipped)


def from_corpus(folder: str | Path | None = None) -> Dataset:
    folder = Path(folder) if folder else default_corpus()
    if not folder.is_dir():
        raise DatasetError(f"the corpus folder {folder} is not present")
    train, test = folder / "train.csv", folder / "test.csv"
    if train.is_file() and test.is_file():
        first, second = from_csv(str(train)), from_csv(str(test))
        skipped = first.skipped + second.skipped
        return Dataset(folder.name, first.texts, first.labels, second.texts, second.labels, skipped)
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise DatasetError(f"{folder} holds no CSV file")
    texts, labels, skipped = [], [], []
    for path in files:
        part = from_csv(str(path))
        texts += part.texts
        labels += part.labels
        skipped += part.skipped
    return Dataset(folder.name, texts, labels, skipped=skipped)


def institution(slug: str) -> Institution:
    found = Institution.objects.filter(slug=slug).first()
    if found is None:
        raise DatasetError(f"no institution with the short name {slug}")
    return found


def from_cases(slug: str) -> Dataset:
    """The institution's finished cases, labelled by category name."""
    owner = institution(slug)
    texts, ids = training.training_cases(owner)
    names = dict(Category.objects.filter(institution=owner).values_list("pk", "name"))
    labels = [names[int(i)] for i in ids]
    if not texts:
        raise DatasetError(f"{slug} has no finished cases with a category")
    return Dataset(name=f"{slug} cases", texts=texts, labels=labels)
