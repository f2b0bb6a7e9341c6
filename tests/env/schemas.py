"""Schemas the env tests load (importable by test settings modules run in subprocesses)."""

from __future__ import annotations

from infra_core.env import EnvSchema, Var

# The five-mistake acceptance schema: each variable below gets a different mistake.
ACCEPTANCE = EnvSchema(
    prefix="ACME_",
    ACME_API_KEY=Var(str, secret=True, help="Key of the ACME API."),
    ACME_WEBHOOK_URL=Var("url", help="Where ACME posts events."),
    ACME_WORKERS=Var(int, default=4, min=1, max=64),
    ACME_MODE=Var(str, default="live", choices=("live", "sandbox")),
    ACME_SIGNING_KEY=Var(str, secret=True, min_length=32),
)

# One variable of every type, each with a default: the .env.example round-trip schema.
EVERY_TYPE = EnvSchema(
    prefix="SHOP_",
    SHOP_DEBUG=Var(bool, default=False, help="Development mode."),
    SHOP_SECRET_KEY=Var(
        str, secret=True, min_length=50, required_when={"SHOP_DEBUG": False}, default=None
    ),
    SHOP_NAME=Var(str, help="Shop name shown in mails."),
    SHOP_PORT=Var(int, default=8000, min=1, max=65535),
    SHOP_RATIO=Var(float, default=0.5, min=0, max=1),
    SHOP_SITE_URL=Var("url", default="https://shop.example.com"),
    SHOP_DATABASE_URL=Var("db_url", secret=True),
    SHOP_CACHE_URL=Var("cache_url", default="locmemcache://"),
    SHOP_HOSTS=Var(list, default="localhost,127.0.0.1", min_length=1),
    SHOP_LIMITS=Var("json", default='{"api": 10}'),
    SHOP_TIMEOUT=Var("duration", default="30s", max=3600),
    SHOP_MEDIA=Var("path", default="/tmp/media"),
)
