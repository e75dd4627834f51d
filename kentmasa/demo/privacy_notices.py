"""The demo's privacy notices (KVKK m.10, kentmasa.privacy): run by the loader before the cases are played.

Once, when Adana has no notice yet: its default notice (the built-in text), a form notice in two versions (the
second adds the photo's location to what is processed, so the public page lists version 1 as an earlier
version), and short desk and SMS/WhatsApp notices; Eskişehir's police directorate gets its default notice.
Every demo case then records the version its applicant was shown. A second load finds them and adds nothing.
"""

from __future__ import annotations

from kentmasa.demo.retention import POLICE_SLUG
from kentmasa.demo.tables import ADANA_SLUG
from kentmasa.directory.models import Institution
from kentmasa.privacy.models import ChannelGroup, Notice
from kentmasa.privacy.notices import default_text, default_title

FORM_EXTRA = (
    "Formda paylaşmayı seçtiğiniz konum yalnızca başvurunuzun yerini bulmak için kullanılır; fotoğraflardaki "
    "konum bilgisi alınırken silinir."
)
MESSAGE_TEXT = (
    "SMS ve WhatsApp ile gönderdiğiniz mesaj, telefon numaranız ve eklediğiniz fotoğraflar yalnızca "
    "başvurunuzu almak, incelemek ve size aynı kanaldan cevap vermek için işlenir."
)
DESK_TEXT = (
    "Masada kimliğinizi göstererek verdiğiniz bilgiler ve belgeler başvurunuzu almak ve sonuçlandırmak için "
    "işlenir; alındı belgesinde bu metnin sürümü yazılıdır."
)


def set_up() -> None:
    adana = Institution.objects.filter(slug=ADANA_SLUG).first()
    if adana is not None and not Notice.objects.filter(institution=adana).exists():
        base = default_text(adana)
        title = default_title(adana)
        _publish(adana, ChannelGroup.DEFAULT, title, base)
        _publish(adana, ChannelGroup.FORM, title, base)
        _publish(adana, ChannelGroup.FORM, title, f"{base}\n\n{FORM_EXTRA}")
        for group in (ChannelGroup.SMS, ChannelGroup.WHATSAPP):
            _publish(adana, group, title, f"{MESSAGE_TEXT}\n\n{base}")
        _publish(adana, ChannelGroup.DESK, title, f"{DESK_TEXT}\n\n{base}")
    police = Institution.objects.filter(slug=POLICE_SLUG).first()
    if police is not None and not Notice.objects.filter(institution=police).exists():
        _publish(police, ChannelGroup.DEFAULT, default_title(police), default_text(police))


def _publish(institution: Institution, group: str, title: str, text: str) -> Notice:
    return Notice.objects.create(institution=institution, channel_group=group, title=title, text=text)
