"""Catalogue cases of metrics, errors, health, retention, cache and logging (no subprocess)."""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client import REGISTRY
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.cache import get_or_compute
from tests.conftest import ThrowawayRedis, free_port
from tests.retention.conftest import LOG
from tests.sentry.conftest import MemoryTransport, flush, sentry
from tests.testapp.models_retention import RetentionLog

TOKEN = "catalogue-metrics-token-0123456789"
FORBIDDEN_LABELS = {"user", "user_id", "ip", "client_ip", "email", "request_id", "path", "url",
                    "message", "exception", "exception_message", "username"}  # fmt: skip
__all__ = ["sentry"]
HEXLIKE = re.compile(r"^[0-9a-f]{16,}$|^[0-9a-f-]{36}$")


def _commands(server: Any) -> int:
    return int(server.info("stats")["total_commands_processed"])


# --- E. metrics ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_m04_no_metric_label_is_named_or_valued_like_an_identity(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    first, *rest = settings.MIDDLEWARE
    metrics = "infra_core.middleware.MetricsMiddleware"
    errors = "infra_core.middleware.ErrorMiddleware"
    settings.MIDDLEWARE = [first, metrics, *rest, errors]
    for i in range(30):  # traffic that would leak identities into labels if anything did
        client.get(f"/nope/{uuid.uuid4()}/", REMOTE_ADDR=f"203.0.113.{i}",
                   HTTP_X_REQUEST_ID=f"req-{uuid.uuid4().hex}")  # fmt: skip
        client.get(f"/items/{i}/", HTTP_AUTHORIZATION="Bearer x")
        client.generic(f"FOO{i}", "/ping/")
    checked = 0
    for family in REGISTRY.collect():
        if not family.name.startswith("infra_core"):
            continue
        for sample in family.samples:
            for label, value in sample.labels.items():
                checked += 1
                assert label not in FORBIDDEN_LABELS, (family.name, label)
                assert "@" not in value, (family.name, label, value)
                assert not value.startswith("/"), (family.name, label, value)  # no raw path
                assert not HEXLIKE.match(value), (family.name, label, value)  # no ids
                try:
                    ipaddress.ip_address(value)
                except ValueError:
                    pass
                else:
                    raise AssertionError((family.name, label, value))
                if label == "method":
                    assert value in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
                                     "TRACE", "CONNECT", "other"}, value  # fmt: skip
    assert checked > 0
    body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert "203.0.113." not in body and "req-" not in body and "FOO1" not in body


@pytest.mark.integration
@pytest.mark.django_db
def test_m06_scrapes_make_no_database_query_and_no_redis_command(
    client: Client, settings: SettingsWrapper, throwaway_redis: ThrowawayRedis
) -> None:
    import redis
    from django.db import connection

    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache",
                                   "LOCATION": throwaway_redis.url}}  # fmt: skip
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    server = redis.Redis.from_url(throwaway_redis.url)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    client.get("/metrics", **auth)  # the first scrape may read the DLQ gauge (30 s cache)
    before = _commands(server)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(100):
            assert client.get("/metrics", **auth).status_code == 200
    assert len(queries) == 0
    assert _commands(server) - before == 1  # only the INFO of `before` itself


# --- K. errors ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("tests.errors.urls")
def test_e03_error_envelopes_need_neither_database_nor_redis(
    settings: SettingsWrapper, django_assert_num_queries: Any
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens: Redis is down
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": dead,
                                   "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2}}}  # fmt: skip
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "session" not in m.lower()
                           and "auth" not in m.lower() and "messages" not in m.lower()]  # fmt: skip
    settings.MIDDLEWARE += ["infra_core.middleware.ErrorMiddleware"]
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        missing = client.get("/api/nope/", HTTP_ACCEPT="application/json")
        broken = client.get("/api/raise/key_error/", HTTP_ACCEPT="application/json")
    assert (missing.status_code, broken.status_code) == (404, 500)
    for response in (missing, broken):
        error = response.json()["error"]
        assert error["request_id"] == response["X-Request-ID"]
        assert response["Content-Type"].startswith("application/json")
    assert "secret" not in broken.content.decode()  # the KeyError's text


# --- G. log redaction -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.urls("tests.errors.urls")
def test_l04_500_answers_the_envelope_only_never_the_posted_password(
    settings: SettingsWrapper, json_logs: Any
) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "infra_core.middleware.ErrorMiddleware"]
    response = Client(raise_request_exception=False, enforce_csrf_checks=False).post(
        "/api/raise/key_error/", {"username": "ann", "password": "hunter2-l04"},
        HTTP_ACCEPT="application/json",
    )  # fmt: skip
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) <= {"code", "message", "details", "request_id"}
    assert error["request_id"] == response["X-Request-ID"]
    text = response.content.decode()
    assert "hunter2-l04" not in text and "Traceback" not in text and "secret" not in text
    assert json_logs.records and "hunter2-l04" not in json_logs.text  # nor in the error log


@pytest.mark.django_db
@pytest.mark.urls("tests.errors.urls")
def test_l04_admin_error_mail_masks_the_posted_password_with_the_reporter_filter(
    settings: SettingsWrapper,
) -> None:
    from django.core import mail

    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = (
        "infra_core.logging.reporter.RedactingExceptionReporterFilter"
    )
    settings.ADMINS = [("ops", "ops@example.com")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "infra_core.middleware.ErrorMiddleware"]
    from django.utils.log import AdminEmailHandler

    handler = AdminEmailHandler(include_html=True)
    handler.setLevel(logging.ERROR)
    loggers = [logging.getLogger(n) for n in ("django.request", "infra_core.errors", "")]
    for lg in loggers:
        lg.addHandler(handler)
    try:
        response = Client(raise_request_exception=False).post(
            "/api/raise/key_error/", {"username": "ann-l04", "password": "hunter2-l04"},
            HTTP_ACCEPT="application/json",
        )  # fmt: skip
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
    assert response.status_code == 500
    assert mail.outbox, "the 500 was reported to ADMINS"
    for message in mail.outbox:
        html = "".join(str(part[0]) for part in getattr(message, "alternatives", []))
        assert "hunter2-l04" not in message.body + html
    assert "ann-l04" in mail.outbox[0].body  # the report still shows the other fields
    assert "********" in mail.outbox[0].body


# --- I. retention -------------------------------------------------------------------------


def _cleanup(*args: str) -> str:
    out = StringIO()
    call_command("infra_cleanup", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("older_than", [0, "0d", "-1d", -5, "soon", 3.5, True, [], {"d": 1}])
def test_d08_invalid_retention_refuses_to_run_with_exit_two(
    settings: SettingsWrapper, older_than: Any
) -> None:
    settings.INFRA_CORE = {"RETENTION_POLICIES": {LOG: {"older_than": older_than}}}
    RetentionLog.objects.create(created_at=timezone.now() - timedelta(days=400))
    with pytest.raises(CommandError) as info:
        _cleanup()
    assert info.value.returncode == 2
    assert RetentionLog.objects.count() == 1  # nothing deleted


@pytest.mark.django_db
def test_d08_pending_dead_letters_are_never_deleted_by_the_default_policy(
    settings: SettingsWrapper,
) -> None:
    from infra_core.tasks.models import DeadLetter

    settings.INFRA_CORE = {"RETENTION_POLICIES": {LOG: None}}
    old = timezone.now() - timedelta(days=400)
    for status in (DeadLetter.Status.PENDING, DeadLetter.Status.DISCARDED):
        DeadLetter.objects.create(
            task_name="t", task_id=f"d08-{status}-{uuid.uuid4().hex}", status=status,
            first_failed_at=old, last_failed_at=old,
        )  # fmt: skip
    _cleanup()
    assert list(DeadLetter.objects.values_list("status", flat=True)) == ["pending"]


@pytest.mark.django_db
def test_d09_cleanup_counts_reach_the_metrics_endpoint(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN,
                           "RETENTION_POLICIES": {LOG: {"older_than": "1d"}}}  # fmt: skip
    started = timezone.now().timestamp()
    now = timezone.now()
    RetentionLog.objects.bulk_create(
        [RetentionLog(created_at=now - timedelta(days=3)) for _ in range(7)]
        + [RetentionLog(created_at=now) for _ in range(2)]
    )

    def scraped(name: str) -> float:
        body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
        found = re.search(rf'^{name}{{model="{LOG}"}} (\S+)$', body, re.M)
        return float(found.group(1)) if found else 0.0

    before = scraped("infra_core_retention_rows_deleted_total")
    _cleanup("--only", LOG)
    assert scraped("infra_core_retention_rows_deleted_total") - before == 7
    assert scraped("infra_core_retention_last_success_timestamp_seconds") >= int(started)
    assert RetentionLog.objects.count() == 2


# --- H. cache -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_k06_rolled_back_update_is_never_served_from_the_cache() -> None:
    from tests.testapp.models_db import Account

    account = Account.objects.create(name=f"k06-{uuid.uuid4().hex[:12]}", balance=1)
    key = f"k06:{account.pk}"

    def load() -> int:
        return int(Account.objects.get(pk=account.pk).balance)

    assert get_or_compute(key, load, 60) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(balance=99)
        raise RuntimeError("roll back")
    assert get_or_compute(key, load, 60) == 1
    assert load() == 1


# --- F. Sentry ------------------------------------------------------------------------------


def test_s02_nested_secrets_in_extra_breadcrumbs_and_context_never_leave(
    sentry: MemoryTransport,
) -> None:
    import sentry_sdk

    sentry_sdk.add_breadcrumb(category="auth", message="login", data={"a": {"secret": "s1-cat"}})
    with sentry_sdk.new_scope() as scope:
        scope.set_extra("cfg", {"token": "t1-cat", "deeper": {"password": "p1-cat"}})
        scope.set_context("user_input", {"user": {"password": "p2-cat"}})
        sentry_sdk.capture_exception(RuntimeError("failed"))
    flush()
    assert sentry.events, "no event captured: the check would pass vacuously"
    for secret in (b"s1-cat", b"t1-cat", b"p1-cat", b"p2-cat"):
        assert secret not in sentry.raw


# --- I. retention (cutoff) ------------------------------------------------------------------


@pytest.mark.django_db
def test_d02_rows_exactly_at_the_cutoff_and_newer_are_kept() -> None:
    from infra_core.retention import services
    from infra_core.retention.policies import Policy
    from tests.retention.conftest import NOW

    policy = Policy(RetentionLog, "created_at", timedelta(days=30))
    cutoff = NOW - timedelta(days=30)
    RetentionLog.objects.bulk_create(
        [RetentionLog(created_at=cutoff - timedelta(microseconds=1), kind="old"),
         RetentionLog(created_at=cutoff, kind="at"),
         RetentionLog(created_at=NOW, kind="new")]
    )  # fmt: skip
    outcome = services.run_policy(policy, now=NOW)
    assert outcome.rows == 1
    assert sorted(RetentionLog.objects.values_list("kind", flat=True)) == ["at", "new"]


@pytest.mark.django_db(transaction=True)
def test_k05_reader_refilling_before_commit_is_dropped_at_commit(
    settings: SettingsWrapper,
) -> None:
    import threading

    from django.db import connection, connections

    from tests.testapp.models_cache import CacheProduct

    if connection.vendor != "postgresql":
        pytest.skip("two threads on two connections need the PostgreSQL pass")
    settings.INFRA_CORE = {"CACHE_INVALIDATION": {"testapp.CacheProduct": {"keys": ["k05:{pk}"]}}}
    product = CacheProduct.objects.create(slug=f"k05-{uuid.uuid4().hex[:8]}", price=1)
    key = f"k05:{product.pk}"

    def price() -> int:
        return int(CacheProduct.objects.get(pk=product.pk).price)

    refilled: list[int] = []

    def reader() -> None:  # thread B: a miss while A's update is not committed yet
        try:
            refilled.append(get_or_compute(key, price, 60))
        finally:
            connections.close_all()

    from infra_core.cache import invalidate

    invalidate(key)
    with transaction.atomic():  # thread A
        product.price = 2
        product.save()
        b = threading.Thread(target=reader)
        b.start()
        b.join(10)
        assert refilled == [1]  # B saw the committed value and cached it
        # Documented (docs/cache.md): no read-your-writes inside the transaction.
        assert get_or_compute(key, price, 60) == 1
    assert get_or_compute(key, price, 60) == 2  # the commit dropped B's entry: fresh at once
