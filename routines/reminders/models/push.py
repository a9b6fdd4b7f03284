from __future__ import annotations

from django.conf import settings
from django.db import models

from routines.reminders.models.reminders import Occurrence


class PushSubscription(models.Model):
    """One device (browser) a person turned notifications on in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    last_delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created"]

    def __str__(self) -> str:
        return self.user_agent or self.endpoint[:60]

    def as_webpush(self) -> dict[str, object]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class DeliveryResult(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    GONE = "gone", "Device gone (removed)"
    RETRY = "retry", "Temporary failure (will retry)"
    FAILED = "failed", "Failed"


class DeliveryAttempt(models.Model):
    """Every push attempt: when, to which device, with what result."""

    occurrence = models.ForeignKey(
        Occurrence, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    subscription = models.ForeignKey(
        PushSubscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    endpoint = models.URLField(max_length=1000)
    at = models.DateTimeField()
    result = models.CharField(max_length=10, choices=DeliveryResult.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_result_display()} at {self.at:%Y-%m-%d %H:%M:%S}"
