"""A page object for the dashboard: what a person sees and does, as Playwright calls."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, expect

from tests.clients.harness import REPO, required_tool

TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)
# axe-core from npm (`make test-deps`): a test tool, injected into the page, never served.
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def page_euros(value: float) -> str:
    """Whole euros as the page writes them in the test browser's locale (en-US): -€1,234 (halves away from 0)."""
    whole = math.floor(abs(value) + 0.5)
    return f"{'-' if value < 0 and whole else ''}€{whole:,}"


def train_to_the_end(server, scenario: str, episodes: int, save_interval: int, seed: int) -> None:
    """A run started over the API (2 evaluation episodes), waited for until the server is idle."""
    run = {
        "scenario_name": scenario,
        "num_episodes": episodes,
        "save_interval": save_interval,
        "eval_episodes": 2,
        "seed": seed,
    }
    response = server.post("/api/training/start", run)
    assert response.status_code == 202, response.text
    server.wait_idle()


def trained_run(server, scenario: str, episodes: int, save_interval: int, seed: int) -> dict:
    """`train_to_the_end`, then the run's summary (GET /api/runs/{id})."""
    train_to_the_end(server, scenario, episodes, save_interval, seed)
    newest = server.get_json("/api/runs?limit=1")["runs"][0]
    assert newest["scenario_name"] == scenario and newest["seed"] == seed, newest
    return server.get_json(f"/api/runs/{newest['run_id']}")


PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1440, "height": 900}
SIZES = {"laptop": LAPTOP, "phone": PHONE}
"""The two sizes every part of the page is tried at (pytest ids: laptop, phone)."""


def controls_outside_viewport(page: Page, root: str = "body") -> list[str]:
    """Every visible control (button, link, form field, disclosure, focusable element) under `root` (a CSS
    selector) that lies outside the viewport's width, one line each; [] when none does. A control may lie outside
    only inside a container that scrolls sideways, is itself within the viewport and says so (a named region: a
    role and a label), and only if the keyboard reaches the control (not disabled, tabindex not negative). A page
    that scrolls sideways as a whole is an offence too. Controls of hidden parts, closed dialogs and folded
    disclosures are not shown, so not checked."""
    return page.evaluate(
        """root => {
        const width = document.documentElement.clientWidth;
        const inside = (box) => box.left >= -1 && box.right <= width + 1;
        const name = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${
            (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().slice(0, 40)}"`;
        const found = [];
        if (document.documentElement.scrollWidth > width + 1) {
            found.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
        }
        const controls = [...document.querySelectorAll(root)].flatMap((r) => [...r.querySelectorAll(
            'button, a[href], input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]);
        for (const el of controls) {
            const box = el.getBoundingClientRect();
            if (!el.getClientRects().length || box.width <= 1 || box.height <= 1) continue;  // not shown
            if (getComputedStyle(el).visibility === 'hidden') continue;
            if (el.closest('[hidden], dialog:not([open]), details:not([open]) > :not(summary)')) continue;
            if (inside(box)) continue;
            let scroller = el.parentElement;
            while (scroller && scroller !== document.body
                   && !['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX)) {
                scroller = scroller.parentElement;
            }
            const said = scroller && scroller !== document.body && scroller.getAttribute('role')
                && (scroller.getAttribute('aria-label') || scroller.getAttribute('aria-labelledby'));
            if (said && inside(scroller.getBoundingClientRect()) && el.tabIndex >= 0 && !el.disabled) continue;
            found.push(`${name(el)} at x ${Math.round(box.left)} to ${Math.round(box.right)} of ${width}`
                + (scroller && scroller !== document.body ? ` in ${name(scroller)}` : ''));
        }
        return found;
    }""",
        root,
    )


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=required_tool(AXE, "axe-core (npm)"))
    found = page.evaluate(
        """async tags => {
        const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.impact} ${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
    }""",
        AXE_TAGS,
    )
    return found


# Every toast the page shows, as {kind, text}, in window.toastsShown (from the page's first script on).
RECORD_TOASTS = """document.addEventListener('DOMContentLoaded', () => {
    window.toastsShown = [];
    const banner = document.getElementById('banner');
    if (!banner) return;
    new MutationObserver(() => {
        if (!banner.hidden) window.toastsShown.push({ kind: banner.dataset.kind, text: banner.innerText });
    }).observe(banner, { attributes: true, childList: true, subtree: true, characterData: true });
});"""


class Dashboard:
    def __init__(self, context: BrowserContext, url: str) -> None:
        self.url = url
        self.page: Page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []  # anything not asked of the server under test
        self.page.on("console", self._on_console)
        self.page.on(
            "request", lambda request: request.url.startswith(url) or self.foreign_requests.append(request.url)
        )
        self.page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))
        self.page.add_init_script(RECORD_TOASTS)
        self.page.goto(url)
        expect(self.page.locator(".scenario-card").first).to_be_visible()
        # "locked": the server wants an API token and the page asks for it.
        expect(self.page.locator("#connection")).to_have_attribute("data-state", re.compile("connected|locked"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def start(
        self, scenario: str, episodes: int, save_interval: int = 20, eval_episodes: int = 2, seed: int = 7
    ) -> None:
        self.page.locator(f'.scenario-card[data-scenario="{scenario}"]').click()
        for name, value in [
            ("num_episodes", episodes),
            ("save_interval", save_interval),
            ("eval_episodes", eval_episodes),
            ("seed", seed),
        ]:
            self.page.fill(f'#start-form input[name="{name}"]', str(value))
        self.page.click("#start-button")

    def stop(self) -> None:
        self.page.click("#stop-button")

    def episode_shown(self) -> int:
        return int(self.page.get_attribute("#progress-bar", "aria-valuenow"))

    def wait_for_episode(self, at_least: int) -> None:
        self.page.wait_for_function(
            "n => Number(document.getElementById('progress-bar').getAttribute('aria-valuenow')) >= n", arg=at_least
        )

    def expect_banner(self, kind: str, pattern: str) -> str:
        """The text of a toast of `kind` matching `pattern`, shown now or since the page opened (success and
        info toasts close by themselves, maybe before the test looks)."""
        found = self.page.wait_for_function(
            """([kind, pattern]) => (window.toastsShown || []).find(
                toast => toast.kind === kind && new RegExp(pattern).test(toast.text))""",
            arg=[kind, pattern],
        )
        return found.json_value()["text"]

    def assert_accessible(self, state: str) -> None:
        """No serious or critical axe-core violation in this state of the page (named in the message)."""
        violations = accessibility_violations(self.page)
        assert violations == [], f"{state}: {violations}"

    def card(self, metric: str) -> str:
        return self.page.locator(f'.card[data-metric="{metric}"] .value').inner_text()

    def chart_points(self, container: str = "#live-charts") -> dict[str, int]:
        """Episodes plotted by each chart, by chart id."""
        return self.page.eval_on_selector_all(
            f"{container} figure.chart",
            "figures => Object.fromEntries(figures.map(f => [f.dataset.chart, Number(f.dataset.points)]))",
        )

    def chart(self, chart: str, container: str = "#live-charts") -> dict:
        """What a chart shows: legend labels and values, tick labels of each axis, x range, points drawn."""
        return self.page.eval_on_selector(
            f'{container} figure[data-chart="{chart}"]',
            """figure => {
            const plot = figure.chart.plot;
            const legend = [...figure.querySelectorAll('.u-legend .u-series')];
            return {
                labels: legend.map(row => row.querySelector('.u-label').textContent),
                values: legend.map(row => row.querySelector('.u-value').textContent),
                ticks: plot.axes.map(axis => axis._values || []),
                x: [plot.scales.x.min, plot.scales.x.max],
                drawn: plot.data[0].length,
                hidden: figure.hidden,
                lastEpisode: figure.dataset.lastEpisode,
                evaluations: Number(figure.dataset.evaluations || 0),
                summary: figure.querySelector('.chart-summary').textContent,
                name: figure.querySelector('figcaption').textContent,
            };
        }""",
        )

    def hover_chart(self, chart: str, fraction: float, container: str = "#live-charts") -> None:
        """Moves the mouse over a chart's plot, `fraction` of the way across."""
        box = self.page.locator(f'{container} figure[data-chart="{chart}"] .u-over').bounding_box()
        self.page.mouse.move(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2)

    def drag_across_chart(self, chart: str, start: float, end: float, container: str = "#live-charts") -> None:
        box = self.page.locator(f'{container} figure[data-chart="{chart}"] .u-over').bounding_box()
        y = box["y"] + box["height"] / 2
        self.page.mouse.move(box["x"] + start * box["width"], y)
        self.page.mouse.down()
        self.page.mouse.move(box["x"] + end * box["width"], y, steps=8)
        self.page.mouse.up()

    def record_progress(self) -> None:
        """From now on, keep every progress-bar value and reward-chart size the page shows."""
        self.page.evaluate("""() => {
            window.seen = { bar: [], points: [] };
            const bar = document.getElementById('progress-bar');
            const chart = document.querySelector('#live-charts figure[data-chart="reward"]');
            new MutationObserver(() => window.seen.bar.push(Number(bar.getAttribute('aria-valuenow'))))
                .observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] });
            new MutationObserver(() => window.seen.points.push(Number(chart.dataset.points)))
                .observe(chart, { attributes: true, attributeFilter: ['data-points'] });
        }""")

    def recorded_progress(self) -> dict[str, list[int]]:
        return self.page.evaluate("window.seen")


# Every control a person can use, and where it is. A control counts as reachable when it lies inside the
# viewport's width, or inside a box that scrolls sideways (overflow auto or scroll, wider inside than out),
# says so (a labelled region) and lets the keyboard reach the control (tabindex 0 or a focusable control).
def assert_controls_in_viewport(page: Page) -> None:
    """No control outside the viewport's width, unless its box scrolls sideways, says so and the keyboard can
    reach the control; and the page itself no wider than the viewport."""
    problems = controls_outside_viewport(page)
    assert problems == [], f"at {page.viewport_size}: {problems}"


def delete_after_escape(page: Page, delete: Locator, kept: Callable[[], bool]) -> None:
    """Delete through the page's confirm dialog (dom.js confirmAction): `delete` clicked, Escape cancels (the
    dialog closes and `kept()` still holds), then `delete` again and the dialog's Delete."""
    dialog = page.locator(".confirm-dialog")
    delete.click()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert kept()
    delete.click()
    dialog.locator(".confirm-ok").click()
