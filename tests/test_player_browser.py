"""The guided player in a phone-sized Chromium: its timer, controls, cues and offline queue.

Time. The page runs on Playwright's clock and the live server (a thread of this process) on
time-machine's. Most tests freeze both and move them together (`Clocks.advance`): the server
jumps first, then the page runs every timer in between, in order. The page's remaining time
and the server's `remaining_ms` are then functions of the same virtual time, so a test can
compare them exactly instead of hoping a real clock lands on the right millisecond. The lag
test is the exception: it measures real milliseconds, so there both clocks tick in real time
and only jump together.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from routines.content.models import Purpose, Routine, Side
from routines.player.machine import progress_words
from routines.player.models import Run

from .factories import make_routine
from .helpers.browser import record_console_errors, shot

#: How far the page's time may be from the server's (the issue's limit).
TOLERANCE_MS = 200

pytestmark = pytest.mark.django_db(transaction=True)


# Fixtures and helpers -----------------------------------------------------------------------


class Clocks:
    """The server's clock and the page's, frozen, moved only together."""

    def __init__(self, page: Page, traveller: time_machine.Coordinates) -> None:
        self.page = page
        self.traveller = traveller

    def advance(self, ms: int) -> None:
        """Let `ms` pass: every page timer in between fires, in order."""
        self.traveller.shift(dt.timedelta(milliseconds=ms))
        self.page.clock.run_for(ms)


@pytest.fixture
def clocks(phone: Page) -> Iterator[Clocks]:
    """Both clocks, frozen. A page loads at the frozen moment the server rendered it: under
    Playwright's clock it has no navigation timing, so the player anchors at load time."""
    start = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        phone.clock.install(time=start)
        phone.clock.pause_at(start + dt.timedelta(seconds=1))
        yield Clocks(phone, traveller)


def start(
    page: Page, live_server: Any, routine: Routine, *, lead_in: bool = False, scripted: bool = True
) -> Run:
    """Start a prevention routine from its page, as a person would."""
    page.goto(f"{live_server.url}/routines/{routine.slug}/")
    page.get_by_label("5-second get-ready").set_checked(lead_in)
    page.get_by_role("button", name="Start").tap()
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-f-]+/$"))
    if scripted:
        ready(page)
    return Run.objects.get(routine=routine)


def ready(page: Page) -> None:
    """Wait for the player script to take over (it shows the cue settings): a clock moved
    before then would move under a page that is not counting yet."""
    expect(page.locator("#cue-settings")).to_be_visible()


def server_state(page: Page, run: Run) -> dict[str, Any]:
    """The server's view of the run, fetched with the page's cookies (never routed)."""
    response = page.request.get(f"{page.url.split('/runs/')[0]}/runs/{run.id}/state/")
    assert response.ok
    return response.json()


def clock_text(ms: int) -> str:
    secs = -(-ms // 1000)
    return f"{secs // 60}:{secs % 60:02d}"


def assert_tracks(page: Page, clocks: Clocks, remaining_ms: int) -> None:
    """The shown time is within TOLERANCE_MS of `remaining_ms` (the true time left now).

    The display has a resolution of one second, so check both sides of a change: just
    before the true time crosses a whole second the old value must still show, just after
    it the new one. A page clock more than TOLERANCE_MS early or late fails one of the two.
    """
    whole = (remaining_ms - TOLERANCE_MS - 1) // 1000 * 1000  # a whole second ahead of us
    assert whole >= 1000, "leave more time in the phase for this check"
    clocks.advance(remaining_ms - (whole + TOLERANCE_MS))
    expect(page.locator("#player-timer")).to_have_text(clock_text(whole + TOLERANCE_MS))
    clocks.advance(2 * TOLERANCE_MS)
    expect(page.locator("#player-timer")).to_have_text(clock_text(whole - TOLERANCE_MS))


def short_routine(**kwargs: Any) -> Routine:
    return make_routine(purpose=Purpose.PREVENTION, **kwargs)


# A whole routine --------------------------------------------------------------------------


#: Collects what the player writes into its aria-live region.
ANNOUNCEMENTS = """
window.__announced = [];
new MutationObserver((records) => {
  for (const record of records) {
    if (record.target.id === "player-announcer") {
      window.__announced.push(record.target.textContent);
    }
  }
}).observe(document, { subtree: true, childList: true });
"""


def side_text(phase: dict[str, Any], routine_title: str) -> str:
    if phase["kind"] == "rest":
        return "Rest"
    if phase["kind"] == "ready":
        return "Get ready"
    if phase["switch_sides"]:
        return f"Switch sides: {phase['side']} leg"
    if phase["side"] in ("left", "right"):
        return f"{phase['side'].title()} leg"
    return routine_title


def test_a_whole_routine_plays_every_phase_in_order_then_saves_a_rating(
    phone: Page, live_server: Any, shipped_library: None, clocks: Clocks
) -> None:
    phone.add_init_script(ANNOUNCEMENTS)
    routine = Routine.objects.get(slug="bedtime-stretches")
    run = start(phone, live_server, routine, lead_in=True)
    phases = run.phases
    progress = [progress_words(run.phase_list(), i) for i in range(len(phases))]
    assert progress[0] == "Get ready · 7 steps"  # as the routine page counts them
    assert phases[0]["kind"] == "ready" and any(p["switch_sides"] for p in phases)
    title = phone.locator("#player-title")
    side = phone.locator("#player-side")
    seen_switch = False
    for number, phase in enumerate(phases, start=1):
        expect(title).to_have_text(phase["title"])
        expect(side).to_have_text(side_text(phase, routine.title))
        expect(phone.locator("#player-progress")).to_have_text(progress[number - 1])
        expect(phone.locator("#player-bar")).to_have_attribute("value", str(number))
        seen_switch |= side.inner_text().lower().startswith("switch sides")
        if number == 2:
            shot(phone, "player-timed")
        if number == len(phases):
            # One announcement per phase change, none for the seconds ticking by.
            said = phone.evaluate("window.__announced")
            assert len(said) == len(phases) - 1
            assert all(text.startswith(f"{progress[n]}: ") for n, text in enumerate(said, start=1))
        clocks.advance(phase["duration_ms"])
    assert seen_switch

    # The server agrees the run is over: its summary, with the rating, replaces the player.
    expect(phone.get_by_role("group", name="Did it help?")).to_be_visible()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Well done")
    run.refresh_from_db()
    assert run.finished_at is not None and not run.ended_early
    steps_done = phone.locator(".facts div", has_text="Steps done").locator("dd")
    expect(steps_done).to_have_text(re.compile(r"^(\d+) of \1$"))
    phone.clock.resume()  # htmx's own timers may run
    phone.get_by_role("radio", name="4").check()
    phone.get_by_role("button", name="Save rating").tap()
    expect(phone.get_by_role("status")).to_have_text("Saved. Thank you.")
    run.refresh_from_db()
    assert run.rating == 4
    shot(phone, "player-summary")


# Timer exactness ------------------------------------------------------------------------------


def test_pause_and_resume_keep_the_time_and_the_server_agrees(
    phone: Page, live_server: Any, clocks: Clocks
) -> None:
    routine = short_routine(steps=[{"title": "Calf hold", "duration_seconds": 40}, {}])
    run = start(phone, live_server, routine)
    timer = phone.locator("#player-timer")
    expect(timer).to_have_text("0:40")
    expect(timer).to_have_attribute("aria-live", "off")
    clocks.advance(12_300)
    expect(timer).to_have_text("0:28")

    with phone.expect_response("**/control/"):
        phone.get_by_role("button", name="Pause").tap()
    expect(phone.locator("#player-status")).to_have_text("Paused")
    expect(phone.get_by_role("button", name="Pause")).to_be_hidden()
    state = server_state(phone, run)
    assert state["paused"] and state["remaining_ms"] == 27_700
    shot(phone, "player-paused")

    clocks.advance(30_000)
    expect(timer).to_have_text("0:28")
    assert server_state(phone, run)["remaining_ms"] == 27_700

    with phone.expect_response("**/control/"):
        phone.get_by_role("button", name="Resume").tap()
    expect(phone.locator("#player-status")).to_have_text("")
    expect(timer).to_have_text("0:28")
    state = server_state(phone, run)
    assert not state["paused"] and state["remaining_ms"] == 27_700
    assert_tracks(phone, clocks, 27_700)


def test_reload_mid_phase_resumes_at_the_right_phase_and_second(
    phone: Page, live_server: Any, clocks: Clocks
) -> None:
    routine = short_routine(
        steps=[
            {"title": "First hold", "duration_seconds": 20},
            {"title": "Second hold", "duration_seconds": 30},
        ]
    )
    run = start(phone, live_server, routine)
    clocks.advance(27_400)
    expect(phone.locator("#player-title")).to_have_text("Second hold")

    phone.reload()
    ready(phone)
    expect(phone.locator("#player-title")).to_have_text("Second hold")
    expect(phone.locator("#player-progress")).to_have_text("Step 2 of 2")
    state = server_state(phone, run)
    assert state["phase"] == 1 and state["remaining_ms"] == 22_600
    expect(phone.locator("#player-timer")).to_have_text("0:23")
    assert_tracks(phone, clocks, 22_600)


def test_the_time_stays_true_after_a_stalled_tab_and_with_a_wrong_phone_clock(
    phone: Page, live_server: Any, clocks: Clocks
) -> None:
    routine = short_routine(
        steps=[
            {"title": "First hold", "duration_seconds": 10},
            {"title": "Second hold", "duration_seconds": 10},
            {"title": "Third hold", "duration_seconds": 20},
        ]
    )
    run = start(phone, live_server, routine)
    # A background tab: no timer runs for 23.6 s, then one fires (as fast_forward does).
    clocks.traveller.shift(dt.timedelta(milliseconds=23_600))
    phone.clock.fast_forward(23_600)
    phone.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(phone.locator("#player-title")).to_have_text("Third hold")
    assert server_state(phone, run)["remaining_ms"] == 16_400
    expect(phone.locator("#player-timer")).to_have_text("0:17")

    # The phone's wall clock is suddenly 7 minutes slow: the countdown does not care.
    phone.clock.set_system_time(dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=7))
    assert_tracks(phone, clocks, 16_400)


PIXEL = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe"
    b"\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_step_pictures_are_added_replaced_and_removed_with_their_size(
    phone: Page, live_server: Any, clocks: Clocks
) -> None:
    from django.core.files.base import ContentFile

    from routines.content.models import Image, Step

    routine = short_routine(
        steps=[
            {"title": "Towel stretch", "duration_seconds": 10},
            {"title": "No picture", "duration_seconds": 10},
            {"title": "Wall stretch", "duration_seconds": 10},
        ]
    )
    steps = list(Step.objects.filter(routine=routine).order_by("order"))
    for step, alt in ((steps[0], "A towel round the foot"), (steps[2], "Hands on a wall")):
        step.image = Image.objects.create(file=ContentFile(PIXEL, name="step.png"), alt=alt)
        step.save()
    # The test settings do not serve uploads: the browser gets a one-pixel picture.
    phone.route("**/media/**", lambda route: route.fulfill(body=PIXEL, content_type="image/png"))
    start(phone, live_server, routine)
    image = phone.locator("#player-image")
    expect(image).to_have_attribute("alt", "A towel round the foot")
    first_src = image.get_attribute("src")

    clocks.advance(10_000)
    expect(phone.locator("#player-title")).to_have_text("No picture")
    expect(image).to_have_count(0)

    clocks.advance(10_000)
    expect(image).to_have_attribute("alt", "Hands on a wall")
    expect(image).to_have_attribute("width", "1")
    expect(image).to_have_attribute("height", "1")
    assert image.get_attribute("src") not in (None, first_src)
    # It comes right after the instruction, where the server puts it.
    assert (
        phone.evaluate("document.getElementById('player-instruction').nextElementSibling.id")
        == "player-image"
    )


# Controls -----------------------------------------------------------------------------------


def test_a_rep_phase_shows_its_reps_and_done_moves_on(
    phone: Page, live_server: Any, clocks: Clocks
) -> None:
    routine = short_routine(
        steps=[
            {"title": "Heel raises", "reps": 12, "kind": "strength"},
            {"title": "Calf hold", "duration_seconds": 10},
        ]
    )
    run = start(phone, live_server, routine)
    expect(phone.locator("#player-timer")).to_have_text("12 reps")
    expect(phone.get_by_role("button", name="Pause")).to_be_hidden()
    expect(phone.get_by_role("button", name="Skip")).to_be_visible()
    shot(phone, "player-reps")
    clocks.advance(60_000)  # a counted phase waits for Done
    expect(phone.locator("#player-title")).to_have_text("Heel raises")

    with phone.expect_response("**/control/"):
        phone.get_by_role("button", name="Done").tap()
    expect(phone.locator("#player-title")).to_have_text("Calf hold")
    expect(phone.locator("#player-timer")).to_have_text("0:10")
    expect(phone.get_by_role("button", name="Done")).to_be_hidden()
    assert server_state(phone, run)["phase"] == 1
    expect(phone.locator("#player-announcer")).to_have_text("Step 2 of 2: Calf hold, 10 seconds")


def test_the_controls_have_plain_names_and_skip_replaces_next(
    phone: Page, live_server: Any, clocks: Clocks
) -> None:
    routine = short_routine(
        steps=[
            {"title": "Left hold", "duration_seconds": 30, "side": Side.EACH},
            {"title": "Last hold", "duration_seconds": 30},
        ]
    )
    run = start(phone, live_server, routine)
    for name in ("Back", "Pause", "Skip"):
        expect(phone.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(phone.get_by_role("link", name="End", exact=True)).to_be_visible()
    expect(phone.get_by_role("button", name="Next")).to_have_count(0)
    expect(phone.get_by_role("button", name="Resume")).to_be_hidden()
    expect(phone.locator("#player-next")).to_have_text("Next: Left hold · 30 s")

    with phone.expect_response("**/control/"):
        phone.get_by_role("button", name="Skip").tap()
    expect(phone.locator("#player-side")).to_have_text("Switch sides: right leg")
    expect(phone.locator("#player-announcer")).to_have_text(
        "Step 1 of 2: Left hold, 30 seconds, switch to your right leg"
    )
    with phone.expect_response("**/control/"):
        phone.get_by_role("button", name="Back").tap()
    expect(phone.locator("#player-side")).to_have_text("Left leg")
    phone.get_by_role("link", name="End", exact=True).tap()
    with phone.expect_response("**/control/"):
        phone.get_by_role("button", name="End routine").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Ended early")
    expect(phone.get_by_role("group", name="Did it help?")).to_be_visible()
    state = server_state(phone, run)
    assert state["finished"] and state["ended_early"]


def test_space_pauses_and_resumes_without_scrolling(
    phone: Page, live_server: Any, clocks: Clocks
) -> None:
    routine = short_routine(steps=[{"title": "Calf hold", "duration_seconds": 30}])
    run = start(phone, live_server, routine)
    clocks.advance(4_500)
    scroll = phone.evaluate("scrollY")
    with phone.expect_response("**/control/"):
        phone.keyboard.press("Space")
    expect(phone.locator("#player-status")).to_have_text("Paused")
    assert server_state(phone, run)["paused"]
    clocks.advance(10_000)
    expect(phone.locator("#player-timer")).to_have_text("0:26")

    # Focus on a player button: Space still toggles, and does not press that button.
    phone.get_by_role("button", name="Skip").focus()
    scroll = phone.evaluate("scrollY")  # focusing may bring the button into view; Space must not
    with phone.expect_response("**/control/"):
        phone.keyboard.press("Space")
    expect(phone.locator("#player-status")).to_have_text("")
    expect(phone.locator("#player-title")).to_have_text("Calf hold")
    assert not server_state(phone, run)["paused"]
    assert phone.evaluate("scrollY") == scroll

    # In the cue settings, Space belongs to the checkbox.
    phone.get_by_text("Sound, vibration and voice").tap()
    phone.get_by_label("Vibrate").focus()
    phone.keyboard.press("Space")
    expect(phone.get_by_label("Vibrate")).not_to_be_checked()
    expect(phone.locator("#player-status")).to_have_text("")


# Network ------------------------------------------------------------------------------------


def test_offline_the_routine_runs_on_and_a_queued_pause_reaches_the_server(
    phone: Page, live_server: Any, clocks: Clocks, context: BrowserContext
) -> None:
    routine = short_routine(
        steps=[
            {"title": "First hold", "duration_seconds": 10},
            {"title": "Second hold", "duration_seconds": 10},
        ]
    )
    run = start(phone, live_server, routine)
    context.set_offline(True)
    clocks.advance(10_500)
    expect(phone.locator("#player-title")).to_have_text("Second hold")
    phone.get_by_role("button", name="Pause").tap()
    expect(phone.locator("#player-status")).to_have_text("Paused")
    clocks.advance(5_000)
    queued = f"unknot.queue.{run.id}"
    stored = phone.evaluate("(key) => JSON.parse(localStorage.getItem(key))", queued)
    assert [(c["action"], c["phase"]) for c in stored] == [("pause", 1)]
    run.refresh_from_db()  # (the database: asking /state/ would settle the run there)
    assert run.recent_controls == [], "the server heard nothing yet"

    with phone.expect_response("**/control/") as sent:
        context.set_offline(False)
    assert "offset_ms=5000" in (sent.value.request.post_data or "")
    phone.wait_for_function("(key) => !localStorage.getItem(key)", arg=queued, polling=50)
    state = server_state(phone, run)
    assert (state["phase"], state["paused"], state["remaining_ms"]) == (1, True, 9_500)
    expect(phone.locator("#player-timer")).to_have_text("0:10")


def test_offline_the_routine_runs_on_and_every_queued_control_reaches_the_server(
    phone: Page, live_server: Any, clocks: Clocks, context: BrowserContext
) -> None:
    routine = short_routine(
        steps=[
            {"title": "First hold", "duration_seconds": 10},
            {"title": "Second hold", "duration_seconds": 10},
            {"title": "Heel raises", "reps": 8, "kind": "strength"},
            {"title": "Last hold", "duration_seconds": 15},
        ]
    )
    run = start(phone, live_server, routine)
    title = phone.locator("#player-title")
    context.set_offline(True)

    clocks.advance(10_500)
    expect(title).to_have_text("Second hold")
    phone.get_by_role("button", name="Pause").tap()
    expect(phone.locator("#player-status")).to_have_text("Paused")
    clocks.advance(5_000)
    phone.get_by_role("button", name="Resume").tap()
    clocks.advance(9_500)
    expect(title).to_have_text("Heel raises")
    phone.get_by_role("button", name="Done").tap()
    expect(title).to_have_text("Last hold")
    queued = f"unknot.queue.{run.id}"
    stored = phone.evaluate("(key) => JSON.parse(localStorage.getItem(key))", queued)
    assert [c["action"] for c in stored] == ["pause", "resume", "done"]
    run.refresh_from_db()  # (the database: asking /state/ would settle the run there)
    assert run.recent_controls == [], "the server heard nothing yet"

    context.set_offline(False)
    phone.wait_for_function("(key) => !localStorage.getItem(key)", arg=queued, polling=50)
    # A server that disagrees answers 409, which the browser logs; the state check says why.
    errors = phone.console_errors  # type: ignore[attr-defined]  # set by the phone fixture
    errors[:] = [e for e in errors if "status of 409" not in e]
    state = server_state(phone, run)
    assert (state["phase"], state["paused"], state["remaining_ms"]) == (3, False, 15_000)
    assert state["skipped"] == []
    expect(title).to_have_text("Last hold")
    expect(phone.locator("#player-timer")).to_have_text("0:15")


def test_the_end_offline_shows_a_local_summary_then_the_server_one_when_back(
    phone: Page, live_server: Any, clocks: Clocks, context: BrowserContext
) -> None:
    routine = short_routine(steps=[{"title": "Only hold", "duration_seconds": 10}])
    run = start(phone, live_server, routine)
    context.set_offline(True)
    clocks.advance(10_000)
    # No praise before the server's summary knows what was done.
    expect(phone.get_by_role("heading", level=1)).to_have_text("End of the routine")
    expect(phone.get_by_role("status")).to_have_text("Saved when you are back online.")
    shot(phone, "player-offline-end")

    context.set_offline(False)
    expect(phone.get_by_role("group", name="Did it help?")).to_be_visible()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Well done")
    run.refresh_from_db()
    assert run.finished_at is not None and not run.ended_early


class Held:
    """Holds every script request to /runs/: none is answered until `release` (the test
    releases them only after the transition it measures, at least 500 ms later)."""

    def __init__(self, page: Page) -> None:
        self.routes: list[Route] = []
        self.holding = True
        page.route("**/runs/**", self.handle)

    def handle(self, route: Route) -> None:
        if self.holding and route.request.resource_type in ("fetch", "xhr"):
            self.routes.append(route)
        else:
            route.continue_()

    def release(self) -> None:
        self.holding = False
        while self.routes:
            self.routes.pop(0).continue_()


#: Records, in the page, when #player-title gets each new text (performance.now()).
TITLE_WATCH = """
window.__titles = [];
new MutationObserver(() => {
  const node = document.getElementById("player-title");
  const last = window.__titles[window.__titles.length - 1];
  if (node && (!last || last.text !== node.textContent || last.node !== node)) {
    window.__titles.push({ text: node.textContent, at: performance.now(), node });
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""
LAG = """(title) => {
  const seen = window.__titles.find((t) => t.text === title);
  return seen.at - Number(document.getElementById("player").dataset.phaseStarted);
}"""


def test_transitions_take_under_50_ms_while_every_request_hangs(
    browser: Browser, browser_context_args: dict[str, Any], live_server: Any
) -> None:
    # Real milliseconds: both clocks tick in real time here, and only jump together.
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    errors = record_console_errors(page)
    page.add_init_script(TITLE_WATCH)
    routine = short_routine(
        steps=[
            {"title": "Hold one", "duration_seconds": 10},
            {"title": "Hold two", "duration_seconds": 10},
            {"title": "Hold three", "duration_seconds": 10},
        ]
    )
    with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=True) as traveller:
        page.clock.install()
        run = start(page, live_server, routine)
        held = Held(page)
        page.get_by_role("button", name="Pause").tap()
        page.get_by_role("button", name="Resume").tap()
        assert len(held.routes) == 1, "the pause is in flight, the resume waits its turn"
        traveller.shift(dt.timedelta(seconds=9))
        page.clock.fast_forward(9_000)
        # The end of the phase comes in real time, with the controls still unanswered.
        expect(page.locator("#player-title")).to_have_text("Hold two", timeout=5_000)
        assert page.evaluate(LAG, "Hold two") <= 50
        page.get_by_role("button", name="Skip").tap()
        expect(page.locator("#player-title")).to_have_text("Hold three")
        assert page.evaluate(LAG, "Hold three") <= 50
        assert held.routes, "no answer has come back yet"

        held.release()
        page.wait_for_function(
            "(key) => !localStorage.getItem(key)", arg=f"unknot.queue.{run.id}", polling=50
        )
        state = server_state(page, run)
        assert (state["phase"], state["paused"]) == (2, False)
    context.close()
    assert errors == []


# Cues and the screen ---------------------------------------------------------------------------

WAKE_LOCK_SPY = """
window.__wake = [];
if (navigator.wakeLock) {
  const request = navigator.wakeLock.request.bind(navigator.wakeLock);
  navigator.wakeLock.request = async (type) => {
    window.__wake.push("request");
    const sentinel = await request(type);
    sentinel.addEventListener("release", () => window.__wake.push("release"));
    return sentinel;
  };
}
"""
SPEECH_STUB = """
window.__spoken = [];
Object.defineProperty(window, "speechSynthesis", {
  configurable: true,
  value: { speak: (u) => window.__spoken.push(u.text), cancel: () => {} },
});
"""


def test_the_screen_stays_on_while_running_and_is_released_on_pause(
    phone: Page, live_server: Any, clocks: Clocks, context: BrowserContext
) -> None:
    context.grant_permissions(["screen-wake-lock"])
    phone.add_init_script(WAKE_LOCK_SPY)
    routine = short_routine(steps=[{"title": "Calf hold", "duration_seconds": 30}])
    start(phone, live_server, routine)
    phone.wait_for_function("() => window.__wake.includes('request')", polling=50)
    phone.get_by_role("button", name="Pause").tap()
    phone.wait_for_function("() => window.__wake.includes('release')", polling=50)
    phone.get_by_role("button", name="Resume").tap()
    phone.wait_for_function("() => window.__wake.length === 3", polling=50)
    assert phone.evaluate("window.__wake") == ["request", "release", "request"]


def test_the_voice_reads_each_step_when_on_and_cue_choices_survive_a_reload(
    phone: Page, live_server: Any, clocks: Clocks
) -> None:
    phone.add_init_script(SPEECH_STUB)
    routine = short_routine(
        steps=[
            {"title": "Calf hold", "duration_seconds": 10},
            {"title": "Knee hug", "duration_seconds": 10, "instruction": "Hug one knee."},
        ]
    )
    start(phone, live_server, routine)
    settings = phone.locator("#cue-settings")
    expect(settings).to_be_visible()
    settings.get_by_text("Sound, vibration and voice").tap()
    voice = phone.get_by_label("Read each step aloud")
    expect(voice).not_to_be_checked()
    voice.check()
    phone.get_by_label("Tones at 3, 2, 1 and each change").uncheck()
    clocks.advance(10_000)
    expect(phone.locator("#player-title")).to_have_text("Knee hug")
    assert phone.evaluate("window.__spoken") == ["Knee hug. Hug one knee."]

    phone.reload()
    ready(phone)
    phone.get_by_text("Sound, vibration and voice").tap()
    expect(phone.get_by_label("Read each step aloud")).to_be_checked()
    expect(phone.get_by_label("Tones at 3, 2, 1 and each change")).not_to_be_checked()
    expect(phone.get_by_label("Vibrate")).to_be_checked()


# Starting -------------------------------------------------------------------------------------


def test_none_of_these_starts_the_relief_routine(
    phone: Page, live_server: Any, shipped_library: None
) -> None:
    phone.goto(f"{live_server.url}/routines/calf-cramp-relief/check/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("does any of these apply")
    shot(phone, "safety-check")
    phone.get_by_role("button", name="None of these: start").tap()
    expect(phone.locator("#player-title")).to_have_text("Sit with your leg out straight")
    assert Run.objects.filter(routine_slug="calf-cramp-relief").count() == 1


def test_an_emergency_sign_shows_call_buttons_and_starts_nothing(
    phone: Page, live_server: Any, shipped_library: None
) -> None:
    phone.goto(f"{live_server.url}/routines/calf-cramp-relief/check/")
    phone.get_by_role("button", name=re.compile("^Sudden breathlessness")).tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Call the emergency number now")
    call = phone.get_by_role("link", name="Call 999")
    expect(call).to_have_attribute("href", "tel:999")
    expect(phone.get_by_role("link", name=re.compile(r"^Call \d+"))).to_have_count(3)
    expect(phone.get_by_role("button", name="Start the routine")).to_have_count(0)
    shot(phone, "safety-emergency")
    assert not Run.objects.exists()


def test_a_see_today_sign_says_what_to_do_and_starts_nothing(
    phone: Page, live_server: Any, shipped_library: None
) -> None:
    phone.goto(f"{live_server.url}/routines/calf-cramp-relief/check/")
    phone.get_by_role("button", name=re.compile("^One leg is swollen")).tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Get seen today")
    expect(phone.locator(".outcome-action")).to_contain_text("urgent appointment today")
    expect(phone.locator(".outcome-action")).to_contain_text(re.compile("do not stretch", re.I))
    expect(phone.get_by_role("link", name="Call 111")).to_be_visible()
    expect(phone.get_by_role("button", name="Start the routine")).to_have_count(0)
    assert not Run.objects.exists()


def test_cramp_now_reaches_a_running_routine_in_three_taps_at_most(
    phone: Page, live_server: Any, shipped_library: None
) -> None:
    phone.goto(f"{live_server.url}/")
    taps = 0
    phone.get_by_role("link", name=re.compile(r"^Calf")).tap()
    taps += 1
    expect(phone).to_have_url(re.compile(r"/routines/calf-cramp-relief/(check/)?$"))
    if not phone.url.endswith("/check/"):  # through the routine page first
        phone.get_by_role("link", name="Start").tap()
        taps += 1
    phone.get_by_role("button", name="None of these: start").tap()
    taps += 1
    timer = phone.get_by_role("timer")
    # The first step gives 10 s to sit down (tests/test_relief_lead_in.py).
    expect(timer).to_have_text(re.compile(r"^0:(0[0-9]|10)$"))
    first = timer.inner_text()
    expect(timer).not_to_have_text(first, timeout=3_000)  # it counts down by itself
    expect(phone.get_by_role("button", name="Pause")).to_be_visible()
    assert taps <= 3


def test_without_javascript_the_player_steps_through_with_forms(
    browser: Browser, browser_context_args: dict[str, Any], live_server: Any
) -> None:
    routine = short_routine(
        steps=[
            {"title": "First hold", "duration_seconds": 30},
            {"title": "Second hold", "duration_seconds": 45},
        ]
    )
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    start(page, live_server, routine, scripted=False)
    expect(page.locator("#player-title")).to_have_text("First hold")
    expect(page.locator("#player-timer")).to_have_text("0:30")
    expect(page.locator("#cue-settings")).to_be_hidden()
    page.get_by_role("button", name="Next").tap()
    expect(page.locator("#player-title")).to_have_text("Second hold")
    expect(page.locator("#player-timer")).to_have_text(re.compile(r"^0:4[45]$"))
    page.get_by_role("button", name="Back").tap()
    expect(page.locator("#player-title")).to_have_text("First hold")
    page.get_by_role("link", name="End", exact=True).tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("End this routine?")
    assert not Run.objects.get().ended_early  # only a question so far
    page.get_by_role("button", name="End routine").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ended early")
    assert Run.objects.get().ended_early
    context.close()
