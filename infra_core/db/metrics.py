"""``infra_core_db_retries_total``: transactions atomic_with_retry ran again, by reason."""

from __future__ import annotations

from prometheus_client import Counter

#: Label values of ``reason`` (bounded: classify() returns only these).
REASONS = ("serialization_failure", "deadlock", "connection_lost", "database_locked")

RETRIES = Counter(
    "infra_core_db_retries_total",
    "Transactions atomic_with_retry ran again after a transient error, by reason.",
    ["reason"],
)
