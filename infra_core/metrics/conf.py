"""Settings of /metrics (E340+ of the 3xx range; health has E300-E339)."""

from __future__ import annotations

from infra_core.conf import Setting
from infra_core.net import IPNetwork, networks
from infra_core.parsers import boolean, token

MIN_TOKEN_LENGTH = 16

METRICS_TOKEN: Setting[str | None] = Setting(
    "METRICS_TOKEN",
    None,
    token(MIN_TOKEN_LENGTH),
    "/metrics: bearer token (>= 16 chars) that may scrape; None: no token access.",
    "infra_core.E340",
    'Generate one: python -c "import secrets; print(secrets.token_urlsafe(32))" and read it '
    "from the environment; or set None to disable token access.",
    secret=True,
)
METRICS_ALLOWED_IPS: Setting[tuple[IPNetwork, ...]] = Setting(
    "METRICS_ALLOWED_IPS",
    [],
    networks,
    "/metrics: client CIDRs (via TRUSTED_PROXIES-aware client_ip) that may scrape without a token.",
    "infra_core.E341",
    'Use CIDRs of your Prometheus servers, e.g. ["10.0.5.0/24"].',
)
METRICS_ALLOW_STAFF: Setting[bool] = Setting(
    "METRICS_ALLOW_STAFF",
    True,
    boolean,
    "/metrics: logged-in staff users may view it. With no token and no IPs this is the only way.",
    "infra_core.E342",
    "Use True (staff users may view /metrics) or False.",
)

SETTINGS = (METRICS_TOKEN, METRICS_ALLOWED_IPS, METRICS_ALLOW_STAFF)
