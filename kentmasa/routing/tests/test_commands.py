"""train_router and evaluate_router: figures as the last lines, the baseline beside kentmasa's model."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kentmasa.cases import services
from kentmasa.routing.models import RouterModel
from kentmasa.routing.tests.conftest import SAMPLE

pytestmark = pytest.mark.django_db
FIGURE = r"\d+\.\d+"


def run(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue().rstrip("\n").splitlines()


def last_lines(lines):
    """The four metric lines: {metric: [kentmasa, baseline, …]}."""
    table = {}
    for line in lines[-4:]:
        name, *values = line.split()
        table[name] = [float(v) for v in values]
    return table


def test_evaluate_prints_the_four_figures_last_for_both_models(db):
    lines = run("evaluate_router", "--csv", str(SAMPLE))
    assert re.fullmatch(r"metric\s+kentmasa\s+baseline", lines[-5])
    for line, metric in zip(
        lines[-4:], ("accuracy", "top3_accuracy", "macro_f1", "ms_per_text"), strict=True
    ):
        assert re.fullmatch(rf"{metric}\s+{FIGURE}\s+{FIGURE}", line), line
    table = last_lines(lines)
    assert "tested on 20 texts in 5 categories" in lines[0]
    # On the held-out quarter of the sample, kentmasa's model is at least as good as the baseline.
    for metric in ("accuracy", "top3_accuracy", "macro_f1"):
        ours, baseline = table[metric]
        assert ours >= baseline and 0 <= ours <= 1


def test_train_stores_an_institutions_model_from_a_csv_of_its_category_names(institution, sample_categories):
    lines = run("train_router", "--csv", str(SAMPLE), "--institution", institution.slug)
    assert lines[0] == "trained on 80 texts in 5 categories"
    assert lines[-1] == f"stored: {institution.slug} v1"
    stored = RouterModel.objects.get(institution=institution)
    assert stored.source == "csv" and set(stored.labels) == {str(c.pk) for c in sample_categories.values()}
    assert set(stored.metrics) >= {"accuracy", "top3_accuracy", "macro_f1", "ms_per_text"}
    # The stored model is tested beside the two trained in the run.
    lines = run("evaluate_router", "--csv", str(SAMPLE), "--institution", institution.slug)
    assert lines[-5].split() == ["metric", "kentmasa", "baseline", "stored"]
    assert len(last_lines(lines)["accuracy"]) == 3


def test_train_and_evaluate_on_an_institutions_closed_cases(
    institution, sample, sample_categories, road_staff, make_user
):
    from kentmasa.directory.models import User

    manager = make_user(User.Role.ADMINISTRATOR, "admin")
    texts, names = sample
    for text, name in zip(texts, names, strict=True):
        case = services.open_case(
            institution=institution,
            channel="phone",
            subject=text[:60],
            description=text,
            category=sample_categories[name],
        )
        case = services.resolve_on_the_spot(case, actor=manager, resolution="Bilgi verildi.")
        services.close(case, actor=manager)
    lines = run("evaluate_router", "--from-cases", institution.slug)
    assert lines[0].startswith("esenler cases: trained on 60 texts in 5 categories")
    assert set(last_lines(lines)) == {"accuracy", "top3_accuracy", "macro_f1", "ms_per_text"}
    lines = run("train_router", "--from-cases", institution.slug)
    assert lines[-1] == "stored: esenler v1"
    assert RouterModel.objects.get(institution=institution).source == "cases"


def test_the_corpus_is_read_from_its_folder_when_present(tmp_path, settings):
    settings.SHARED_DIR = tmp_path
    with pytest.raises(CommandError, match="not present"):
        run("evaluate_router", "--corpus")
    folder = tmp_path / "data" / "complaints-tr"
    folder.mkdir(parents=True)
    rows = SAMPLE.read_text(encoding="utf-8").splitlines()
    (folder / "train.csv").write_text("\n".join(rows[:1] + rows[1::2]) + "\n", encoding="utf-8")
    (folder / "test.csv").write_text("\n".join(rows[:1] + rows[2::2]) + "\n", encoding="utf-8")
    lines = run("evaluate_router", "--corpus")
    assert lines[0].startswith("complaints-tr: trained on 40 texts in 5 categories, tested on 40 texts")
    assert list(last_lines(lines)) == ["accuracy", "top3_accuracy", "macro_f1", "ms_per_text"]


def test_a_file_without_the_columns_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("metin,sayi\nçukur,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="text and label"):
        run("evaluate_router", "--csv", str(bad))
    with pytest.raises(CommandError, match="no institution"):
        run("train_router", "--csv", str(SAMPLE), "--institution", "yok")
