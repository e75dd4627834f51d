"""The cost of access to information (Law 4982 art. 10, Yönetmelik art. 22), computed from a fee table.

Pure Python. The Bilgi ve Belgeye Erişim Ücreti Genel Tebliği (Sıra No: 1, Resmî Gazete 14.02.2006): the
first ten pages are free, postage included; after them a per-page fee (black and white, colour), a per-page
research and review fee with a ceiling, the cost of media (CD/DVD, memory), and postage. The figures are
raised each year by the yeniden değerleme oranı, so each institution keeps a table per year.

The free pages are taken from the dearer colour pages first: the applicant pays the least the notice allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

FREE_PAGES = 10
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rates:
    bw_page: Decimal = Decimal("0")
    colour_page: Decimal = Decimal("0")
    research_page: Decimal = Decimal("0")
    research_cap: Decimal = Decimal("0")  # 0: no ceiling
    disc: Decimal = Decimal("0")  # a CD or DVD
    postage: Decimal = Decimal("0")


@dataclass(frozen=True)
class Order:
    bw_pages: int = 0
    colour_pages: int = 0
    discs: int = 0
    by_post: bool = False

    def __post_init__(self) -> None:
        for name in ("bw_pages", "colour_pages", "discs"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0 or value > 100_000:
                raise ValueError(f"{name} must be a whole number from 0 to 100000")


@dataclass(frozen=True)
class Cost:
    lines: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((amount for _label, amount in self.lines), Decimal("0")).quantize(CENT)

    def as_text(self) -> str:
        """In Turkish, one line per item and the total: "11 sayfa siyah-beyaz × 9,56 TL: 105,16 TL"."""
        rows = [f"{label}: {lira(amount)}" for label, amount in self.lines]
        rows.append(f"Toplam: {lira(self.total)}")
        return "\n".join(rows)

    def as_data(self) -> dict:
        return {"lines": [[label, str(amount)] for label, amount in self.lines], "total": str(self.total)}


def lira(amount: Decimal) -> str:
    """Turkish style: 1.234,50 TL."""
    text = f"{amount.quantize(CENT, ROUND_HALF_UP):,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".") + " TL"


def cost(order: Order, rates: Rates) -> Cost:
    """What the applicant pays for this order; nothing for ten pages or fewer and no disc."""
    pages = order.bw_pages + order.colour_pages
    free = FREE_PAGES
    colour = max(order.colour_pages - free, 0)
    free -= min(order.colour_pages, free)
    bw = max(order.bw_pages - free, 0)
    charged = bw + colour
    lines: list[tuple[str, Decimal]] = []
    if bw:
        lines.append((f"{bw} sayfa siyah-beyaz × {lira(rates.bw_page)}", _money(bw * rates.bw_page)))
    if colour:
        lines.append(
            (f"{colour} sayfa renkli × {lira(rates.colour_page)}", _money(colour * rates.colour_page))
        )
    if charged and rates.research_page:
        research = charged * rates.research_page
        if rates.research_cap and research > rates.research_cap:
            research = rates.research_cap
        lines.append((f"Araştırma ve inceleme ({charged} sayfa)", _money(research)))
    if order.discs:
        lines.append((f"{order.discs} adet CD/DVD × {lira(rates.disc)}", _money(order.discs * rates.disc)))
    if order.by_post and (pages > FREE_PAGES or order.discs) and rates.postage:
        lines.append(("Posta gideri", _money(rates.postage)))
    return Cost([(label, amount) for label, amount in lines if amount > 0])


def _money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)
