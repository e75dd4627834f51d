"""The legal grounds a refusal or a withheld part must cite, and the remedies a refusal must state.

Pure Python. Law 4982 (Bilgi Edinme Hakkı Kanunu): the limits of the right are articles 15–28 (Dördüncü
Bölüm, "Bilgi Edinme Hakkının Sınırları"), each chosen by its article and title; articles 7 and 8 say what
an application cannot ask for (a separate study; what is already published). Article 9 lets the institution
give the rest after removing what is secret (partly granted); article 12 asks that a refusal states its
reason and the remedies; article 13 gives the objection to the Bilgi Edinme Değerlendirme Kurulu within
15 days of the notice (the Kurul decides in 30 iş günü); the administrative court stays open (İYUK).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ground:
    key: str
    article: int
    title: str

    @property
    def label(self) -> str:
        return f"4982 s. Kanun m.{self.article} – {self.title}"


GROUNDS: tuple[Ground, ...] = (
    Ground("m7", 7, "Ayrı veya özel bir çalışma, araştırma, inceleme ya da analiz gerektiren bilgi"),
    Ground("m8", 8, "Yayımlanmış veya kamuya açıklanmış bilgi veya belgeler"),
    Ground("m15", 15, "Yargı denetimi dışında kalan işlemler"),
    Ground("m16", 16, "Devlet sırrına ilişkin bilgi veya belgeler"),
    Ground("m17", 17, "Ülkenin ekonomik çıkarlarına ilişkin bilgi veya belgeler"),
    Ground("m18", 18, "İstihbarata ilişkin bilgi veya belgeler"),
    Ground("m19", 19, "İdari soruşturmaya ilişkin bilgi veya belgeler"),
    Ground("m20", 20, "Adli soruşturma ve kovuşturmaya ilişkin bilgi veya belgeler"),
    Ground("m21", 21, "Özel hayatın gizliliği"),
    Ground("m22", 22, "Haberleşmenin gizliliği"),
    Ground("m23", 23, "Ticari sır"),
    Ground("m24", 24, "Fikir ve sanat eserleri"),
    Ground("m25", 25, "Kurum içi düzenlemeler"),
    Ground("m26", 26, "Kurum içi görüş, bilgi notu ve tavsiyeler"),
    Ground("m27", 27, "Tavsiye ve mütalaa talepleri"),
    Ground("m28", 28, "Gizliliği kaldırılan bilgi veya belgeler"),
)
BY_KEY = {ground.key: ground for ground in GROUNDS}
CHOICES = [(ground.key, ground.label) for ground in GROUNDS]

OBJECTION_DAYS = 15  # art. 13: calendar days from the notice of refusal
KURUL_BUSINESS_DAYS = 30  # art. 13: the Kurul decides within 30 iş günü

REMEDIES = (
    "Bu karara karşı, 4982 sayılı Bilgi Edinme Hakkı Kanunu'nun 13. maddesi uyarınca kararın size "
    "tebliğinden itibaren 15 gün içinde Bilgi Edinme Değerlendirme Kurulu'na itiraz edebilirsiniz; Kurul "
    "itirazı 30 iş günü içinde karara bağlar. İtiraz, idari yargı yoluna başvurma süresini durdurur. "
    "Dilerseniz doğrudan idare mahkemesinde dava da açabilirsiniz (2577 sayılı İdari Yargılama Usulü Kanunu)."
)


def labels(keys: list[str]) -> list[str]:
    """The labels of the grounds named by ``keys`` (unknown keys are left out), in the law's order."""
    return [ground.label for ground in GROUNDS if ground.key in set(keys)]


def unknown(keys: list[str]) -> list[str]:
    return [key for key in keys if key not in BY_KEY]
