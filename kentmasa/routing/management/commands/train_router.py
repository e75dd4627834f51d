"""python manage.py train_router (--csv FILE | --corpus [DIR] | --from-cases SLUG)
                                [--institution SLUG] [--out PATH]

Trains the text classifier (kentmasa.routing.classifier) and prints its figures on a held-out quarter.
With --institution (or --from-cases) the model is stored as that institution's next version and routes
its new cases from then on; a CSV's labels must then be the institution's category names. Without an
institution, --out writes the trained model to a file (for evaluate_router --model).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kentmasa.routing import classifier, datasets, training
from kentmasa.routing.models import RouterModel


class Command(BaseCommand):
    help = (
        "Train the routing text classifier from a CSV (text,label), the complaints-tr corpus or an "
        "institution's closed cases."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--csv", help="CSV file with the columns text and label.")
        source.add_argument(
            "--corpus",
            nargs="?",
            const="",
            help="The labelled complaint corpus folder (default SHARED_DIR/data/complaints-tr).",
        )
        source.add_argument("--from-cases", metavar="SLUG", help="Train on this institution's closed cases.")
        parser.add_argument("--institution", metavar="SLUG", help="Store the model for this institution.")
        parser.add_argument("--out", help="Write the trained model to this file (no institution).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._handle(options)
        except (datasets.DatasetError, training.NotEnoughData) as error:
            raise CommandError(str(error)) from error

    def _handle(self, options: dict[str, Any]) -> None:
        if options["from_cases"]:
            owner = datasets.institution(options["institution"] or options["from_cases"])
            if owner.slug != options["from_cases"]:
                raise CommandError("--from-cases stores the model for that same institution")
            trained = training.train(owner)
            self._report(trained.row.trained_on, len(trained.router.labels), trained.row.metrics)
            self.stdout.write(f"stored: {owner.slug} v{trained.row.version}")
            return
        data = (
            datasets.from_csv(options["csv"]) if options["csv"] else datasets.from_corpus(options["corpus"])
        )
        data.report_skipped(self.stdout.write)
        texts, labels = data.texts + (data.test_texts or []), data.labels + (data.test_labels or [])
        if options["institution"]:
            owner = datasets.institution(options["institution"])
            ids, unknown = training.labels_from_names(owner, labels)
            if unknown:
                self.stderr.write(
                    f"skipped {sum(i is None for i in ids)} rows whose label is no category of {owner.slug}: "
                    + ", ".join(sorted(unknown)[:20])
                )
            pairs = [(t, i) for t, i in zip(texts, ids, strict=True) if i is not None]
            trained = training.train(
                owner, [t for t, _ in pairs], [i for _, i in pairs], source=RouterModel.Source.CSV
            )
            self._report(trained.row.trained_on, len(trained.router.labels), trained.row.metrics)
            self.stdout.write(f"stored: {owner.slug} v{trained.row.version}")
            return
        texts, labels = training.keep_learnable(texts, labels, minimum=2)
        train_x, train_y, test_x, test_y = classifier.split(texts, labels)
        metrics = (
            classifier.evaluate(classifier.Router().fit(train_x, train_y), test_x, test_y).as_dict()
            if test_x
            else {}
        )
        router = classifier.Router().fit(texts, labels)
        self._report(len(texts), len(router.labels), metrics)
        if options["out"]:
            Path(options["out"]).write_bytes(router.dumps())
            self.stdout.write(f"written: {options['out']}")
        else:
            self.stdout.write("not stored: give --institution SLUG or --out FILE to keep the model")

    def _report(self, trained_on: int, categories: int, metrics: dict) -> None:
        self.stdout.write(f"trained on {trained_on} texts in {categories} categories")
        if metrics:
            self.stdout.write(
                "held-out ({tested_on} texts): accuracy {accuracy:.4f}, top-3 {top3_accuracy:.4f}, "
                "macro-F1 {macro_f1:.4f}, {ms_per_text:.3f} ms/text".format(**metrics)
            )
