"""An institution's own text classifier: trained from its closed cases, stored in the database, retrained
as operators correct it, and loaded once per process.

What it learns from: the institution's resolved and closed cases with an active category, newest first
(at most MAX_TRAINING_CASES), text = subject + description, label = the category the case ended with
(after any correction by an operator). A category with fewer than MIN_PER_CATEGORY such cases is left
out until it has more.

When it is retrained (kentmasa.routing.tasks.retrain_routers, a periodic task): when there is no model yet
and at least KENTMASA_ROUTING_MIN_CASES cases to learn from; or when, since the model was trained, at
least KENTMASA_ROUTING_RETRAIN_CORRECTIONS finished cases ended in another category than it predicted
(operators corrected it), or the finished cases grew by half of what it was trained on.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

import sklearn
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from kentmasa.cases.models import Case, Status
from kentmasa.directory.models import Category, Institution
from kentmasa.lib import turkish
from kentmasa.routing import cached
from kentmasa.routing.classifier import Router, evaluate, split
from kentmasa.routing.models import RouterModel

log = logging.getLogger(__name__)

MAX_TRAINING_CASES = 100_000
MIN_PER_CATEGORY = 3
FINISHED = (Status.RESOLVED, Status.CLOSED)


def setting(name: str, default: Any) -> Any:
    return getattr(settings, f"KENTMASA_ROUTING_{name}", default)


def threshold() -> float:
    """The confidence above which the router sets the category by itself."""
    return float(setting("THRESHOLD", 0.6))


def case_text(subject: str, description: str) -> str:
    return f"{subject or ''}. {description or ''}".strip(" .")


def training_cases(institution: Institution) -> tuple[list[str], list[str]]:
    """(texts, labels) from the institution's finished cases; labels are category ids as text."""
    rows = (
        Case.objects.filter(
            institution=institution,
            status__in=FINISHED,
            category__isnull=False,
            category__active=True,
            category__institution=institution,
        )
        .order_by("-received_at")
        .values_list("subject", "description", "category_id")[:MAX_TRAINING_CASES]
    )
    texts, labels = [], []
    for subject, description, category_id in rows:
        texts.append(case_text(subject, description))
        labels.append(str(category_id))
    return texts, labels


def keep_learnable(
    texts: list[str], labels: list[str], minimum: int = MIN_PER_CATEGORY
) -> tuple[list[str], list[str]]:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    kept = [(t, label) for t, label in zip(texts, labels, strict=True) if counts[label] >= minimum]
    return [t for t, _ in kept], [label for _, label in kept]


def labels_from_names(institution: Institution, names: list[str]) -> tuple[list[str | None], set[str]]:
    """Category ids (as text) for category names in a CSV, by folded name; and the names not found."""
    by_key = {
        turkish.fold(c.name): str(c.pk) for c in Category.objects.filter(institution=institution, active=True)
    }
    ids, unknown = [], set()
    for name in names:
        found = by_key.get(turkish.fold(name)) or (name if name in by_key.values() else None)
        if found is None:
            unknown.add(name)
        ids.append(found)
    return ids, unknown


class NotEnoughData(Exception):
    pass


@dataclass(frozen=True)
class Trained:
    row: RouterModel
    router: Router


def train(
    institution: Institution,
    texts: list[str] | None = None,
    labels: list[str] | None = None,
    *,
    source: str = RouterModel.Source.CASES,
) -> Trained:
    """Train, measure on a held-out quarter, train again on everything, and store as the next version.

    Without texts, learns from the institution's finished cases. Labels are category ids (as text).
    """
    if texts is None:
        texts, labels = training_cases(institution)
    texts, labels = keep_learnable(list(texts), list(labels or []))
    if len(set(labels)) < 2:
        raise NotEnoughData(
            f"{institution.slug}: {len(texts)} usable texts in {len(set(labels))} categories; "
            f"at least two categories with {MIN_PER_CATEGORY} texts each are needed"
        )
    train_x, train_y, test_x, test_y = split(texts, labels)
    metrics = {}
    if test_x:
        metrics = evaluate(Router().fit(train_x, train_y), test_x, test_y).as_dict()
    router = Router().fit(texts, labels)
    now = timezone.now()
    for _attempt in range(3):
        version = (
            RouterModel.objects.filter(institution=institution).aggregate(v=Max("version"))["v"] or 0
        ) + 1
        try:
            with transaction.atomic():
                row = RouterModel.objects.create(
                    institution=institution,
                    version=version,
                    trained_at=now,
                    source=source,
                    trained_on=len(texts),
                    labels=router.labels,
                    metrics=metrics,
                    blob=router.dumps(),
                    sklearn_version=sklearn.__version__,
                )
            break
        except IntegrityError:  # another worker stored the same version at the same moment
            continue
    else:
        raise RuntimeError("could not store the trained model")
    _cache_put(institution.pk, row.pk, router)
    log.info("router for %s v%s trained on %s texts: %s", institution.slug, version, len(texts), metrics)
    return Trained(row, router)


# -- the model in use, loaded once per process ---------------------------------------------------------

_loaded: dict[int, tuple[int, Router]] = {}
_lock = threading.Lock()


def _cache_put(institution_id: int, row_pk: int, router: Router) -> None:
    with _lock:
        _loaded[institution_id] = (row_pk, router)


def current(institution: Institution | int) -> tuple[RouterModel, Router] | None:
    """The institution's newest active model, or None. Its row comes from the per-process set-up cache
    (kentmasa.routing.cached: a new or changed model clears it); the model itself is unpickled once per
    process and version."""
    institution_id = institution if isinstance(institution, int) else institution.pk
    row = cached.router_row(institution_id)
    if row is None:
        return None
    with _lock:
        loaded = _loaded.get(institution_id)
    if loaded is not None and loaded[0] == row.pk:
        return row, loaded[1]
    blob = RouterModel.objects.filter(pk=row.pk).values_list("blob", flat=True).first()
    try:
        router = Router.loads(bytes(blob or b""))
    except Exception:  # an old format or a scikit-learn the model cannot be read with: retrain it
        log.exception("stored router %s of institution %s cannot be read", row.pk, institution_id)
        return None
    _cache_put(institution_id, row.pk, router)
    return row, router


def forget_loaded() -> None:
    with _lock:
        _loaded.clear()


# -- retraining ----------------------------------------------------------------------------------------


def corrections_since(row: RouterModel) -> int:
    """Finished cases, predicted at intake by this institution's classifier after ``row`` was trained,
    whose category ended up different from the prediction (an operator chose or corrected it)."""
    return (
        Case.objects.filter(
            institution_id=row.institution_id,
            status__in=FINISHED,
            category__isnull=False,
            resolved_at__gte=row.trained_at,
            routing_prediction__isnull=False,
        )
        .exclude(routing_prediction__category=F("category"))
        .count()
    )


def finished_since(institution: Institution, since: dt.datetime) -> int:
    return Case.objects.filter(
        institution=institution, status__in=FINISHED, category__isnull=False, resolved_at__gte=since
    ).count()


def needs_training(institution: Institution) -> str:
    """Why the institution's model should be (re)trained now, or "" when it need not be."""
    row = (
        RouterModel.objects.filter(institution=institution, active=True)
        .order_by("-version")
        .defer("blob")
        .first()
    )
    if row is None:
        available = Case.objects.filter(
            institution=institution, status__in=FINISHED, category__isnull=False
        ).count()
        return "no model yet" if available >= int(setting("MIN_CASES", 50)) else ""
    corrected = corrections_since(row)
    if corrected >= int(setting("RETRAIN_CORRECTIONS", 20)):
        return f"{corrected} corrections"
    grown = finished_since(institution, row.trained_at)
    if grown >= max(int(setting("RETRAIN_NEW_CASES", 100)), row.trained_on // 2):
        return f"{grown} new finished cases"
    return ""


def retrain_all() -> list[str]:
    """Retrain every institution whose model needs it; one worker per institution at a time."""
    done = []
    for institution in Institution.objects.exclude(kind=Institution.Kind.EXTERNAL).order_by("pk"):
        reason = needs_training(institution)
        if not reason:
            continue
        lock = f"kentmasa:routing:train:{institution.pk}"
        if not cache.add(lock, "1", timeout=60 * 60):
            continue  # another worker is training this institution now
        try:
            trained = train(institution)
        except NotEnoughData as error:
            log.info("router not trained: %s", error)
            continue
        finally:
            cache.delete(lock)
        done.append(f"{institution.slug} v{trained.row.version} ({reason})")
    return done
