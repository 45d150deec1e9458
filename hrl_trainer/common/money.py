"""Money, numbers, percentages and dates as people read them: the Python half of the product's one voice.

The page's formatter (static/js/format.js, over the browser's Intl) is the other half; the printable report,
the advice sentence and the command line write through this module, with the same rules, in the same
locales. tests/hrl_trainer/common/formats.json holds what both halves must write, number by number.

A locale is one of SUPPORTED_LOCALES; any other language falls back to DEFAULT_LOCALE (the product is in
English). `pick_locale` chooses as the page does: the first language of the person's list that is
supported (by its language subtag: "en-US" is written as "en-GB", "it" as "it-IT")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_LOCALE = "en-GB"


@dataclass(frozen=True)
class Voice:
    """How one locale writes numbers (CLDR, as Intl.NumberFormat does) and medium dates."""

    group: str  # between thousands
    decimal: str
    min_grouping: int  # the integer digits beyond three before thousands are grouped (Italian: 1234, 12.345)
    euro_first: bool  # €1,234 or 1234 €
    months: tuple[str, ...]  # abbreviated month names, January first


VOICES = {
    "en-GB": Voice(
        ",", ".", 1, True, ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec")
    ),
    "it-IT": Voice(
        ".", ",", 2, False, ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic")
    ),
}
SUPPORTED_LOCALES = tuple(VOICES)
NO_BREAK = "\u00a0"  # between an Italian amount and its euro sign


def pick_locale(languages: Iterable[str]) -> str:
    """The first of `languages` (BCP 47 tags, most wanted first) that the product speaks, else DEFAULT_LOCALE."""
    for language in languages:
        wanted = language.split("-")[0].split("_")[0].lower()
        for locale in SUPPORTED_LOCALES:
            if locale.split("-")[0] == wanted:
                return locale
    return DEFAULT_LOCALE


def _voice(locale: str | None) -> Voice:
    return VOICES.get(locale or DEFAULT_LOCALE, VOICES[DEFAULT_LOCALE])


def _rounded(value: float, digits: int, shift: int = 0) -> Decimal:
    """`value` (times 10**shift) rounded half away from zero, from its shortest decimal form (as Intl rounds)."""
    exact = Decimal(repr(float(value))).scaleb(shift)
    return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _digits(number: Decimal, voice: Voice) -> str:
    """The unsigned digits of `number`, grouped and with the locale's decimal mark."""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    if len(whole) >= 3 + voice.min_grouping:
        head = len(whole) % 3 or 3
        whole = voice.group.join([whole[:head], *(whole[i : i + 3] for i in range(head, len(whole), 3))])
    return whole + (voice.decimal + fraction if fraction else "")


def _sign(number: Decimal, signed: bool) -> str:
    if number < 0:
        return "-"
    return "+" if signed and number > 0 else ""


def format_number(value: float, digits: int = 0, locale: str | None = None) -> str:
    """`1234.5` -> "1,234.50" (digits=2, en-GB), "1234,50" (it-IT)."""
    number = _rounded(value, digits)
    return _sign(number, False) + _digits(number, _voice(locale))


def format_euro(value: float, digits: int = 0, signed: bool = False, locale: str | None = None) -> str:
    """`3500` -> "€3,500" (en-GB), "3500 €" (it-IT); negative "-€512"; `signed`: "+€40" (zero unsigned)."""
    number, voice = _rounded(value, digits), _voice(locale)
    text = _digits(number, voice)
    return _sign(number, signed) + (f"€{text}" if voice.euro_first else f"{text}{NO_BREAK}€")


def format_percent(share: float, digits: int = 0, locale: str | None = None) -> str:
    """A share as a percentage: `0.125` -> "12.5%" (digits=1, en-GB), "12,5%" (it-IT)."""
    number = _rounded(share, digits, shift=2)
    return _sign(number, False) + _digits(number, _voice(locale)) + "%"


def format_share(share: float | None, locale: str | None = None) -> str:
    """A share as the simulations and the advice show it: one decimal ("98.5%"); "–" when unknown."""
    return "–" if share is None else format_percent(share, 1, locale)


def format_datetime(iso: str, locale: str | None = None, zone: tzinfo | None = None) -> str:
    """An ISO 8601 time as the page writes it: "3 Mar 2025, 14:05" (en-GB), "3 mar 2025, 14:05" (it-IT), in
    `zone` (default: this machine's time zone, as the browser shows the page's dates in its own)."""
    moment = datetime.fromisoformat(iso).astimezone(zone)
    month = _voice(locale).months[moment.month - 1]
    return f"{moment.day} {month} {moment.year}, {moment:%H:%M}"
