"""Money and hours as people read them; light enough for every module that shows a price."""

from __future__ import annotations

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def format_money(amount: float, currency: str) -> str:
    """€1,290 / €49.90 / 1,200 CHF — whole amounts without cents."""
    text = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def format_hours(hours: float) -> str:
    """16 h / 7.5 h."""
    return f"{hours:.0f} h" if float(hours).is_integer() else f"{hours:.1f} h"
