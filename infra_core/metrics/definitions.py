"""Every ``infra_core_*`` Prometheus metric, defined once.

Labels are bounded by construction: routes are URL names or patterns (never raw paths), methods
come from ``normalise_method``, scopes/checks/tasks come from settings or code, not from clients.
Gauges declare a ``multiprocess_mode`` so they aggregate correctly under gunicorn.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})

# Request latency buckets in seconds: fine below 100 ms where Django requests live.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def normalise_method(method: str | None) -> str:
    """Return the HTTP method as a label value: a known verb, else ``other``."""
    upper = (method or "").upper()
    return upper if upper in KNOWN_METHODS else "other"


# --- HTTP and errors --------------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "infra_core_http_requests_total",
    "HTTP requests by route name, normalised method and status code.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "infra_core_http_request_duration_seconds",
    "HTTP request duration by route name and normalised method.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
ERRORS = Counter(
    "infra_core_errors_total",
    "Error responses by error code (see docs/errors.md).",
    ["code"],
)

# --- rate limiting ----------------------------------------------------------------------------
RATELIMIT_DECISIONS = Counter(
    "infra_core_ratelimit_decisions_total",
    "Rate-limit decisions by scope and decision (allowed, blocked, fail_open, fail_closed).",
    ["scope", "decision"],
)

# --- Redis resilience -------------------------------------------------------------------------
BREAKER_STATE = Gauge(
    "infra_core_circuit_breaker_open",
    "1 while the named circuit breaker is open (backend considered down), else 0.",
    ["name"],
    multiprocess_mode="livemax",  # live*: a dead worker's value leaves with it (child_exit)
)
BREAKER_TRANSITIONS = Counter(
    "infra_core_circuit_breaker_transitions_total",
    "Circuit breaker state changes by breaker name and new state.",
    ["name", "state"],
)

# --- cache ------------------------------------------------------------------------------------
CACHE_REQUESTS = Counter(
    "infra_core_cache_requests_total",
    "Cache-aside lookups by cache name and result (hit, local_hit, miss, stale, error).",
    ["name", "result"],
)

# --- health -----------------------------------------------------------------------------------
HEALTH_STATUS = Gauge(
    "infra_core_health_check_up",
    "1 if the named health check passed on its last run, 0 if it failed or timed out.",
    ["check"],
    multiprocess_mode="livemin",  # live*: a dead worker's value leaves with it (child_exit)
)
HEALTH_DURATION = Histogram(
    "infra_core_health_check_duration_seconds",
    "Health check duration by check name.",
    ["check"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0),
)

# --- tasks and DLQ ----------------------------------------------------------------------------
REQUEST_IDS_REJECTED = Counter(
    "infra_core_request_ids_rejected_total",
    "Incoming request ids replaced because they broke the rule (too_long, invalid).",
    ["reason"],
)
TASK_OUTCOMES = Counter(
    "infra_core_task_outcomes_total",
    "Celery task outcomes by task name (success, failure, retry, dead_lettered, publish_failed).",
    ["task", "outcome"],
)
DLQ_RECORDED = Counter(
    "infra_core_dlq_recorded_total",
    "Dead-letter rows recorded by task name.",
    ["task"],
)
DLQ_REPLAYS = Counter(
    "infra_core_dlq_replays_total",
    "Dead-letter replays by task name.",
    ["task"],
)

# --- outbound calls and business events -------------------------------------------------------
OUTBOUND_REQUESTS = Counter(
    "infra_core_outbound_requests_total",
    "Calls to external services by service name and outcome (ok, error, timeout).",
    ["service", "outcome"],
)
OUTBOUND_DURATION = Histogram(
    "infra_core_outbound_request_duration_seconds",
    "Duration of calls to external services by service name.",
    ["service"],
    buckets=LATENCY_BUCKETS,
)
BUSINESS_EVENTS = Counter(
    "infra_core_business_events_total",
    "Business events counted with infra_core.metrics.business_event(name).",
    ["event"],
)
EVENTS_PUBLISHED = Counter(
    "infra_core_events_published_total",
    "Events fanned out by infra_core.events.publish() (after commit), by event name.",
    ["event"],
)
EVENTS_DELIVERED = Counter(
    "infra_core_events_delivered_total",
    "Event deliveries by event name and outcome (publisher: sent, send_failed, no_handler; "
    "worker: success, retry, failure).",
    ["event", "outcome"],
)

# --- timers (infra_core.logging.measure_query / measure_job) -----------------------------------
QUERY_DURATION = Histogram(
    "infra_core_db_query_duration_seconds",
    "Duration of database queries timed with measure_query(name), by query name.",
    ["query"],
    buckets=LATENCY_BUCKETS,
)
JOB_DURATION = Histogram(
    "infra_core_job_duration_seconds",
    "Duration of jobs timed with measure_job(name), by job name and outcome (ok, error).",
    ["job", "outcome"],
    buckets=(0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0),
)

# --- observers --------------------------------------------------------------------------------
OBSERVER_ERRORS = Counter(
    "infra_core_observer_errors_total",
    "Failures inside observers (logging, metrics, cache invalidation, DLQ, Sentry) that were "
    "caught so the request or task could go on.",
    ["component"],
)
SECURITY_EVENTS = Counter(
    "infra_core_security_events_total",
    "Security events logged with log_security_event(), by event name.",
    ["event"],
)
