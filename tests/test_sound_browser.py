"""Heard with the screen down, in a phone-sized Chromium with its real autoplay policy (no
--autoplay-policy flag): the tap on Start is enough for the player's tones and voice, the
player comes into the same page (htmx) at the run's own address, and when the browser still
holds sound back the player asks for one tap.

Time on the page is Playwright's clock, paused: it moves only when a test moves it. The
server keeps real time; these tests never wait on it for the page's timing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Browser, Locator, Page, expect

from routines.content.models import Purpose, Routine
from routines.player.models import Run

from .factories import make_routine
from .helpers.browser import shot

pytestmark = pytest.mark.django_db(transaction=True)

RUN_URL = re.compile(r"/runs/[0-9a-f-]{36}/$")

#: Records every oscillator started (its frequency, and its context's state at that moment).
#: The player's change-of-step tone is 880 Hz, the 3-2-1 countdown's 660 Hz, the chime that
#: says sound is on 784 Hz.
TONE_SPY = """
window.__tones = [];
const startTone = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__tones.push({ freq: this.frequency.value, state: this.context.state });
  return startTone.apply(this, args);
};
"""
STEP_TONE = {"freq": 880, "state": "running"}
SOUND_ON_CHIME = {"freq": 784, "state": "running"}

#: Counts the documents the tab loads: a player htmx swapped in adds none.
DOCUMENTS = """
sessionStorage.setItem("documents", String(Number(sessionStorage.getItem("documents")) + 1));
"""

#: This device chose the voice before (on some earlier Start screen).
VOICE_CHOSEN = "localStorage.setItem('unknot.cues', JSON.stringify({ voice: true }));"

#: speechSynthesis has no voices headless: a spy records what would be said.
SPEECH_SPY = """
window.__spoken = [];
Object.defineProperty(window, "speechSynthesis", {
  configurable: true,
  value: { speak: (u) => window.__spoken.push(u.text), cancel: () => {} },
});
"""

#: A browser that did not honour the Start tap for sound (as some phones do): every context
#: stays suspended and every resume() is refused until a tap lands on the player itself.
SOUND_HELD_BACK = """
window.__held = true;
addEventListener("pointerdown", () => {
  if (document.getElementById("player")) window.__held = false;
}, { capture: true });
const Held = window.AudioContext;
window.AudioContext = class extends Held {
  get state() { return window.__held ? "suspended" : super.state; }
  resume() {
    if (window.__held) return Promise.reject(new DOMException("No tap yet", "NotAllowedError"));
    return super.resume().then(() => this.dispatchEvent(new Event("statechange")));
  }
};
"""

#: Collects what the player writes into its polite aria-live region.
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
PROMPT_SAID = "Sound is off. Tap the Tap for sound button to hear the cues."


@pytest.fixture
def paused(phone: Page) -> Iterator[Page]:
    """The phone with Playwright's clock installed and paused, and the server's clock frozen:
    a run's phase is exactly as long on the page as on the server. Only the page's clock
    moves (the server's run stays at its start, which these tests never ask about)."""
    start = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        phone.clock.install(time=start)
        phone.clock.pause_at(start + dt.timedelta(seconds=1))
        yield phone


def two_holds(purpose: str = Purpose.PREVENTION, title: str = "Two holds") -> Routine:
    return make_routine(
        title,
        purpose=purpose,
        steps=[
            {"title": "Calf hold", "duration_seconds": 10, "instruction": "Lean on the wall."},
            {"title": "Knee hug", "duration_seconds": 10, "instruction": "Hug one knee."},
        ],
    )


def arrive(page: Page) -> None:
    """The player is at the run's address and its script has taken over."""
    expect(page).to_have_url(RUN_URL)
    expect(page.locator("#cue-settings")).to_be_visible()


def documents_loaded(page: Page) -> int:
    """How many documents this tab has loaded from the site (DOCUMENTS counts them). Read
    only afterwards: Playwright's evaluate counts as a tap, so nothing is evaluated before
    the tap on Start."""
    return int(page.evaluate("sessionStorage.getItem('documents')"))


def tones(page: Page) -> list[dict[str, Any]]:
    return list(page.evaluate("window.__tones"))


def sound_prompt(page: Page) -> Locator:
    return page.get_by_role("button", name="Tap for sound")


# The Start tap is enough --------------------------------------------------------------------


def test_after_tapping_start_the_first_change_plays_a_tone_and_speaks(
    paused: Page, live_server: Any
) -> None:
    page = paused
    page.add_init_script(TONE_SPY)
    page.add_init_script(SPEECH_SPY)
    page.add_init_script(VOICE_CHOSEN)
    page.add_init_script(DOCUMENTS)
    routine = two_holds()
    page.goto(f"{live_server.url}{routine.get_absolute_url()}")
    expect(page.get_by_label("Read each step aloud")).to_be_checked()  # this device's choice

    page.get_by_role("button", name="Start").tap()  # and nothing else is touched

    arrive(page)
    assert documents_loaded(page) == 1, "a new page: the tap's permission would be lost"
    expect(page.locator("#player-title")).to_have_text("Get ready")
    expect(sound_prompt(page)).to_have_count(0)
    # The first phase is read as the player arrives, after the tap's empty utterance (which
    # lets speech on in phones that need it).
    assert page.evaluate("window.__spoken") == ["", "Get ready. Calf hold"]

    page.clock.run_for(4_900)
    assert STEP_TONE not in tones(page)
    assert {"freq": 660, "state": "running"} in tones(page)  # the 3-2-1 before the change
    page.clock.run_for(100)
    expect(page.locator("#player-title")).to_have_text("Calf hold")
    assert STEP_TONE in tones(page)
    assert all(tone["state"] == "running" for tone in tones(page))
    assert page.evaluate("window.__spoken")[-1] == "Calf hold. Lean on the wall."
    assert Run.objects.get(routine=routine).lead_in


def test_from_the_safety_check_the_first_change_plays_a_tone_and_no_voice_when_off(
    paused: Page, live_server: Any
) -> None:
    page = paused
    page.add_init_script(TONE_SPY)
    page.add_init_script(SPEECH_SPY)
    page.add_init_script(DOCUMENTS)
    routine = two_holds(Purpose.RELIEF)
    page.goto(f"{live_server.url}/routines/{routine.slug}/check/")
    expect(page.get_by_label("Read each step aloud")).not_to_be_checked()

    page.get_by_role("button", name="None of these: start").tap()

    arrive(page)
    assert documents_loaded(page) == 1
    page.clock.run_for(10_000)
    expect(page.locator("#player-title")).to_have_text("Knee hug")
    assert STEP_TONE in tones(page)
    assert page.evaluate("window.__spoken") == []


# When sound is still held back ------------------------------------------------------------


def test_when_the_start_tap_did_not_let_sound_on_one_tap_on_the_prompt_does(
    paused: Page, live_server: Any
) -> None:
    page = paused
    page.add_init_script(SOUND_HELD_BACK)
    page.add_init_script(TONE_SPY)
    page.add_init_script(ANNOUNCEMENTS)
    routine = two_holds()
    page.goto(f"{live_server.url}{routine.get_absolute_url()}")
    page.get_by_role("button", name="Start").tap()  # with the 5-second get-ready
    arrive(page)

    prompt = sound_prompt(page)
    expect(prompt).to_be_visible()
    box = prompt.bounding_box()
    assert box is not None and box["height"] >= 56 and box["width"] >= 300  # thumb-sized
    assert page.evaluate("window.__announced") == [PROMPT_SAID]
    page.clock.run_for(3_000)
    assert not [t for t in tones(page) if t["state"] == "running"], "so far nothing is heard"

    prompt.tap()

    # The button stays where it was (nothing moves under the finger), saying so.
    note = page.locator("#sound-prompt")
    expect(note).to_have_text("Sound on")
    expect(prompt).to_have_count(0)
    assert page.evaluate("window.__announced")[-1] == "Sound on."
    assert SOUND_ON_CHIME in tones(page)
    page.clock.run_for(2_000)  # the end of the get-ready
    expect(page.locator("#player-title")).to_have_text("Calf hold")
    assert STEP_TONE in tones(page)
    expect(note).to_have_count(0)


def test_after_a_reload_the_browser_holds_sound_back_until_the_prompt_is_tapped(
    paused: Page, live_server: Any
) -> None:
    page = paused
    page.add_init_script(TONE_SPY)
    routine = two_holds()
    page.goto(f"{live_server.url}{routine.get_absolute_url()}")
    page.get_by_role("button", name="Start").tap()
    arrive(page)
    expect(sound_prompt(page)).to_have_count(0)

    page.reload()  # a new page: the browser's own policy, nothing stubbed
    arrive(page)
    prompt = sound_prompt(page)
    expect(prompt).to_be_visible()
    shot(page, "sound-prompt", full_page=False)

    prompt.tap()

    expect(page.locator("#sound-prompt")).to_have_text("Sound on")
    page.wait_for_function("() => window.__tones.some((t) => t.state === 'running')")
    assert SOUND_ON_CHIME in tones(page)


def test_no_prompt_when_this_device_turned_the_tones_off(paused: Page, live_server: Any) -> None:
    page = paused
    routine = two_holds()
    page.goto(f"{live_server.url}{routine.get_absolute_url()}")
    page.get_by_role("button", name="Start").tap()
    arrive(page)
    page.evaluate("localStorage.setItem('unknot.cues', JSON.stringify({sound: false}))")
    page.reload()
    arrive(page)
    expect(page.get_by_label("Tones at 3, 2, 1 and each change")).not_to_be_checked()
    expect(sound_prompt(page)).to_have_count(0)


# The run's address ------------------------------------------------------------------------


def test_back_forward_and_reload_of_a_run_started_in_the_page_still_work(
    paused: Page, live_server: Any
) -> None:
    page = paused
    page.add_init_script(DOCUMENTS)
    routine = two_holds()
    routine_url = f"{live_server.url}{routine.get_absolute_url()}"
    page.goto(routine_url)
    page.get_by_label("5-second get-ready").set_checked(False)
    page.get_by_role("button", name="Start").tap()
    arrive(page)
    assert documents_loaded(page) == 1
    run_url = page.url
    assert run_url.endswith(Run.objects.get().get_absolute_url())
    expect(page.locator(".site-footer")).to_be_hidden()  # as on the run's own page
    expect(page).to_have_title("Two holds · Unknot")

    page.go_back()
    expect(page).to_have_url(routine_url)
    expect(page.get_by_role("button", name="Start")).to_be_visible()
    expect(page.locator("#player")).to_have_count(0)
    expect(page.locator(".site-footer")).to_be_visible()  # the player hides it; not here
    # The player that left has stopped: were it still counting, the run would end on the
    # page after 20 s and send it to the run's summary.
    page.clock.run_for(25_000)
    expect(page).to_have_url(routine_url)

    page.go_forward()
    expect(page).to_have_url(run_url)
    expect(page.locator("#cue-settings")).to_be_visible()
    assert documents_loaded(page) == 1
    # The server's clock stood still: the run is where it started, and counts down again.
    expect(page.locator("#player-title")).to_have_text("Calf hold")
    expect(page.locator("#player-timer")).to_have_text("0:10")
    page.clock.run_for(10_000)
    expect(page.locator("#player-title")).to_have_text("Knee hug")

    page.reload()
    arrive(page)
    assert documents_loaded(page) == 2
    expect(page.locator("#player-progress")).to_contain_text("of 2")
    assert Run.objects.count() == 1


def test_without_javascript_starting_from_the_safety_check_posts_and_keeps_the_voice_choice(
    browser: Browser, browser_context_args: dict[str, Any], live_server: Any
) -> None:
    routine = two_holds(Purpose.RELIEF)
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    check = f"{live_server.url}/routines/{routine.slug}/check/"
    page.goto(check)
    page.get_by_label("Read each step aloud").check()
    page.get_by_role("button", name="None of these: start").tap()
    expect(page).to_have_url(RUN_URL)
    expect(page.locator("#player-title")).to_have_text("Calf hold")
    assert Run.objects.filter(routine=routine).count() == 1

    page.goto(check)
    expect(page.get_by_label("Read each step aloud")).to_be_checked()
    context.close()


def test_the_voice_choice_is_remembered_on_this_device(
    phone: Page, live_server: Any, browser: Browser, browser_context_args: dict[str, Any]
) -> None:
    first, second = two_holds(title="First"), two_holds(title="Second")
    phone.goto(f"{live_server.url}{first.get_absolute_url()}")
    phone.get_by_label("Read each step aloud").check()  # chosen, not started

    phone.goto(f"{live_server.url}{second.get_absolute_url()}")
    expect(phone.get_by_label("Read each step aloud")).to_be_checked()
    phone.goto(f"{live_server.url}/routines/{second.slug}/check/")
    expect(phone.get_by_label("Read each step aloud")).to_be_checked()

    other_phone = browser.new_context(**browser_context_args).new_page()
    other_phone.goto(f"{live_server.url}{second.get_absolute_url()}")
    expect(other_phone.get_by_label("Read each step aloud")).not_to_be_checked()
    other_phone.context.close()
