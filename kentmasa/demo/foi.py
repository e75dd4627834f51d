"""Adana's information service for the demo (Law 4982, kentmasa.foi): run by the loader at every load.

Once, when Adana has no information service set up yet: its settings (the Bilgi Edinme Servisi, the
"Bilgi edinme başvurusu (4982)" topic, the letters signed by the Basın Yayın ve Halkla İlişkiler head), this
year's fee table (figures of a published 2024 tariff), and a request in every state, each taken there by the
foi services exactly as `bilgiedinme` (the service's officer) would on its page, at moments in the past so
that the clocks read true today:

in the eligibility check; incomplete (no TC kimlik no); in progress (sent to the road unit); extended to 30
iş günü; awaiting the fee; granted; partly granted (the contractor's trade secret withheld, m.23); refused
(an administrative investigation, m.19); sent to another institution (ASKİ); withdrawn (the fee not paid in
15 iş günü); deemed refused (İYUK m.10: 30 days unanswered); refused, objected to the Kurul and decided.

Nothing is sent to anybody (replies suppressed). A second load finds the settings and adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kentmasa.cases.intake import Inbound, open_from
from kentmasa.cases.models import Channel, Kind
from kentmasa.channels import replies
from kentmasa.demo.tables import ADANA_SLUG
from kentmasa.directory.models import Category, Institution, Unit, User
from kentmasa.foi import fees, services
from kentmasa.foi.models import FeeTable, FoiRequest, FoiSettings, Objection
from kentmasa.foi.services import Identity

OFFICE_UNIT = "Bilgi Edinme Servisi"
HOLDER_UNIT = "Yol Bakım Şube Müdürlüğü"
OFFICER = "bilgiedinme"
CATEGORY = "Bilgi edinme başvurusu (4982)"


@dataclass(frozen=True)
class Applicant:
    name: str
    email: str
    phone: str
    address: str


APPLICANTS = [
    Applicant(
        "Selin Aydın", "selin.aydin@example.com", "+905321110001", "Reşatbey Mah. 62004 Sok. No:5 Seyhan"
    ),
    Applicant(
        "Murat Çelik", "murat.celik@example.com", "+905321110002", "Güzelyalı Mah. 81203 Sok. No:9 Çukurova"
    ),
    Applicant(
        "Zehra Koç", "zehra.koc@example.com", "+905321110003", "Yenibaraj Mah. Turgut Özal Bulv. Seyhan"
    ),
    Applicant("Hasan Yıldız", "hasan.yildiz@example.com", "+905321110004", "Kiremithane Mah. Yüreğir"),
]


def tc_kimlik(seed: int) -> str:
    """A valid (made-up) TC kimlik no: nine digits from ``seed``, then the two check digits."""
    digits = [int(ch) for ch in f"{100000000 + seed * 7919 % 899999999:09d}"]
    digits[0] = digits[0] or 1
    d10 = ((sum(digits[0:9:2]) * 7) - sum(digits[1:8:2])) % 10
    d11 = (sum(digits) + d10) % 10
    return "".join(map(str, [*digits, d10, d11]))


def set_up(*, now: dt.datetime | None = None) -> int:
    """Add Adana's information service and its requests once; returns how many requests were made."""
    adana = Institution.objects.filter(slug=ADANA_SLUG).first()
    if adana is None or FoiSettings.objects.filter(institution=adana).exists():
        return 0
    office = Unit.objects.filter(institution=adana, name=OFFICE_UNIT).first()
    holder = Unit.objects.filter(institution=adana, name=HOLDER_UNIT).first()
    officer = User.objects.filter(username=OFFICER, institution=adana, is_active=True).first()
    if office is None or holder is None or officer is None:
        return 0
    now = now or timezone.now()
    with replies.suppressed(), transaction.atomic():
        FoiSettings.objects.create(
            institution=adana,
            unit=office,
            category=Category.objects.filter(institution=adana, name=CATEGORY).first(),
            signer_name="Basın Yayın ve Halkla İlişkiler Dairesi Başkanı",
            signer_title="Adana Büyükşehir Belediyesi",
        )
        for year in sorted({timezone.localtime(now - dt.timedelta(days=age)).year for age in (0, 70)}):
            _fee_table(adana, year)
        return _requests(adana, officer, holder, now)


def _fee_table(adana: Institution, year: int) -> None:
    FeeTable.objects.get_or_create(
        institution=adana,
        year=year,
        defaults={
            "bw_page": Decimal("9.56"),
            "colour_page": Decimal("19.43"),
            "research_page": Decimal("1.00"),
            "research_cap": Decimal("194.30"),
            "disc": Decimal("30.00"),
            "postage": Decimal("45.00"),
        },
    )


def _open(adana: Institution, n: int, subject: str, text: str, received: dt.datetime) -> FoiRequest:
    person = APPLICANTS[n % len(APPLICANTS)]
    case = open_from(
        Inbound(
            channel=Channel.EMAIL,
            institution=adana,
            kind=Kind.INFORMATION_REQUEST,
            subject=subject,
            text=text,
            name=person.name,
            email=person.email,
            phone=person.phone,
            postal_address=person.address,
            proven=frozenset({"email"}),
            received_at=received,
            opening={"demo": "foi"},
        )
    )
    return FoiRequest.objects.get(case_id=case.pk)


def _identity(n: int) -> Identity:
    person = APPLICANTS[n % len(APPLICANTS)]
    return Identity(name=person.name, tc_kimlik=tc_kimlik(n + 1), email=person.email, address=person.address)


def _requests(adana: Institution, officer: User, holder: Unit, now: dt.datetime) -> int:
    def days(n: float) -> dt.datetime:
        return now - dt.timedelta(days=n)

    def fresh(request: FoiRequest) -> FoiRequest:
        return FoiRequest.objects.select_related("case").get(pk=request.pk)

    made = 0

    def started(n: int, subject: str, text: str, age: float) -> FoiRequest:
        nonlocal made
        made += 1
        request = _open(adana, n, subject, text, days(age))
        services.accept(request, actor=officer, identity=_identity(n), now=days(age - 0.1))
        return fresh(request)

    # 1. In the eligibility check, arrived this morning.
    made += 1
    _open(
        adana,
        0,
        "Otobüs hatları sefer sayıları",
        "4982 sayılı Kanun uyarınca 2025 yılında 171 numaralı "
        "hatta yapılan günlük sefer sayılarını öğrenmek istiyorum.",
        days(0.2),
    )
    # 2. Incomplete: no TC kimlik no in the mail.
    made += 1
    request = _open(
        adana,
        1,
        "Park projesi vaziyet planı",
        "Çukurova'daki yeni park projesinin vaziyet planının bir örneğini istiyorum.",
        days(3),
    )
    services.mark_incomplete(request, actor=officer, missing=["tc_kimlik"], now=days(2.9))
    # 3. In progress, sent to the road unit that holds the information.
    request = started(
        2,
        "Asfalt ihalesi sözleşme bedeli",
        "4982 sayılı Kanun uyarınca 2025 yılı Seyhan asfalt "
        "ihalesinin yüklenicisini ve sözleşme bedelini öğrenmek istiyorum.",
        4,
    )
    services.forward_to_unit(
        request, actor=officer, unit=holder, note="Sözleşme dosyası sizde.", now=days(3.8)
    )
    # 4. Extended to 30 iş günü: the road unit needs ASKİ's records.
    request = started(
        3,
        "Kazı ruhsatları listesi",
        "Reşatbey Mahallesi'nde 2025 yılında verilen kazı ruhsatlarının listesini istiyorum.",
        9,
    )
    services.forward_to_unit(request, actor=officer, unit=holder, now=days(8.8))
    services.ask_opinion(fresh(request), actor=officer, of="ASKİ Genel Müdürlüğü", now=days(8))
    services.extend(
        fresh(request),
        actor=officer,
        reason="Bilgiler ASKİ Genel Müdürlüğünden temin edilecektir.",
        now=days(7),
    )
    # 5. Awaiting the fee: 40 pages of tender documents.
    request = started(
        0,
        "İhale şartnamesi örneği",
        "Yol bakım ihalesinin teknik şartnamesinin bir örneğini posta ile istiyorum.",
        6,
    )
    services.tell_fee(request, actor=officer, order=fees.Order(bw_pages=40, by_post=True), now=days(2))
    # 6. Granted.
    request = started(
        1,
        "Mahalle parkı bakım giderleri",
        "Güzelyalı parkının 2025 bakım giderlerini öğrenmek istiyorum.",
        15,
    )
    services.decide(
        request,
        actor=officer,
        decision="granted",
        answer="Güzelyalı parkının 2025 yılı bakım gideri 412.000 TL'dir.",
        now=days(10),
    )
    # 7. Partly granted: the contractor's unit prices are its trade secret.
    request = started(
        2, "Aydınlatma ihalesi teklifleri", "Bulvar aydınlatma ihalesine verilen teklifleri istiyorum.", 20
    )
    services.decide(
        request,
        actor=officer,
        decision="partly",
        answer="İhaleye dört teklif verilmiş, ihale en düşük teklif olan 3.150.000 TL ile sonuçlanmıştır.",
        withheld="İstekli firmaların birim fiyat cetvelleri (ticari sır).",
        ground_keys=["m23"],
        now=days(12),
    )
    # 8. Refused: an administrative investigation is under way.
    request = started(
        3,
        "Zabıta tutanakları",
        "Kiremithane'deki işyeri hakkında tutulan zabıta tutanaklarını istiyorum.",
        18,
    )
    services.decide(
        request,
        actor=officer,
        decision="refused",
        answer="İstenen tutanaklar devam eden bir idari soruşturmanın konusudur.",
        ground_keys=["m19"],
        now=days(9),
    )
    # 9. Sent to the institution that holds the information.
    made += 1
    request = _open(
        adana, 0, "Su kesintisi planı", "Seyhan'daki planlı su kesintilerinin listesini istiyorum.", days(5)
    )
    services.forward_out(
        request,
        actor=officer,
        to="ASKİ Genel Müdürlüğü",
        note="Su kesintisi planları ASKİ Genel Müdürlüğünde bulunmaktadır.",
        now=days(4.8),
    )
    # 10. Withdrawn: the fee was not paid within 15 iş günü.
    request = started(
        1, "İmar planı paftaları", "Çukurova imar planının tüm paftalarının renkli kopyalarını istiyorum.", 40
    )
    services.tell_fee(request, actor=officer, order=fees.Order(colour_pages=60), now=days(35))
    services.expire_fees(now=now)
    # 11. Deemed refused (İYUK m.10): 30 days without an answer.
    request = started(
        2, "Kent meydanı proje maliyeti", "Kent meydanı projesinin toplam maliyetini öğrenmek istiyorum.", 33
    )
    services.forward_to_unit(request, actor=officer, unit=holder, now=days(32))
    services.sweep_silence(now=now)
    # 12. Refused, objected to the Kurul, decided.
    request = started(
        3,
        "Belediye araç kiralama sözleşmesi",
        "Belediyenin araç kiralama sözleşmesinin bir örneğini istiyorum.",
        70,
    )
    services.decide(
        request,
        actor=officer,
        decision="refused",
        answer="Sözleşme kurum içi düzenleme niteliğindedir.",
        ground_keys=["m25"],
        now=days(60),
    )
    objection = services.record_objection(
        fresh(request), actor=officer, lodged_on=timezone.localtime(days(55)).date(), now=days(54)
    )
    services.record_kurul_decision(
        objection,
        actor=officer,
        outcome=Objection.Outcome.ACCEPTED,
        decided_on=timezone.localtime(days(20)).date(),
        followed="Kurul kararı üzerine sözleşme örneği başvuru sahibine gönderildi.",
        now=days(19),
    )
    return made
