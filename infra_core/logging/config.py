"""``logging_config()``: a complete LOGGING dict in one call."""

from __future__ import annotations

from typing import Any


def logging_config(
    *,
    json: bool = True,
    level: str = "INFO",
    access_log: bool = True,
    loggers: dict[str, str] | None = None,
    redact_keys: list[str] | None = None,
) -> dict[str, Any]:
    """Return a ``LOGGING`` dict: one stdout handler, JSON or console, context and redaction on.

    ``loggers`` maps extra logger names to levels, e.g. ``{"myapp": "DEBUG"}``.
    """
    formatter = "infra_json" if json else "infra_console"
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "infra_context": {"()": "infra_core.logging.filters.ContextFilter"},
            "infra_redact": {
                "()": "infra_core.logging.filters.RedactFilter",
                "extra_keys": list(redact_keys or []),
            },
            "infra_disallowed_host": {"()": "infra_core.logging.filters.DisallowedHostFilter"},
        },
        "formatters": {
            "infra_json": {"()": "infra_core.logging.formatters.JsonFormatter"},
            "infra_console": {"()": "infra_core.logging.formatters.ConsoleFormatter"},
        },
        "handlers": {
            "infra_stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": formatter,
                "filters": ["infra_context", "infra_redact"],
            },
        },
        "root": {"handlers": ["infra_stdout"], "level": level},
        "loggers": {
            # Django's own request logger repeats what the access log says, with tracebacks for
            # 4xx; keep its errors, drop its warnings.
            "django.request": {"level": "ERROR", "propagate": True},
            # A bad Host header is a client's doing: one short security event, no traceback.
            "django.security.DisallowedHost": {
                "filters": ["infra_disallowed_host"],
                "propagate": True,
            },
            "django.server": {"level": "WARNING" if access_log else "INFO", "propagate": True},
            "infra_core.access": {
                "level": "INFO" if access_log else "WARNING",
                "propagate": True,
            },
        },
    }
    for name, lvl in (loggers or {}).items():
        config["loggers"][name] = {"level": lvl, "propagate": True}
    return config
