"""How often one account may register devices and send test notifications (each press of
"Send a test notification" pushes to every device of the account)."""

from __future__ import annotations

from routines.accounts.throttle import Limit, signed_in_user

PUSH_SUBSCRIBES = Limit(
    "push_subscribe",
    "PUSH_SUBSCRIBE_RATE",
    "user",
    "This account has turned on notifications many times recently. Try again in {wait}.",
    applies=signed_in_user,
)
PUSH_TESTS = Limit(
    "push_test",
    "PUSH_TEST_RATE",
    "user",
    "You have sent several test notifications in a short time. Try again in {wait}.",
    applies=signed_in_user,
)
