"""The export of everything the institution holds on a person (KVKK m.11/b): JSON and a readable PDF.

``build`` gathers it, only after the person's identity is proven (kentmasa.privacy.requests): their records,
their cases (texts, address, location, dates, status, answers, the public timeline, the attachments' list),
the messages sent to them, their feedback, and a summary of who read their data (the access log). An export
that leaves the desk (``for_contact``) never holds a KADES case or anything of the police incident behind it;
at the desk, to the woman herself with her identity document seen, staff may print her KADES cases on paper
(``with_kades``), never in a file and never in what is sent.

The PDF is laid out with fpdf2 in DejaVu Sans like the desk's receipt (kentmasa.channels.receipts), in
Turkish: it is the person's document. Its page count gives the fee of Tebliğ m.7 (free up to ten pages).
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Count, Max, Min
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from kentmasa.cases.models import Attachment, Case, Channel, Event
from kentmasa.cases.transitions import event_label
from kentmasa.channels.models import Message
from kentmasa.channels.receipts import FONT, FONT_DIR
from kentmasa.feedback.models import FeedbackCall
from kentmasa.privacy.models.requests import DataSubjectRequest
from kentmasa.privacy.requests import person_cases, records, require_proven

MAX_ROWS = 200  # timeline lines, messages and attachments per case


def _when(value: Any) -> str | None:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else None


def build(request: DataSubjectRequest, *, for_contact: bool, with_kades: bool = False) -> dict:
    """Everything held on the person, as plain data (raises RequestError before the identity is proven)."""
    require_proven(request)
    with_kades = with_kades and not for_contact
    people = records(request)
    found = person_cases(request, with_kades=with_kades)
    case_ids = [case.pk for case in found]
    events: dict[int, list[dict]] = {}
    for event in Event.objects.filter(case_id__in=case_ids, public=True).order_by("case_id", "at", "pk"):
        rows = events.setdefault(event.case_id, [])
        if len(rows) < MAX_ROWS:
            rows.append({"at": _when(event.at), "what": event_label(event.action), "note": event.note})
    files: dict[int, list[dict]] = {}
    for item in Attachment.objects.filter(case_id__in=case_ids).order_by("case_id", "created_at", "pk"):
        rows = files.setdefault(item.case_id, [])
        if len(rows) < MAX_ROWS:
            rows.append(
                {
                    "name": item.original_name,
                    "kind": str(item.get_kind_display()),
                    "size": item.size,
                    "added": _when(item.created_at),
                }
            )
    messages: dict[int, list[dict]] = {}
    sent = Message.objects.filter(case_id__in=case_ids, direction=Message.Direction.OUT).order_by(
        "case_id", "created_at", "pk"
    )
    for message in sent:
        if message.case_id is None:
            continue
        rows = messages.setdefault(message.case_id, [])
        if len(rows) < MAX_ROWS:
            rows.append(
                {
                    "at": _when(message.sent_at or message.created_at),
                    "channel": str(message.get_channel_display()),
                    "to": message.address,
                    "subject": message.subject,
                    "text": message.body,
                    "state": str(message.get_state_display()),
                }
            )
    feedback: dict[int, list[dict]] = {}
    for call in FeedbackCall.objects.filter(case_id__in=case_ids).order_by("case_id", "pk"):
        feedback.setdefault(call.case_id, []).append(
            {
                "asked_by": str(call.get_method_display()),
                "outcome": str(call.get_outcome_display()) if call.outcome else "",
                "score": call.score,
                "note": call.note,
            }
        )
    cases_out = []
    for case in found:
        if for_contact and case.channel == Channel.KADES:
            continue  # never (person_cases already left them out)
        cases_out.append(_case(case, events, files, messages, feedback))
    return {
        "institution": request.case.institution.name,
        "application": request.case.tracking_display,
        "made_at": _when(timezone.now()),
        "identity": str(request.get_identity_method_display()),
        "records": [
            {
                "name": person.name,
                "tc_kimlik": person.tc_kimlik or "",
                "phone": person.phone_display,
                "email": person.email,
                "address": person.address,
                "phone_verified": person.phone_verified,
                "email_verified": person.email_verified,
                "created": _when(person.created_at),
            }
            for person in people
        ],
        "cases": cases_out,
        "access_log": _reads(people, case_ids),
        "kades_included": with_kades,
    }


def _case(
    case: Case,
    events: dict[int, list[dict]],
    files: dict[int, list[dict]],
    messages: dict[int, list[dict]],
    feedback: dict[int, list[dict]],
) -> dict:
    return {
        "tracking_number": case.tracking_display,
        "kind": str(case.get_kind_display()),
        "channel": str(case.get_channel_display()),
        "status": str(case.get_status_display()),
        "subject": case.subject,
        "description": case.description,
        "received": _when(case.received_at),
        "due": _when(case.due_at),
        "resolved": _when(case.resolved_at),
        "closed": _when(case.closed_at),
        "category": case.category.name if case.category else "",
        "unit": case.unit.name if case.unit else "",
        "address": ", ".join(
            part
            for part in (case.address_text, case.street, case.building_no, case.neighbourhood, case.district)
            if part
        ),
        "location": [str(case.latitude), str(case.longitude)] if case.has_location else None,
        "answer": case.resolution,
        "rejection_reason": case.rejection_reason,
        "timeline": events.get(case.pk, []),
        "attachments": files.get(case.pk, []),
        "messages_sent": messages.get(case.pk, []),
        "feedback": feedback.get(case.pk, []),
    }


def _reads(people: list, case_ids: list[int]) -> list[dict]:
    """Who read the person's data: per kind of read, how many times, first and last (KVKK access log)."""
    try:
        from kentmasa.privacy.models import AccessLog
    except ImportError:  # pragma: no cover - the access log is part of the same app
        return []
    rows = (
        AccessLog.objects.filter(citizen__in=people)
        .values("what")
        .annotate(reads=Count("id"), first=Min("at"), last=Max("at"))
        .order_by("what")
    )
    return [
        {"what": row["what"], "reads": row["reads"], "first": _when(row["first"]), "last": _when(row["last"])}
        for row in rows[:50]
    ]


def as_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


LABELS = {
    "tracking_number": "Takip no",
    "kind": "Tür",
    "channel": "Kanal",
    "status": "Durum",
    "subject": "Konu",
    "description": "Açıklama",
    "received": "Alındı",
    "due": "Son tarih",
    "resolved": "Sonuçlandı",
    "closed": "Kapandı",
    "category": "Konu başlığı",
    "unit": "Birim",
    "address": "Adres",
    "location": "Konum",
    "answer": "Cevap",
    "rejection_reason": "Ret gerekçesi",
}
RECORD_LABELS = {
    "name": "Ad soyad",
    "tc_kimlik": "TC kimlik no",
    "phone": "Telefon",
    "email": "E-posta",
    "address": "Adres",
    "created": "Kayıt tarihi",
}


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)
        self.set_creator("kentmasa")
        self.add_page()

    def text_line(self, text: str, *, size: float = 9, style: str = "") -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, 4.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pair(self, label: str, value: object) -> None:
        if value in (None, "", []):
            return
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        self.text_line(f"{label}: {value}")


def as_pdf(data: dict) -> bytes:
    return render(data)[0]


def render(data: dict) -> tuple[bytes, int]:
    """The PDF and its number of pages."""
    pdf = _Pdf()
    pdf.text_line(f"{data['institution']}", size=12, style="B")
    pdf.text_line("Kişisel verilerinizin dökümü (6698 sayılı KVKK m.11)", size=11, style="B")
    pdf.text_line(
        f"Başvuru: {data['application']} · Hazırlandı: {data['made_at']} · Kimlik: {data['identity']}"
    )
    pdf.ln(3)
    pdf.text_line("Kayıtlarınız", size=10, style="B")
    for record in data["records"]:
        for key, label in RECORD_LABELS.items():
            pdf.pair(label, record.get(key))
        pdf.ln(2)
    pdf.text_line(f"Başvurularınız ({len(data['cases'])})", size=10, style="B")
    for case in data["cases"]:
        pdf.ln(1)
        pdf.text_line(f"{case['tracking_number']} — {case['subject']}", style="B")
        for key, label in LABELS.items():
            if key not in ("tracking_number", "subject"):
                pdf.pair(label, case.get(key))
        for line in case["timeline"]:
            pdf.text_line(
                f"  {line['at']} {line['what']}{': ' + line['note'] if line['note'] else ''}", size=8
            )
        for item in case["attachments"]:
            pdf.text_line(f"  Ek: {item['name'] or '-'} ({item['kind']}, {item['size']} bayt)", size=8)
        for message in case["messages_sent"]:
            pdf.text_line(
                f"  Gönderilen ({message['channel']}, {message['to']}, {message['at']}): {message['text']}",
                size=8,
            )
        for call in case["feedback"]:
            pdf.text_line(f"  Geri bildirim: {call['outcome']} {call['score'] or ''} {call['note']}", size=8)
    if data["access_log"]:
        pdf.ln(2)
        pdf.text_line("Verilerinizi okuyan kurum personeli (erişim kaydı özeti)", size=10, style="B")
        for row in data["access_log"]:
            pdf.text_line(f"  {row['what']}: {row['reads']} kez ({row['first']} – {row['last']})", size=8)
    return bytes(pdf.output()), pdf.page_no()


def page_count(data: dict) -> int:
    """Pages of the PDF (the fee counts them, Tebliğ m.7)."""
    return render(data)[1]
