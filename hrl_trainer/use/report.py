"""A saved simulation as one standalone printable HTML page: inline SVG charts, no scripts, no URLs.

The charts are drawn here, as SVG, because the report must read and print without running anything; they
show what the dashboard's uPlot charts show by default (the trained model's percentile bands and median and
the two strongest baselines' medians), in the same colours, with ticks at the same round steps (1, 2, 2.5 or
5 times a power of ten, as uPlot picks them) and amounts and dates written as the page writes them in the
reader's locale (common.money)."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from hrl_trainer.common.money import format_datetime, format_euro, format_number, format_percent, format_share
from hrl_trainer.evaluation.verdict import described
from hrl_trainer.use.policy_looks import POLICY_LOOKS, SAFETY_BUFFER, policy_look

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 560, 280, 70, 14, 12, 40
HRL_COLOR = POLICY_LOOKS["hrl"].color
STEPS = (1.0, 2.0, 2.5, 5.0)  # tick steps: one of these times a power of ten
SHOWN_BASELINES = 2
MEASURES = {"net_worth": "net worth at the end", "real_net_worth": "real net worth at the end", "reward": "reward"}
STATISTICS = {"mean_paired_difference": "mean paired difference"}
UNITS = {"EUR": "today's €"}
VERDICTS = {"ahead": "model ahead", "level": "level", "behind": "model behind"}


def nice_step(span: float, most: int = 6) -> float:
    """The smallest round step (STEPS times a power of ten) that cuts `span` into at most `most` parts."""
    raw = max(span, 1e-9) / most
    power = 10 ** math.floor(math.log10(raw))
    return next((step * power for step in STEPS if step * power >= raw), 10 * power)


def comparison(record: dict[str, Any], name: str) -> dict[str, Any]:
    """The trained model minus baseline `name`: the headline number, the mean paired difference in real net worth
    (`mean`, `se`, `measure`, `unit`, `statistic`, `households`) and the verdict drawn from it (`described`), also
    for a simulation saved before comparisons carried their verdict."""
    return described(record["paired"][name]["real_net_worth"], "real_net_worth", record["households"])


def comparison_words(c: dict[str, Any]) -> str:
    """ "mean paired difference in net worth at the end, today's € ± standard error, over 200 households" """
    return (
        f"{STATISTICS.get(c['statistic'], c['statistic'].replace('_', ' '))} in "
        f"{MEASURES.get(c['measure'], c['measure'].replace('_', ' '))}, {UNITS.get(c['unit'], c['unit'])} ± standard "
        f"error, over {c['households']} households"
    )


def strongest_baselines(record: dict[str, Any], count: int = SHOWN_BASELINES) -> list[str]:
    """The `count` baselines the trained model is furthest behind (smallest mean paired difference), as the
    dashboard's charts show them by default."""
    return sorted(record["paired"], key=lambda name: comparison(record, name)["mean"])[:count]


class Chart:
    """An SVG line chart of monthly values: x in years, y in euros, ticks at round steps."""

    def __init__(self, months: int, values: list[list[float]], title: str, locale: str | None):
        low, high = min(min(v) for v in values), max(max(v) for v in values)
        self.step = nice_step(high - low if high > low else abs(high) or 1.0)
        self.low = math.floor(low / self.step) * self.step
        self.high = max(math.ceil(high / self.step) * self.step, self.low + self.step)
        self.months, self.title, self.locale = months, title, locale
        self.parts: list[str] = []

    def x(self, month: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * month / max(self.months - 1, 1)

    def y(self, value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (self.high - value) / (self.high - self.low)

    def points(self, values: list[float]) -> str:
        return " ".join(f"{self.x(m):.1f},{self.y(v):.1f}" for m, v in enumerate(values))

    def band(self, low: list[float], high: list[float], color: str, opacity: float) -> None:
        outline = self.points(low) + " " + " ".join(reversed(self.points(high).split()))
        self.parts.append(f'<polygon points="{outline}" fill="{color}" fill-opacity="{opacity}" stroke="none"/>')

    def line(self, values: list[float], color: str, width: float = 1.5, dash: str = "") -> None:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<polyline points="{self.points(values)}" fill="none" stroke="{color}" stroke-width="{width}"{dashes}/>'
        )

    def axes(self) -> str:
        ticks = []
        for i in range(round((self.high - self.low) / self.step) + 1):
            value = self.low + i * self.step
            y = self.y(value)
            ticks.append(
                f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(format_euro(value, locale=self.locale))}</text>'
                f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            )
        years = (self.months - 1) / 12
        every = nice_step(years, 10) if years > 0 else 1.0
        for i in range(int(years / every + 1e-9) + 1):
            year = i * every
            label = format_number(year, 0 if float(every).is_integer() else 1, self.locale)
            ticks.append(
                f'<text x="{self.x(year * 12):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{label}</text>'
            )
        ticks.append(f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 4}" text-anchor="middle">Years</text>')
        return "".join(ticks)

    def svg(self) -> str:
        return (
            f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-label="{escape(self.title)}" font-size="12" font-family="sans-serif">'
            f"{self.axes()}{''.join(self.parts)}</svg>"
        )


def net_worth_chart(record: dict[str, Any], locale: str | None = None) -> str:
    """The trained model's real net worth (p5-p95 and p25-p75 bands, median) and the strongest baselines' medians."""
    policies = record["policies"]
    bands = policies["hrl"]["series"]["real_net_worth"]
    shown = ["hrl", *strongest_baselines(record)]
    medians = {name: policies[name]["series"]["real_net_worth"]["p50"] for name in shown}
    chart = Chart(
        record["months"], [bands["p5"], bands["p95"], *medians.values()], "Real net worth, today's euros", locale
    )
    chart.band(bands["p5"], bands["p95"], HRL_COLOR, 0.15)
    chart.band(bands["p25"], bands["p75"], HRL_COLOR, 0.3)
    for name, values in medians.items():
        chart.line(values, policy_look(name).color, 2.5 if name == "hrl" else 1.5, "" if name == "hrl" else "5 3")
    return chart.svg()


def liquid_chart(record: dict[str, Any], locale: str | None = None) -> str:
    """The trained model's liquid money (p5-p95 band, median) against the safety buffer line."""
    bands = record["policies"]["hrl"]["series"]["liquid"]
    buffer = [record["scenario"]["safety_buffer"]] * record["months"]
    chart = Chart(record["months"], [bands["p5"], bands["p95"], buffer], "Liquid money, nominal euros", locale)
    chart.band(bands["p5"], bands["p95"], HRL_COLOR, 0.15)
    chart.line(bands["p50"], HRL_COLOR, 2.5)
    chart.line(buffer, SAFETY_BUFFER.color, 1.5, "6 3")
    return chart.svg()


def legend(names: list[str]) -> str:
    """The colour of each policy drawn."""
    items = "".join(
        f'<li><span class="swatch" style="background:{look.color}"></span>{escape(look.label)}</li>'
        for look in map(policy_look, names)
    )
    return f'<ul class="legend">{items}</ul>'


def table(headers: list[str], rows: list[list[str]], caption: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def household_table(s: dict[str, Any], locale: str | None) -> str:
    def euros(value: float) -> str:
        return format_euro(value, locale=locale)

    rows = [
        ["Monthly income (net)", euros(s["monthly_income"])],
        ["Fixed expenses a month", euros(s["fixed_expenses"])],
        ["Variable expenses a month (mean)", euros(s["variable_expenses_mean"])],
        ["Safety buffer", euros(s["safety_buffer"])],
        ["Initial cash", euros(s["initial_cash"])],
        ["Months simulated", format_number(s["months"], locale=locale)],
        ["Risk tolerance", f"{format_number(s['risk_tolerance'], 2, locale)} ({s['profile']})"],
    ]
    return table(["Figure", "Value (euros of month 0)"], rows, "The household")


def policy_table(record: dict[str, Any], locale: str | None) -> str:
    rows = []
    for name, p in record["policies"].items():
        t = p["totals"]
        rows.append(
            [
                policy_look(name).label,
                format_euro(t["median_real_net_worth"], locale=locale),
                format_euro(t["p5_real_net_worth"], locale=locale),
                format_euro(t["median_total_spending"], locale=locale),
                format_share(t["share_broke"], locale),
                format_share(t["share_months_under_buffer"], locale),
            ]
        )
    headers = [
        "Policy",
        "Median real net worth at the end (today's €)",
        "5th percentile of real net worth at the end (today's €)",
        "Median total spending (today's €)",
        "Went broke",
        "Months under the safety buffer",
    ]
    return table(
        headers,
        rows,
        f"Policies compared on the same households: medians and shares over {record['households']} households",
    )


def paired_table(record: dict[str, Any], locale: str | None) -> str:
    def cell(d: dict[str, float], money: bool) -> str:
        if money:
            return f"{format_euro(d['diff'], signed=True, locale=locale)} ± {format_euro(d['stderr'], locale=locale)}"
        return f"{'+' if d['diff'] > 0 else ''}{format_number(d['diff'], 2, locale)} ± {format_number(d['stderr'], 2, locale)}"

    rows = []
    for name, d in record["paired"].items():
        c = comparison(record, name)
        headline = {"diff": c["mean"], "stderr": c["se"]}
        rows.append(
            [
                policy_look(name).label,
                cell(headline, True),
                VERDICTS.get(c["verdict"], "–"),
                cell(d["total_spending"], True),
                cell(d["reward"], False),
            ]
        )
    first = comparison(record, next(iter(record["paired"])))
    return table(
        [
            "Trained model minus",
            "Net worth at the end (today's €)",
            "Verdict (at 2 standard errors)",
            "Total spending (today's €)",
            "Reward",
        ],
        rows,
        f"Paired differences, household by household: {comparison_words(first)}",
    )


def assumptions(s: dict[str, Any], record: dict[str, Any], locale: str | None) -> str:
    def share(value: float, digits: int = 1) -> str:
        return format_percent(value, digits, locale)

    items = [
        f"Each of the {record['households']} simulated households lives {record['months']} months; every policy lives "
        f"exactly the same lives (seed {record['seed']}), so the differences come from the policies, not from luck.",
        f'Prices rise {share(s["inflation_annual"])} a year; "today\'s euros" divide every amount by the price level.',
        f"Investments return {share(s['investment_return_annual'])} a year on average, with a monthly volatility of "
        f"{share(s['investment_volatility_monthly'])}; selling them to cover a shortfall costs {share(s['sell_cost'])}.",
        f"Savings earn {share(s['savings_interest_annual'])} a year; the salary rises {share(s['salary_raise_annual'])} a year.",
        f"Each month an unexpected cost of {format_number(s['shock_cost_multiplier'], 1, locale)} times the fixed "
        f"expenses happens with probability {share(s['shock_probability_monthly'])}.",
        f"Each month the income may be cut to {share(s['income_loss_factor'], 0)} for {s['income_loss_min_months']} to "
        f"{s['income_loss_max_months']} months, with probability {share(s['income_loss_probability_monthly'])}.",
        "A household that cannot pay its expenses from cash, savings and investments has gone broke; its simulation ends there.",
        f"Rule of thumb: {record['policies']['rule_of_thumb']['description']}.",
    ]
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def model_section(model: dict[str, Any], scenario_name: str, locale: str | None) -> str:
    def when(iso: str | None) -> str:
        return format_datetime(iso, locale) if iso else "at an unknown time"

    if model.get("source") == "run":
        trained = (
            f" It was trained on <strong>{escape(str(model['trained_on']))}</strong> for "
            f"{escape(str(model.get('episodes_completed')))} episodes (seed {escape(str(model.get('seed')))}), "
            f"started {escape(when(model.get('started_at')))}."
            if model.get("trained_on")
            else ""
        )
        return f"<p>Model of training run <strong>{escape(str(model['run_id']))}</strong>.{trained}</p>"
    return (
        f"<p>The published model of <strong>{escape(str(model.get('trained_on') or scenario_name))}</strong>, trained for "
        f"{escape(str(model.get('episodes_completed')))} episodes (seed {escape(str(model.get('seed')))}), "
        f"finished {escape(when(model.get('finished_at')))}.</p>"
    )


# On paper: A4, no break forced before anything, a figure or a table kept whole, a heading kept with what follows.
STYLE = """
body { font-family: sans-serif; margin: 2em auto; padding: 0 1em; color: #222; max-width: 60em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
.table-scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.8em 0; width: 100%; }
caption { text-align: left; font-weight: bold; margin-bottom: 0.3em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 0.8em 0; }
svg { display: block; width: 100%; height: auto; }
.legend { list-style: none; padding: 0; display: flex; gap: 0.3em 1.2em; flex-wrap: wrap; }
.swatch { display: inline-block; width: 1em; height: 0.6em; margin-right: 0.3em; }
@media (max-width: 600px) { body { margin: 1em auto; padding: 0 0.75em; } th, td { padding: 0.25em 0.35em; } }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; padding: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  figure, table, li { break-inside: avoid; }
  svg { max-height: 90mm; }
  .table-scroll { overflow: visible; }
}
"""


def render_report(record: dict[str, Any], locale: str | None = None) -> str:
    """The whole report of a saved simulation, as one HTML document, amounts and dates written in `locale`."""
    s = record["scenario"]
    name = escape(s["name"])
    drawn = ["hrl", *strongest_baselines(record)]
    others = [policy_look(n).label for n in record["policies"] if n not in drawn]
    hidden = f" The other policies ({', '.join(others)}) are in the tables below." if others else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Simulation report: {name}</title><link rel="icon" href="data:,">
<style>{STYLE}</style></head><body>
<h1>Simulation report: {name}</h1>
<p>{escape(s.get("description") or "")}</p>
<p>Simulation {escape(record["id"])} of {escape(format_datetime(record["created_at"], locale))}: {record["households"]} households,
{record["months"]} months.</p>
<section><h2>The household</h2>{household_table(s, locale)}</section>
<section><h2>The model</h2>{model_section(record["model"], s["name"], locale)}</section>
<section><h2>Real net worth over the years (today's euros)</h2>
<p>Trained model: 5th to 95th percentile (light), 25th to 75th (dark), median (thick line); dashed lines are the
medians of the two strongest baselines (the smallest paired differences in the table below).{escape(hidden)}</p>
<figure>{net_worth_chart(record, locale)}{legend(drawn)}</figure></section>
<section><h2>Liquid money against the safety buffer (nominal euros)</h2>
<p>Trained model: 5th to 95th percentile and median; the red dashed line is the safety buffer of
{escape(format_euro(s["safety_buffer"], locale=locale))}.</p>
<figure>{liquid_chart(record, locale)}</figure></section>
<section><h2>Results</h2><div class="table-scroll">{policy_table(record, locale)}</div>
<div class="table-scroll">{paired_table(record, locale)}</div></section>
<section><h2>Assumptions</h2>{assumptions(s, record, locale)}</section>
</body></html>
"""
