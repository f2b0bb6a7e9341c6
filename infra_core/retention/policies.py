"""Retention policies, parsed from ``RETENTION_POLICIES`` by one function (checks, runtime)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models

from infra_core.conf import SettingError
from infra_core.parsers import duration, integer
from infra_core.tasks.conf import DLQ_DATABASE

KEYS = frozenset({"older_than", "field", "filter", "batch_size", "database"})
DURATION_HINT = 'Use "<number><s|m|h|d|w>", e.g. "30d"; the age must be positive.'


@dataclasses.dataclass(frozen=True)
class Policy:
    """Delete ``model`` rows whose ``field`` is older than ``older_than`` and match ``filter``."""

    model: type[models.Model]
    field: str
    older_than: timedelta
    filter: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    batch_size: int | None = None
    # None: the router's write database for the model.
    database: str | None = None

    @property
    def label(self) -> str:
        """Return the model label, e.g. ``infra_core.DeadLetter`` (the metric label too)."""
        return self.model._meta.label

    def cutoff(self, now: datetime) -> datetime:
        """Return the instant before which rows are expired."""
        return now - self.older_than

    def expired(self, cutoff: datetime, using: str) -> models.QuerySet[Any]:
        """Return the expired rows (base manager: a custom default manager hides nothing)."""
        rows = self.model._base_manager.using(using).filter(**self.filter)
        return rows.filter(**{f"{self.field}__lt": cutoff})


class Problem(NamedTuple):
    """What is wrong with one policy: the check ID, the message and a hint."""

    id: str
    message: str
    hint: str


def default_policies() -> dict[str, dict[str, Any]]:
    """Return infra_core's own policies (closed dead letters, violations, transitions).

    TaskRun has none: a run row left behind is a task whose worker died, and ``infra_dlq sweep``
    turns it into a dead letter; deleting it by age would lose that task without a trace.
    """
    # Raw, then the default: an invalid alias is the E408 check's error, never a raise here.
    dlq = DLQ_DATABASE.value if DLQ_DATABASE.problem() is None else DLQ_DATABASE.default
    closed = ["replayed", "discarded", "resolved"]
    return {
        "infra_core.DeadLetter": {
            "older_than": "30d",
            "field": "last_failed_at",
            "filter": {"status__in": closed},
            "database": dlq,
        },
        "infra_core.RateLimitViolation": {"older_than": "30d", "field": "last_at"},
        "infra_core.HealthTransition": {"older_than": "90d", "field": "at"},
    }


def parse_policies(raw: Any) -> tuple[list[Policy], list[Problem]]:
    """Return the valid policies (defaults merged with ``raw``) and the problems of the rest."""
    if not isinstance(raw, Mapping):
        return [], [
            Problem(
                "infra_core.E601",
                f"RETENTION_POLICIES = {raw!r} is not a dict.",
                'e.g. {"app.Model": {"older_than": "30d", "field": "created_at"}}',
            )
        ]
    merged: dict[str, tuple[str, Any]] = {}
    for source in (default_policies(), raw):
        for label, spec in source.items():
            merged[_canonical(label)] = (str(label), spec)
    policies: list[Policy] = []
    problems: list[Problem] = []
    for label, spec in merged.values():
        if spec is None:
            continue
        policy, problem = parse_policy(label, spec)
        if problem is not None:
            problems.append(problem)
        elif policy is not None:
            policies.append(policy)
    return policies, problems


def resolve(raw: Any) -> list[Policy]:
    """Return the policies of ``raw``; raise ImproperlyConfigured naming the first problem."""
    policies, problems = parse_policies(raw)
    if problems:
        first = problems[0]
        raise ImproperlyConfigured(f"{first.id}: {first.message} {first.hint}")
    return policies


def _canonical(label: Any) -> str:
    try:
        return str(apps.get_model(str(label))._meta.label)
    except (LookupError, ValueError):
        return str(label)


def parse_policy(label: str, spec: Any) -> tuple[Policy | None, Problem | None]:
    """Return the Policy of one entry, or the problem that makes it unusable."""
    where = f"RETENTION_POLICIES[{label!r}]"
    if not isinstance(spec, Mapping) or not set(spec) <= KEYS or "older_than" not in spec:
        return None, Problem(
            "infra_core.E601",
            f"{where} = {spec!r} is not a policy dict.",
            f"Keys: older_than (required), {', '.join(sorted(KEYS - {'older_than'}))}.",
        )
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None, Problem(
            "infra_core.E602",
            f"{where}: {label!r} is not an installed model.",
            'Use "app_label.ModelName", e.g. "sessions.Session".',
        )
    opts = model._meta
    if (
        not isinstance(opts.pk, models.Field)
        or opts.pk.get_internal_type() == "CompositePrimaryKey"
    ):
        return None, Problem(
            "infra_core.E608",
            f"{where}: {label} has a composite primary key.",
            "Batches walk one primary-key column; such models are not supported.",
        )
    name = spec.get("field", "created_at")
    try:
        column = opts.get_field(name)
    except Exception:
        column = None
    if not isinstance(column, models.DateField):  # DateTimeField is a DateField
        return None, Problem(
            "infra_core.E603",
            f"{where}: field {name!r} is not a date or datetime field of {label}.",
            "Name the model's DateField/DateTimeField holding the row's age.",
        )
    try:
        older_than = duration(spec["older_than"])
    except SettingError as exc:
        return None, Problem(
            "infra_core.E604",
            f"{where}['older_than'] = {spec['older_than']!r} {exc}.",
            DURATION_HINT,
        )
    problem = _filter_problem(where, model, spec.get("filter", {}))
    if problem is not None:
        return None, problem
    protected = [
        f"{rel.related_model._meta.label}.{rel.field.name}"
        for rel in opts.related_objects
        if rel.on_delete in (models.PROTECT, models.RESTRICT)
    ]
    if protected:
        return None, Problem(
            "infra_core.E606",
            f"{where}: {label} rows are referenced with on_delete PROTECT/RESTRICT by "
            f"{', '.join(protected)}; QuerySet.delete() would refuse such batches.",
            "Clean the referencing model first and use CASCADE or SET_NULL, or drop this policy.",
        )
    try:
        size = None if spec.get("batch_size") is None else integer(1, 100_000)(spec["batch_size"])
    except SettingError as exc:
        return None, Problem(
            "infra_core.E607",
            f"{where}['batch_size'] = {spec['batch_size']!r} {exc}.",
            "e.g. 1000, or leave it out (RETENTION_BATCH_SIZE).",
        )
    database = spec.get("database")
    if database is not None and database not in connections:
        return None, Problem(
            "infra_core.E607",
            f"{where}['database'] = {database!r} is not a DATABASES alias.",
            "Name an alias of settings.DATABASES or leave it out.",
        )
    policy = Policy(model, name, older_than, dict(spec.get("filter", {})), size, database)
    return policy, None


def _filter_problem(where: str, model: type[models.Model], lookups: Any) -> Problem | None:
    hint = 'A dict of QuerySet.filter() lookups, e.g. {"status__in": ["done", "failed"]}.'
    if not isinstance(lookups, Mapping) or not all(isinstance(k, str) for k in lookups):
        return Problem("infra_core.E605", f"{where}['filter'] = {lookups!r} is not a dict.", hint)
    try:
        model._base_manager.filter(**lookups)
    except Exception as exc:  # a check never raises: FieldError, ValueError, TypeError...
        return Problem("infra_core.E605", f"{where}['filter'] = {dict(lookups)!r}: {exc}", hint)
    return None
