"""How long the player takes to show the next phase when one ends, with a slow network.

Run it with `.venv/bin/python bench/player_lag.py [--routine bedtime-stretches] [--delay-ms 500]
[--no-controls]`. It builds a throwaway SQLite database with the library, serves it from a
Django live server in this process, and drives Debian's Chromium at phone size with Playwright.
Every request to /runs/ (the run page, its state, its controls) is held for `--delay-ms` before
it goes to the server. The script follows the whole routine: before each phase ends it taps
Pause and Resume (so two control requests are waiting on the network when the phase ends),
then lets the end come in real time and measures, in the page with performance.now(), the
time from the moment the countdown reaches zero to the moment the next phase's title is in
the DOM (for the last phase: the end-of-routine heading).

Between phases the page's clock (Playwright's) and the server's (time-machine's) jump forward
together, so a 3-minute routine takes seconds and the two never disagree about the phase.

The target is at most 50 ms. Timings never make this script fail; it exits non-zero only when
the routine cannot be followed (a phase that never ends, a page error), since its numbers would
then mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50
#: How long before a phase's end the page clock stops jumping and runs in real time.
LEAD_MS = 400

#: Records, for each phase start the player marks (data-phase-started on #player, the
#: performance.now() time the countdown reached zero or the control was tapped), when the
#: DOM first showed the new title.
WATCH = """
window.__seen = [];
new MutationObserver(() => {
  const root = document.getElementById("player");
  const title = document.getElementById("player-title");
  const started = root && root.dataset.phaseStarted;
  if (!started || window.__seen.some((s) => s.started === started)) return;
  window.__seen.push({ started, at: performance.now(), title: title && title.textContent });
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
"""
#: Milliseconds left in the current phase, as the page counts them.
LEFT = """(duration) => {
  const root = document.getElementById("player");
  if (root.dataset.phaseStarted) {
    return Number(root.dataset.phaseStarted) + duration - performance.now();
  }
  const [m, s] = document.getElementById("player-timer").textContent.split(":").map(Number);
  return (m * 60 + s - 1) * 1000;  // at least this much: the clock rounds up
}"""
#: True once phase `index` (or, past the last, the end of the routine) is on screen.
MOVED_ON = """(index) => {
  const root = document.getElementById("player");
  return !root || root.classList.contains("summary") || Number(root.dataset.phase) >= index;
}"""
#: True when no control waits to be sent or answered.
SETTLED = """() => !Object.keys(localStorage).some((key) => key.startsWith("unknot.queue."))"""
LAG = """() => {
  const started = document.getElementById("player").dataset.phaseStarted;
  const seen = window.__seen.find((s) => s.started === started);
  return seen ? { lag: seen.at - Number(started), title: seen.title } : null;
}"""


@dataclass
class Result:
    phases: int = 0
    lags: list[tuple[int, str, float]] = field(default_factory=list)
    delayed: int = 0
    #: Controls the server refused (409): tapped just before the last phase ended, they
    #: reached it, held up on the network, after the run had finished.
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    summary_url: str = ""


def configure(database: Path) -> None:
    """Test settings, a fresh SQLite file, migrated, with the library loaded."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings_test"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

    import django
    from django.core.management import call_command

    django.setup()
    # A refused control (409) is expected here; Django would log each one as a warning.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_library", verbosity=0, stdout=io.StringIO())


def start_server() -> Any:
    """A live server thread, as Django's StaticLiveServerTestCase (and pytest-django) runs."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    return server


async def follow(
    base_url: str, slug: str, relief: bool, delay_ms: int, controls: bool, server_clock: Any
) -> Result:
    from playwright.async_api import async_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

    result = Result()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(
            viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True, locale="en-GB"
        )
        page = await context.new_page()

        def console(message: Any) -> None:
            if message.type != "error":
                return
            if "status of 409" in message.text:
                result.refused += 1
            else:
                result.errors.append(message.text)

        page.on("console", console)
        page.on("pageerror", lambda e: result.errors.append(str(e)))

        async def slow(route: Any) -> None:
            result.delayed += 1
            await asyncio.sleep(delay_ms / 1000)
            await route.continue_()

        await page.route("**/runs/**", slow)
        await page.add_init_script(WATCH)
        await page.clock.install()

        async def advance(ms: float) -> None:
            ms = int(max(0, ms))
            server_clock.shift(dt.timedelta(milliseconds=ms))
            await page.clock.fast_forward(ms)

        if relief:
            await page.goto(f"{base_url}/routines/{slug}/check/")
            await page.get_by_role("button", name="None of these: start").click()
        else:
            await page.goto(f"{base_url}/routines/{slug}/")
            await page.get_by_label("5-second get-ready").check()
            await page.get_by_role("button", name="Start").click()
        await page.locator("#cue-settings").wait_for(state="visible")
        phases = json.loads(await page.locator("#player-data").text_content() or "{}")["phases"]
        result.phases = len(phases)

        for index, phase in enumerate(phases):
            if phase["duration_ms"] is None:
                await page.get_by_role("button", name="Done").click()
            else:
                # Time only jumps while no request is on its way: a control sent before a
                # jump and answered after it would land at the wrong time on the server.
                await page.wait_for_function(SETTLED, polling=5, timeout=10_000)
                left = await page.evaluate(LEFT, phase["duration_ms"])
                await advance(left - LEAD_MS)
                if controls:
                    await page.keyboard.press("Space")  # Pause
                    await page.keyboard.press("Space")  # Resume
            await page.wait_for_function(MOVED_ON, arg=index + 1, polling=5, timeout=10_000)
            seen = await page.evaluate(LAG)
            if seen is None:
                raise RuntimeError(f"phase {index + 1}: no new title seen")
            if phase["duration_ms"] is not None:
                result.lags.append((index + 1, seen["title"], seen["lag"]))
        # The server's summary, once it agrees the run is over (its requests are delayed too).
        await page.locator("#rating").wait_for(timeout=20_000)
        result.summary_url = page.url
        await browser.close()
    return result


def report(result: Result, slug: str, delay_ms: int, controls: bool) -> None:
    lags = [lag for _, _, lag in result.lags]
    print(f"Player transition lag: {slug}, {result.phases} phases")
    print(f"Every request to /runs/ held {delay_ms} ms ({result.delayed} requests).", end=" ")
    print("Pause and Resume tapped before each phase end." if controls else "No controls.")
    if result.refused:
        print(f"Controls refused by the server (the run had finished): {result.refused}.")
    print(f"Python {platform.python_version()}, {platform.machine()}, {platform.system()}")
    print()
    print(f"{'phase':>5}  {'next title':<44} {'lag ms':>7}")
    for number, title, lag in result.lags:
        shown = title if len(title) <= 44 else title[:43] + "…"
        print(f"{number:>5}  {shown:<44} {lag:>7.1f}")
    print()
    median = statistics.median(lags)
    print(f"phase ends measured: {len(lags)}")
    print(f"median lag: {median:.1f} ms")
    print(f"max lag:    {max(lags):.1f} ms")
    verdict = "met" if max(lags) <= TARGET_MS else "NOT met"
    print(f"target:     every phase end within {TARGET_MS} ms: {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routine", default="bedtime-stretches", help="a library routine slug")
    parser.add_argument("--delay-ms", type=int, default=500, help="added to each /runs/ request")
    parser.add_argument(
        "--no-controls", action="store_true", help="do not tap Pause and Resume before phase ends"
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="unknot-lag-"))
    server = None
    try:
        configure(workdir / "bench.sqlite3")
        import time_machine

        from routines.content.models import Purpose, Routine

        routine = Routine.objects.filter(slug=args.routine).first()
        if routine is None:
            print(f"No routine called {args.routine!r} in the library.")
            return 1
        relief = routine.purpose == Purpose.RELIEF
        server = start_server()
        base_url = f"http://127.0.0.1:{server.port}"
        # The page's clock jumps between phases; the server's jumps with it.
        with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=True) as server_clock:
            result = asyncio.run(
                follow(
                    base_url,
                    args.routine,
                    relief,
                    args.delay_ms,
                    not args.no_controls,
                    server_clock,
                )
            )
        report(result, args.routine, args.delay_ms, not args.no_controls)
        if result.errors:
            print(f"\nconsole errors: {result.errors}")
            return 1
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.join()
        from django.db import connections

        connections.close_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
