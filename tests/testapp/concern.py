"""A throwaway concern that joins infra_core through the registration hook alone."""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

from infra_core.concerns import Concern
from infra_core.conf import Setting
from infra_core.parsers import boolean, integer

pinged = Signal()
PINGS: list[int] = []

TESTAPP_ECHO: Setting[bool] = Setting(
    "TESTAPP_ECHO", True, boolean, "Echo pings into PINGS.", "testapp.E001"
)
TESTAPP_REPEAT: Setting[int] = Setting(
    "TESTAPP_REPEAT", 1, integer(1, 10), "Times each ping is echoed.", "testapp.E002"
)


def on_ping(sender: Any, **kwargs: Any) -> None:
    """Record a ping (and count it) as often as the settings say."""
    from tests.testapp.metrics import PINGS_TOTAL

    if TESTAPP_ECHO.value:
        PINGS.extend([1] * TESTAPP_REPEAT.value)
    PINGS_TOTAL.inc()


def connect() -> None:
    pinged.connect(on_ping, dispatch_uid="tests.testapp.on_ping")


CONCERN = Concern(
    "testapp",
    settings=(TESTAPP_ECHO, TESTAPP_REPEAT),
    receivers=(connect,),
    metrics=("tests.testapp.metrics",),
)
