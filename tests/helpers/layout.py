"""Layout checks the phone-sized browser tests run on every page (tests/test_layout_browser.py).

Each check runs in the page and returns what fails, described for a person to find it.

The touch-target rule (after WCAG 2.2's 2.5.8, with 44 px where it says 24):
- A target is any visible `a[href]`, `button`, `summary`, `select`, `textarea`, or `input` that
  is not hidden. A checkbox or radio counts together with its label (tapping the label works).
- It passes when its box is at least 44x44 CSS px, or when a 44 px circle centred on it touches
  no other target and no other small target's circle (the spacing exception).
- Inline exception: a link inside running prose is exempt. "Running prose" is explicit: the
  link is displayed inline, and the paragraph or list item it sits in holds at least
  PROSE_CHARS characters of its own text outside links. A list of links, a "Source: <link>"
  line, a breadcrumb or a button-like link is not prose, and must be big enough.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

#: Smallest target side, and the spacing circle's diameter, in CSS px.
TARGET = 44
#: Own text (outside links) a paragraph needs for a link in it to count as inline prose.
PROSE_CHARS = 40

_TARGETS_JS = """
([TARGET, PROSE_CHARS]) => {
  const selector = 'a[href], button, summary, select, textarea, input:not([type="hidden"])';
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || el.name || "")
      .trim().replace(/\\s+/g, " ").slice(0, 50);
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${text}"`;
  };
  // Not hidden, not inside a closed <details> (content-visibility: hidden), has a box.
  const visible = (el) =>
    el.getClientRects().length > 0 &&
    el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true});
  const ownProse = (block) => {
    let text = "";
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      if (!walker.currentNode.parentElement.closest("a, button")) text += walker.currentNode.data;
    }
    return text.replace(/\\s+/g, " ").trim().length;
  };
  const inlineProse = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const block = el.parentElement.closest("p, li, dd");
    return block !== null && ownProse(block) >= PROSE_CHARS;
  };
  const box = (el) => {
    let r = el.getBoundingClientRect();
    let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
    if (el.type === "checkbox" || el.type === "radio") {
      for (const label of el.labels || []) {
        const l = label.getBoundingClientRect();
        left = Math.min(left, l.left); top = Math.min(top, l.top);
        right = Math.max(right, l.right); bottom = Math.max(bottom, l.bottom);
      }
    }
    return {left, top, right, bottom, width: right - left, height: bottom - top};
  };
  // The skip link is off screen until focused, then big enough (checked by its own test).
  const all = [...document.querySelectorAll(selector)]
    .filter((el) => visible(el) && !el.classList.contains("skip-link"));
  const targets = all.filter((el) => !inlineProse(el)).map((el) => ({el, r: box(el)}));
  const small = targets.filter((t) => t.r.width < TARGET - 0.5 || t.r.height < TARGET - 0.5);
  const centre = (r) => [(r.left + r.right) / 2, (r.top + r.bottom) / 2];
  const circleHitsRect = ([cx, cy], rad, r) => {
    const dx = Math.max(r.left - cx, 0, cx - r.right);
    const dy = Math.max(r.top - cy, 0, cy - r.bottom);
    return dx * dx + dy * dy < rad * rad;
  };
  const rad = TARGET / 2;
  const failures = [];
  for (const t of small) {
    const c = centre(t.r);
    const clash = targets.find((o) => {
      if (o === t || o.el.contains(t.el) || t.el.contains(o.el)) return false;
      // The same control twice (an input and the label around it) is one target.
      if (t.el.labels && [...t.el.labels].includes(o.el)) return false;
      if (o.el.labels && [...o.el.labels].includes(t.el)) return false;
      if (circleHitsRect(c, rad, o.r)) return true;
      if (small.includes(o)) {
        const [ox, oy] = centre(o.r);
        return Math.hypot(ox - c[0], oy - c[1]) < TARGET;
      }
      return false;
    });
    if (clash) {
      failures.push(`${describe(t.el)} is ${Math.round(t.r.width)}x${Math.round(t.r.height)}` +
        ` px and within ${rad} px of ${describe(clash.el)}`);
    }
  }
  return failures;
}
"""


def small_targets(page: Page) -> list[str]:
    """Targets smaller than 44x44 px without 44 px of room (the rule above)."""
    result: list[str] = page.evaluate(_TARGETS_JS, [TARGET, PROSE_CHARS])
    return result


def sideways_overflow(page: Page) -> int:
    """How many CSS px the page scrolls sideways (0: it fits).

    In a mobile context the layout viewport grows to fit wide content, so `innerWidth` hides
    an overflow; the root element's scroll width against its client width shows it."""
    width: int = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return width


def widest_elements(page: Page) -> list[str]:
    """The elements that reach past the right edge of the screen (for a failure message)."""
    found: list[str] = page.evaluate(
        """() => {
          const edge = document.documentElement.clientWidth;
          return [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > edge + 0.5)
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className} right=` +
              Math.round(el.getBoundingClientRect().right));
        }"""
    )
    return found


def covered(page: Page, selector: str) -> list[str]:
    """Elements matching `selector`, scrolled into view one by one, whose centre is under
    something else (a sticky bar): what `elementFromPoint` finds there is not them."""
    found: list[str] = page.evaluate(
        """(selector) => {
          const out = [];
          for (const el of document.querySelectorAll(selector)) {
            if (!el.getClientRects().length ||
                !el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true})) {
              continue;
            }
            el.scrollIntoView({block: "end", inline: "nearest"});
            // A link that wraps has a box per line: its first line is what is tried.
            const r = el.getClientRects()[0];
            // The middle, and a quarter in from each side at mid-height (rounded corners are
            // not part of an element when hit-testing, so the corners are not tried).
            const y = r.top + r.height / 2;
            const points = [[r.left + r.width / 2, y], [r.left + r.width / 4, y],
                            [r.right - r.width / 4, y]];
            for (const [x, y] of points) {
              const hit = document.elementFromPoint(x, y);
              if (hit && hit !== el && !el.contains(hit)) {
                out.push(`${el.tagName.toLowerCase()}#${el.id} "` +
                  el.innerText.trim().slice(0, 40) + `" is under ${hit.tagName.toLowerCase()}` +
                  `.${hit.className}`);
                break;
              }
            }
          }
          return out;
        }""",
        selector,
    )
    return found


def layout_problems(page: Page) -> dict[str, Any]:
    """Sideways overflow and small targets on the page as it is now."""
    return {"overflow": sideways_overflow(page), "small": small_targets(page)}


#: The phone widths every page is checked at.
WIDTHS = (320, 360, 390)
#: The pages issue 9 first listed (tests/test_layout_browser.py); the later ones are listed in
#: tests/test_audit9_layout_browser.py, whose guard fails when a page is in neither.
GUEST_PAGES = (
    "/",
    "/routines/",
    "/routines/?situation=bedtime&area=calf",
    "/routines/calf-cramp-relief/",
    "/routines/bedtime-stretches/",
    "/routines/calf-cramp-relief/check/",
    "/learn/",
    "/help/",
    "/about/",
    "/hydration/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/done/",
    "/no-such-page/",
)
SIGNED_IN_PAGES = (
    "/",
    "/routines/",
    "/reminders/",
    "/reminders/new/",
    "/reminders/settings/",
    "/hydration/",
    "/push/devices/",
    "/accounts/password_change/",
    "/accounts/password_change/done/",
)


def phone_context(browser: Browser, width: int, height: int = 800, **extra: Any) -> BrowserContext:
    """A new browser context the size of a phone (touch, 2x pixels, British English)."""
    return browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        **extra,
    )


def check_page(page: Page, url: str, problems: list[str], label: str) -> None:
    """Add to `problems` the page's sideways overflow and its too-small targets, if any."""
    overflow = sideways_overflow(page)
    if overflow:
        problems.append(f"{label} {url}: {overflow}px sideways ({widest_elements(page)})")
    problems.extend(f"{label} {url}: {target}" for target in small_targets(page))


def start_guest_run(page: Page, base: str, slug: str = "calf-cramp-relief") -> None:
    """Through the safety check, as from home: the player is running."""
    page.goto(f"{base}/routines/{slug}/check/")
    page.get_by_role("button", name=re.compile("None of these")).click()
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-f-]+/$"))
    expect(page.locator("#player-timer")).to_be_visible()
