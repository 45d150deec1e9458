"""A saved simulation as one standalone printable HTML page: inline SVG charts, no scripts, no URLs."""

from __future__ import annotations

from html import escape
from typing import Any

from hrl_trainer.common.money import format_euro
from hrl_trainer.evaluation.verdict import described
from hrl_trainer.use.policy_looks import POLICY_LOOKS, SAFETY_BUFFER, policy_look

WIDTH, HEIGHT, PAD = 720, 300, 56
HRL_COLOR = POLICY_LOOKS["hrl"].color


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.1f}\u00a0%"


class Chart:
    """An SVG line chart of monthly values: x in years, y in euros."""

    def __init__(self, months: int, values: list[list[float]], title: str):
        low, high = min(min(v) for v in values), max(max(v) for v in values)
        low, high = min(low, 0.0), high if high > low else low + 1.0
        self.months, self.low, self.high, self.title = months, low, high, title
        self.parts: list[str] = []

    def x(self, month: int) -> float:
        return PAD + (WIDTH - 2 * PAD) * month / max(self.months - 1, 1)

    def y(self, value: float) -> float:
        return HEIGHT - PAD + (2 * PAD - HEIGHT) * (value - self.low) / (self.high - self.low)

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
        for i in range(5):
            value = self.low + (self.high - self.low) * i / 4
            ticks.append(
                f'<text x="{PAD - 6}" y="{self.y(value) + 4:.1f}" text-anchor="end">{escape(format_euro(value))}</text>'
                f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{self.y(value):.1f}" y2="{self.y(value):.1f}" stroke="#ddd"/>'
            )
        for year in range(0, self.months // 12 + 1):
            month = min(year * 12, self.months - 1)
            ticks.append(f'<text x="{self.x(month):.1f}" y="{HEIGHT - PAD + 16}" text-anchor="middle">{year}</text>')
        ticks.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 12}" text-anchor="middle">years</text>')
        return "".join(ticks)

    def svg(self) -> str:
        return (
            f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-label="{escape(self.title)}" font-size="11" font-family="sans-serif">'
            f"{self.axes()}{''.join(self.parts)}</svg>"
        )


def net_worth_chart(record: dict[str, Any]) -> str:
    """Fan chart of the trained model's real net worth (p5-p95, p25-p75, median) and the baselines' medians."""
    policies = record["policies"]
    bands = policies["hrl"]["series"]["real_net_worth"]
    medians = {name: p["series"]["real_net_worth"]["p50"] for name, p in policies.items()}
    chart = Chart(record["months"], [bands["p5"], bands["p95"], *medians.values()], "Real net worth, today's euros")
    chart.band(bands["p5"], bands["p95"], HRL_COLOR, 0.15)
    chart.band(bands["p25"], bands["p75"], HRL_COLOR, 0.3)
    for name, values in medians.items():
        chart.line(values, policy_look(name).color, 2.5 if name == "hrl" else 1.5, "" if name == "hrl" else "5 3")
    return chart.svg()


def liquid_chart(record: dict[str, Any]) -> str:
    """The trained model's liquid money (p5-p95 band, median) against the safety buffer line."""
    bands = record["policies"]["hrl"]["series"]["liquid"]
    buffer = [record["scenario"]["safety_buffer"]] * record["months"]
    chart = Chart(record["months"], [bands["p5"], bands["p95"], buffer], "Liquid money, nominal euros")
    chart.band(bands["p5"], bands["p95"], HRL_COLOR, 0.15)
    chart.line(bands["p50"], HRL_COLOR, 2.5)
    chart.line(buffer, SAFETY_BUFFER.color, 1.5, "6 3")
    return chart.svg()


def legend(record: dict[str, Any]) -> str:
    """The colour of each policy the simulation has."""
    items = "".join(
        f'<li><span class="swatch" style="background:{look.color}"></span>{escape(look.label)}</li>'
        for look in map(policy_look, record["policies"])
    )
    return f'<ul class="legend">{items}</ul>'


def table(headers: list[str], rows: list[list[str]], caption: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def household_table(s: dict[str, Any]) -> str:
    rows = [
        ["Monthly income (net)", format_euro(s["monthly_income"])],
        ["Fixed expenses a month", format_euro(s["fixed_expenses"])],
        ["Variable expenses a month (mean)", format_euro(s["variable_expenses_mean"])],
        ["Safety buffer", format_euro(s["safety_buffer"])],
        ["Initial cash", format_euro(s["initial_cash"])],
        ["Months simulated", str(s["months"])],
        ["Risk tolerance", f"{s['risk_tolerance']:.2f} ({s['profile']})"],
    ]
    return table(["Figure", "Value (euros of month 0)"], rows, "The household")


def policy_table(record: dict[str, Any]) -> str:
    rows = []
    for name, p in record["policies"].items():
        t = p["totals"]
        rows.append(
            [
                policy_look(name).label,
                format_euro(t["median_real_net_worth"]),
                format_euro(t["p5_real_net_worth"]),
                format_euro(t["median_total_spending"]),
                percent(t["share_broke"]),
                percent(t["share_months_under_buffer"]),
            ]
        )
    headers = [
        "Policy",
        "Median real net worth at the end (today's €)",
        "5th percentile (today's €)",
        "Median total spending (today's €)",
        "Went broke",
        "Months under the safety buffer",
    ]
    return table(headers, rows, "Policies compared on the same households")


def paired_table(record: dict[str, Any]) -> str:
    def cell(d: dict[str, float], measure: str) -> str:
        c = described(d, measure, record["households"])  # the verdict from the very numbers shown
        money = c["unit"] == "EUR"
        value = format_euro(c["mean"]) if money else f"{c['mean']:+.2f}"
        error = format_euro(c["se"]) if money else f"{c['se']:.2f}"
        return f"{value} ± {error}, {c['verdict']}"

    rows = [
        [
            policy_look(name).label,
            *(cell(d[measure], measure) for measure in ("real_net_worth", "total_spending", "reward")),
        ]
        for name, d in record["paired"].items()
    ]
    return table(
        ["Trained model minus", "Real net worth at the end (today's €)", "Total spending (today's €)", "Reward"],
        rows,
        f"Mean paired difference over the same {record['households']} households ± standard error: ahead or behind "
        "beyond 2 standard errors, else level",
    )


def assumptions(s: dict[str, Any], record: dict[str, Any]) -> str:
    items = [
        f"Each of the {record['households']} simulated households lives {record['months']} months; every policy lives "
        f"exactly the same lives (seed {record['seed']}), so the differences come from the policies, not from luck.",
        f'Prices rise {s["inflation_annual"] * 100:.1f} % a year; "today\'s euros" divide every amount by the price level.',
        f"Investments return {s['investment_return_annual'] * 100:.1f} % a year on average, with a monthly volatility of "
        f"{s['investment_volatility_monthly'] * 100:.1f} %; selling them to cover a shortfall costs {s['sell_cost'] * 100:.1f} %.",
        f"Savings earn {s['savings_interest_annual'] * 100:.1f} % a year; the salary rises {s['salary_raise_annual'] * 100:.1f} % a year.",
        f"Each month an unexpected cost of {s['shock_cost_multiplier']:g} times the fixed expenses happens with probability "
        f"{s['shock_probability_monthly'] * 100:.1f} %.",
        f"Each month the income may be cut to {s['income_loss_factor'] * 100:.0f} % for {s['income_loss_min_months']} to "
        f"{s['income_loss_max_months']} months, with probability {s['income_loss_probability_monthly'] * 100:.1f} %.",
        "A household that cannot pay its expenses from cash, savings and investments has gone broke; its simulation ends there.",
        f"Rule of thumb: {record['policies']['rule_of_thumb']['description']}.",
    ]
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def model_section(model: dict[str, Any], scenario_name: str) -> str:
    if model.get("source") == "run":
        trained = (
            f" It was trained on <strong>{escape(str(model['trained_on']))}</strong> for "
            f"{escape(str(model.get('episodes_completed')))} episodes (seed {escape(str(model.get('seed')))}), "
            f"started {escape(str(model.get('started_at')))}."
            if model.get("trained_on")
            else ""
        )
        return f"<p>Model of training run <strong>{escape(str(model['run_id']))}</strong>.{trained}</p>"
    return (
        f"<p>The published model of <strong>{escape(str(model.get('trained_on') or scenario_name))}</strong>, trained for "
        f"{escape(str(model.get('episodes_completed')))} episodes (seed {escape(str(model.get('seed')))}), "
        f"finished {escape(str(model.get('finished_at')))}.</p>"
    )


STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 60em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.8em 0; width: 100%; }
caption { text-align: left; font-weight: bold; margin-bottom: 0.3em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
svg { width: 100%; height: auto; }
.legend { list-style: none; padding: 0; display: flex; gap: 1.2em; flex-wrap: wrap; }
.swatch { display: inline-block; width: 1em; height: 0.6em; margin-right: 0.3em; }
section { break-inside: avoid; }
"""


def render_report(record: dict[str, Any]) -> str:
    """The whole report of a saved simulation, as one HTML document."""
    s = record["scenario"]
    name = escape(s["name"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Simulation report: {name}</title>
<style>{STYLE}</style></head><body>
<h1>Simulation report: {name}</h1>
<p>{escape(s.get("description") or "")}</p>
<p>Simulation {escape(record["id"])} of {escape(record["created_at"])}: {record["households"]} households, {record["months"]} months.</p>
<section><h2>The household</h2>{household_table(s)}</section>
<section><h2>The model</h2>{model_section(record["model"], s["name"])}</section>
<section><h2>Real net worth over the years (today's euros)</h2>
<p>Trained model: 5th to 95th percentile (light), 25th to 75th (dark), median (thick line); dashed lines are the baselines' medians.</p>
{net_worth_chart(record)}{legend(record)}</section>
<section><h2>Liquid money against the safety buffer (nominal euros)</h2>
<p>Trained model: 5th to 95th percentile and median; the red dashed line is the safety buffer of {escape(format_euro(s["safety_buffer"]))}.</p>
{liquid_chart(record)}</section>
<section><h2>Results</h2>{policy_table(record)}{paired_table(record)}</section>
<section><h2>Assumptions</h2>{assumptions(s, record)}</section>
</body></html>
"""
