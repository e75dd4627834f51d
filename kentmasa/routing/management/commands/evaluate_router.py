"""python manage.py evaluate_router (--csv FILE | --corpus [DIR] | --from-cases SLUG) [--test-csv FILE]
                                   [--institution SLUG] [--model FILE] [--test-share 0.25] [--seed N]

Trains kentmasa's classifier and the plain baseline (TF-IDF + logistic regression, no Turkish
normalisation) on the same texts, tests both on the same held-out texts, and prints, as its last lines,

    metric          kentmasa  baseline
    accuracy          0.9120    0.8740
    top3_accuracy     0.9900    0.9750
    macro_f1          0.9050    0.8600
    ms_per_text        1.840     0.410

The test set is --test-csv when given, the corpus's test.csv when it has one, else a stratified held-out
share of the training source (each category gives --test-share of its texts). ms_per_text is the time to
classify one text at a time, as intake does. With --institution the institution's stored model (and with
--model a model file from train_router --out) is tested on the same texts as a third column.
"""

import copy
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kentmasa.directory.models import Category
from kentmasa.routing import classifier, datasets, training

METRICS = ("accuracy", "top3_accuracy", "macro_f1", "ms_per_text")


class Command(BaseCommand):
    help = "Evaluate the routing text classifier beside a plain TF-IDF + logistic regression baseline."

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--csv", help="CSV file with the columns text and label.")
        source.add_argument(
            "--corpus",
            nargs="?",
            const="",
            help="The labelled complaint corpus folder (default SHARED_DIR/data/complaints-tr).",
        )
        source.add_argument("--from-cases", metavar="SLUG", help="This institution's closed cases.")
        parser.add_argument("--test-csv", help="Test on this CSV instead of a held-out share.")
        parser.add_argument(
            "--institution", metavar="SLUG", help="Also test this institution's stored model."
        )
        parser.add_argument("--model", help="Also test a model file written by train_router --out.")
        parser.add_argument("--test-share", type=float, default=0.25, help="Held-out share (default 0.25).")
        parser.add_argument("--seed", type=int, default=153, help="Seed of the held-out split.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._handle(options)
        except datasets.DatasetError as error:
            raise CommandError(str(error)) from error

    def _handle(self, options: dict[str, Any]) -> None:
        if options["csv"]:
            data = datasets.from_csv(options["csv"])
        elif options["from_cases"]:
            data = datasets.from_cases(options["from_cases"])
        else:
            data = datasets.from_corpus(options["corpus"])
        if options["test_csv"]:
            test = datasets.from_csv(options["test_csv"])
            data.test_texts, data.test_labels = test.texts, test.labels
            data.skipped += test.skipped
        data.report_skipped(self.stdout.write)
        if not 0 < options["test_share"] < 1:
            raise CommandError("--test-share must be between 0 and 1")
        if data.test_texts is not None and data.test_labels is not None:
            train_x, train_y = data.texts, data.labels
            test_x, test_y = data.test_texts, data.test_labels
        else:
            train_x, train_y, test_x, test_y = classifier.split(
                data.texts, data.labels, test_share=options["test_share"], seed=options["seed"]
            )
        if not test_x or len(set(train_y)) < 2:
            raise CommandError("too few labelled texts to hold some out for testing")
        columns = {
            "kentmasa": classifier.Router().fit(train_x, train_y),
            "baseline": classifier.Router(classifier.build_baseline()).fit(train_x, train_y),
        }
        if options["institution"]:
            columns["stored"] = self._stored(options["institution"])
        if options["model"]:
            columns["file"] = classifier.Router.loads(Path(options["model"]).read_bytes())
        unseen = len(set(test_y) - set(train_y))
        self.stdout.write(
            f"{data.name}: trained on {len(train_x)} texts in {len(set(train_y))} categories, "
            f"tested on {len(test_x)} texts in {len(set(test_y))} categories"
            + (f" ({unseen} of them never seen in training)" if unseen else "")
        )
        results = {
            name: classifier.evaluate(router, test_x, test_y).as_dict() for name, router in columns.items()
        }
        self.stdout.write(f"{'metric':<15}" + "".join(f"{name:>10}" for name in columns))
        for metric in METRICS:
            cells = "".join(
                f"{results[name][metric]:>10.3f}"
                if metric == "ms_per_text"
                else f"{results[name][metric]:>10.4f}"
                for name in columns
            )
            self.stdout.write(f"{metric:<15}{cells}")

    def _stored(self, slug: str) -> classifier.Router:
        owner = datasets.institution(slug)
        loaded = training.current(owner)
        if loaded is None:
            raise CommandError(f"{slug} has no trained model; run train_router first")
        # The stored model answers category ids; the test labels are category names.
        router = copy.copy(loaded[1])
        names = dict(Category.objects.filter(institution=owner).values_list("pk", "name"))
        router.labels = [
            names.get(int(label), label) if label.isdigit() else label for label in router.labels
        ]
        return router
