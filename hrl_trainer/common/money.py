"""Euros as people read them, in one locale for every page, sentence and report (French/Italian
style as `Intl.NumberFormat('fr-FR', {style: 'currency', currency: 'EUR'})` writes it: "3 500 €")."""

from __future__ import annotations

GROUP = "\u202f"  # narrow no-break space between thousands
BEFORE_SIGN = "\u00a0"  # no-break space before the euro sign


def format_euro(value: float, cents: bool = False) -> str:
    """`3500` -> "3 500 €"; negative amounts get a minus sign; `cents` keeps two decimals (comma)."""
    rounded = round(float(value), 2 if cents else 0)
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):,.2f}".partition(".")
    text = whole.replace(",", GROUP) + ("," + fraction if cents else "")
    return f"{sign}{text}{BEFORE_SIGN}€"
