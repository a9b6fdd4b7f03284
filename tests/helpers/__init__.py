"""Plain functions shared by the test modules (fixtures live in tests/conftest.py).

- `html`: reading a page as a person would: its text, its <main>, its links and inputs.
- `people`: users, signed-in test clients, and a session for the browser.
- `browser`: what the phone-sized Playwright tests share: screenshots, the 390px check.
- `axe`: axe-core's WCAG 2.1 AA violations on the page in the browser.
"""
