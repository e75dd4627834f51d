"""What an administrator tells the router, and what the router remembers.

- RoutingRule: category (+ area, + keywords) → the unit that answers. See kentmasa.routing.rules for the
  order in which rules win.
- Competence: in a metropolitan city, whether a category is the metropolitan municipality's or the
  district municipality's where the point lies (and the reverse for a district municipality).
- ExternalMatter: what belongs to another body altogether (electricity, gas, police, a ministry), and the
  reason the citizen is told when the case is redirected there.
- RoutingFlag: a case found at intake to be outside the institution's territory or competence, or
  another body's matter, with where it should go.
- RouterModel / Prediction: the institution's trained text classifier, and what it said about each case.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kentmasa.routing import text as turkish_text


def _folded_keywords(keywords: str) -> str:
    return ", ".join(turkish_text.split_phrases(keywords))


KEYWORDS_HELP = _(
    "Words or phrases separated by commas. Capitals and Turkish letters do not matter, and each word also "
    "matches with suffixes: “çukur” finds “çukurlar” and “çukuru”."
)


class RoutingRule(models.Model):
    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="routing_rules",
    )
    category = models.ForeignKey(
        "directory.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text=_("Empty: the rule applies whatever the category."),
    )
    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routing_rules",
        limit_choices_to={"kind__in": ["ilce", "mahalle"]},
        help_text=_("A district (ilçe) or neighbourhood (mahalle). Empty: anywhere."),
    )
    keywords = models.CharField(_("keywords"), max_length=500, blank=True, help_text=KEYWORDS_HELP)
    keywords_key = models.CharField(max_length=800, editable=False, blank=True)
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="routing_rules",
    )
    priority = models.SmallIntegerField(
        _("priority"),
        default=0,
        help_text=_("Among rules of the same kind that match, the highest priority wins."),
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["institution__name", "-priority", "pk"]
        indexes = [models.Index(fields=["institution", "active"], name="routing_rule_institution")]

    def __str__(self) -> str:
        parts = [str(self.category) if self.category_id else gettext("any category")]
        if self.area_id:
            parts.append(str(self.area))
        if self.keywords:
            parts.append(f"“{self.keywords}”")
        return " + ".join(parts) + f" → {self.unit}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.keywords_key = _folded_keywords(self.keywords)
        super().save(*args, **kwargs)

    @property
    def area_kind(self) -> str:
        return self.area.kind if self.area else ""

    def clean(self) -> None:
        if not self.area_id and not turkish_text.split_phrases(self.keywords):
            raise ValidationError(
                _("A rule needs an area or keywords; a category's usual unit is set on the category itself.")
            )
        if self.area and self.area.kind not in ("ilce", "mahalle"):
            raise ValidationError({"area": _("Choose a district (ilçe) or a neighbourhood (mahalle).")})
        institution_id = self.institution_id
        for related in (self.category if self.category_id else None, self.unit if self.unit_id else None):
            if related is not None and institution_id and related.institution_id != institution_id:
                raise ValidationError(_("The category and the unit must belong to the rule's institution."))


class Competence(models.Model):
    class Level(models.TextChoices):
        METROPOLITAN = "metropolitan", _("Metropolitan municipality")
        DISTRICT = "district", _("District municipality where the point lies")

    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="competences",
    )
    category = models.ForeignKey(
        "directory.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="competences",
    )
    level = models.CharField(_("whose matter"), max_length=20, choices=Level.choices)
    note = models.CharField(
        _("note"), max_length=300, blank=True, help_text=_("E.g. the article of Law 5216 it rests on.")
    )

    class Meta:
        verbose_name = _("competence")
        verbose_name_plural = _("competences")
        ordering = ["institution__name", "category__name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "category"], name="routing_competence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.get_level_display()}"

    def clean(self) -> None:
        if self.category_id and self.institution_id and self.category.institution_id != self.institution_id:
            raise ValidationError(_("The category must belong to the institution."))
        if self.institution_id and self.institution.kind not in ("metropolitan", "district"):
            raise ValidationError(_("Competence is set for metropolitan and district municipalities."))


class ExternalMatter(models.Model):
    """A matter another body handles: the case is redirected there and the citizen told why."""

    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="external_matters",
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("E.g. “Electricity outage”."))
    keywords = models.CharField(_("keywords"), max_length=500, blank=True, help_text=KEYWORDS_HELP)
    keywords_key = models.CharField(max_length=800, editable=False, blank=True)
    category = models.ForeignKey(
        "directory.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="external_matters",
        help_text=_("Cases of this category are this body's matter whatever their words."),
    )
    body_name = models.CharField(
        _("body"), max_length=200, help_text=_("Who handles it, e.g. “TEDAŞ / Toroslar EDAŞ (186)”.")
    )
    reason = models.TextField(
        _("reason shown to the citizen"),
        help_text=_("E.g. “Electricity outages are handled by the distribution company; call 186.”"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("another body's matter")
        verbose_name_plural = _("other bodies' matters")
        ordering = ["institution__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} → {self.body_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.keywords_key = _folded_keywords(self.keywords)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if not self.category_id and not turkish_text.split_phrases(self.keywords):
            raise ValidationError(_("Give keywords, a category, or both."))
        if self.category and self.institution_id and self.category.institution_id != self.institution_id:
            raise ValidationError(_("The category must belong to the institution."))


class RoutingFlag(models.Model):
    """Something the router found at intake that a person should act on; shown on the case page."""

    class Kind(models.TextChoices):
        TERRITORY = "territory", _("Outside the institution's territory")
        COMPETENCE = "competence", _("Another municipality's competence")
        EXTERNAL = "external", _("Another body's matter")
        CATEGORY = "category", _("Category not certain")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="routing_flags")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    target_institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("should go to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body_name = models.CharField(_("body"), max_length=200, blank=True)
    place = models.CharField(_("where"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("flagged"), auto_now_add=True)
    cleared_at = models.DateTimeField(_("dealt with"), null=True, blank=True)

    class Meta:
        verbose_name = _("routing flag")
        verbose_name_plural = _("routing flags")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="routing_flag_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()}"


class RouterModel(models.Model):
    """One trained text classifier of an institution; the newest active one is used."""

    class Source(models.TextChoices):
        CASES = "cases", _("The institution's closed cases")
        CSV = "csv", _("A CSV file")

    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="router_models",
    )
    version = models.PositiveIntegerField(_("version"))
    trained_at = models.DateTimeField(_("trained"))
    source = models.CharField(_("trained from"), max_length=10, choices=Source.choices)
    trained_on = models.PositiveIntegerField(_("texts trained on"))
    labels = models.JSONField(_("categories"), default=list, help_text=_("Category ids the model knows."))
    metrics = models.JSONField(_("held-out figures"), default=dict, blank=True)
    blob = models.BinaryField(editable=False)
    sklearn_version = models.CharField(max_length=20, editable=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("text classifier")
        verbose_name_plural = _("text classifiers")
        ordering = ["institution__name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "version"], name="routing_router_version")
        ]

    def __str__(self) -> str:
        return f"{self.institution} v{self.version}"


class Prediction(models.Model):
    """What the classifier said about a case at intake; a later category that differs is a correction."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="routing_prediction")
    router_model = models.ForeignKey(RouterModel, null=True, blank=True, on_delete=models.SET_NULL)
    category = models.ForeignKey(
        "directory.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField(default=0)
    suggestions = models.JSONField(default=list)  # [{"category": id, "probability": p}, …] best first
    applied = models.BooleanField(default=False)  # the router set the category by itself
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("classifier prediction")
        verbose_name_plural = _("classifier predictions")

    def __str__(self) -> str:
        return f"{self.case_id} {self.category_id} {self.confidence:.2f}"
