"""The Turkish texts citizens receive, as shipped. An institution overrides any of them in the admin
(Reply templates); see ReplyTemplate for how the most specific one is chosen."""

import functools

from django.db.models import Q
from django.template import Context, Template

from kentmasa.channels.models import ReplyTemplate
from kentmasa.directory.models import Institution
from kentmasa.lib.process_cache import ProcessCache

# The events a citizen hears of, and what they are told. Short enough for one or two SMS parts.
DEFAULTS: dict[str, tuple[str, str]] = {
    "open": (
        "Başvurunuz alındı: {{ tracking_number }}",
        "{{ institution }}: Başvurunuz alındı. Takip no: {{ tracking_number }}, doğrulama kodu: "
        "{{ case.verification_code }}.{% if due %} Son tarih: {{ due }}.{% endif %} {{ track_url }}"
        "{% if due and standards_url %} Süre aşılırsa: {{ standards_url }}{% endif %}"
        "{% if kvkk_url %} KVKK: {{ kvkk_url }}{% endif %}",
    ),
    "transfer": (
        "Başvurunuz ilgili birime aktarıldı: {{ tracking_number }}",
        "{{ institution }}: {{ tracking_number }} numaralı başvurunuz {{ unit }} birimine aktarıldı.",
    ),
    "ask_citizen": (
        "Başvurunuz için bilgi gerekiyor: {{ tracking_number }}",
        "{{ institution }}: {{ tracking_number }} numaralı başvurunuz için: {{ note }} Bu mesaja yanıt "
        "verebilirsiniz.",
    ),
    "resolve": (
        "Başvurunuz sonuçlandı: {{ tracking_number }}",
        "{{ institution }}: {{ tracking_number }} numaralı başvurunuz sonuçlandı. {{ note }}",
    ),
    "resolve_on_the_spot": (
        "Başvurunuz sonuçlandı: {{ tracking_number }}",
        "{{ institution }}: {{ tracking_number }} numaralı başvurunuz sonuçlandı. {{ note }}",
    ),
    "reopen": (
        "Başvurunuz yeniden açıldı: {{ tracking_number }}",
        "{{ institution }}: Mesajınız alındı, {{ tracking_number }} numaralı başvurunuz yeniden açıldı."
        "{% if due %} Son tarih: {{ due }}.{% endif %} {{ track_url }}",
    ),
    "reject": (
        "Başvurunuz hakkında: {{ tracking_number }}",
        "{{ institution }}: {{ tracking_number }} numaralı başvurunuz işleme alınamadı. Gerekçe: {{ note }}",
    ),
    # Law 4982 art. 11: the applicant is told of the extension and its reason before the 15 days end.
    "foi_extended": (
        "Bilgi edinme başvurunuzun süresi uzatıldı: {{ tracking_number }}",
        "{{ institution }}: {{ tracking_number }} numaralı bilgi edinme başvurunuzun cevap süresi 4982 "
        "sayılı Kanun'un 11. maddesi uyarınca 30 iş gününe uzatıldı. Gerekçe: {{ note }}"
        "{% if due %} Yeni son tarih: {{ due }}.{% endif %} {{ track_url }}",
    ),
    "redirect": (
        "Başvurunuz yönlendirildi: {{ tracking_number }}",
        "{{ institution }}: {{ tracking_number }} numaralı başvurunuz görev alanı gereği "
        "{{ case.redirected_to }} kurumuna yönlendirildi.",
    ),
}


def choose(institution: Institution | int | None, channel: str, action: str) -> tuple[str, str] | None:
    """(subject, body) template source for this institution, channel and event; None if not announced."""
    institution_id = institution.pk if isinstance(institution, Institution) else institution
    best = None
    for template in active_templates(institution_id):
        if template.action != action:
            continue
        score = (template.institution_id is not None) * 2 + (template.channel == channel)
        if template.channel not in ("", channel):
            continue
        if best is None or score > best[0]:
            best = (score, template)
    if best is not None:
        return best[1].subject, best[1].body
    return DEFAULTS.get(action)


# The active templates an institution's answers choose from (its own and every institution's), kept per
# process: a saved or deleted template clears them here at once, in the other processes within
# KENTMASA_CONFIG_CACHE_SECONDS (kentmasa.lib.process_cache). Shared between requests: read only.
ACTIVE = ProcessCache("reply_templates")


def active_templates(institution_id: int | None) -> tuple[ReplyTemplate, ...]:
    def load() -> tuple[ReplyTemplate, ...]:
        own = Q(institution_id=institution_id) if institution_id is not None else Q(pk__in=[])
        return tuple(ReplyTemplate.objects.filter(own | Q(institution__isnull=True), active=True))

    return ACTIVE.get(institution_id, load)


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    return Template(source)


def render(source: str, context: dict) -> str:
    """The template's text for the context, its whitespace collapsed (a template is compiled once per
    process and source)."""
    return " ".join(_compiled(source).render(Context(context, autoescape=False)).split())
