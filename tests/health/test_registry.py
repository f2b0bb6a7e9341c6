from __future__ import annotations

import pytest

from infra_core.health.registry import HealthConfigError, build_checks, configured_checks
from tests.health.checks_for_tests import spec


def names(specs: object) -> list[str]:
    return [c.name for c in build_checks(specs, default_timeout=1.0)]


def test_build_checks_dotted_path_uses_class_defaults() -> None:
    [check] = build_checks(["infra_core.health.probes.MigrationsCheck"], default_timeout=0.7)
    assert (check.name, check.critical, check.timeout) == ("migrations", False, 0.7)


def test_build_checks_dict_overrides_name_critical_timeout() -> None:
    [check] = build_checks(
        [spec("CountingCheck", name="x", critical=False, timeout=0.2)], default_timeout=1
    )
    assert (check.name, check.critical, check.timeout) == ("x", False, 0.2)


def test_build_checks_cache_without_alias_expands_to_every_non_dummy_alias(settings) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    assert names(["infra_core.health.probes.CacheCheck"]) == ["cache:default", "cache:local"]


def test_build_checks_options_reach_the_check() -> None:
    [check] = build_checks(
        [{"check": "infra_core.health.probes.DiskCheck", "options": {"path": "/tmp"}}],
        default_timeout=1,
    )
    assert check.name == "disk:/tmp"


@pytest.mark.parametrize(
    ("specs", "fragment"),
    [
        ("infra_core.health.probes.DiskCheck", "is not a list"),
        ([42], "dotted path string"),
        (["no.such.module.Check"], "cannot import 'no.such.module.Check'"),
        (["infra_core.conf.AppSettings"], "not a HealthCheck subclass"),
        ([spec("CountingCheck", critical="yes")], "'critical' must be a bool"),
        ([spec("CountingCheck", timeout=0)], "'timeout' must be a positive number"),
        ([spec("CountingCheck", timeot=1)], "unknown key(s) ['timeot']"),
        ([spec("CountingCheck", options=[1])], "'options' must be a dict"),
        ([spec("CountingCheck", options={"nope": 1})], "bad options"),
        ([spec("CountingCheck"), spec("CountingCheck")], "used twice"),
        (
            [{"check": "infra_core.health.probes.DatabaseCheck", "options": {"alias": "ghost"}}],
            "unknown database alias 'ghost'",
        ),
    ],
)
def test_build_checks_bad_entry_error_names_the_problem(specs: object, fragment: str) -> None:
    with pytest.raises(HealthConfigError) as info:
        build_checks(specs, default_timeout=1)
    assert fragment in str(info.value)


def test_configured_checks_rebuilds_after_settings_change(settings) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": [spec("CountingCheck", name="one")]}
    assert [c.name for c in configured_checks()] == ["one"]
    settings.INFRA_CORE = {"HEALTH_CHECKS": [spec("CountingCheck", name="two")]}
    assert [c.name for c in configured_checks()] == ["two"]


def test_configured_checks_default_setting_covers_db_cache_migrations_disk_memory(
    settings,
) -> None:
    expected = [f"database:{a}" for a in settings.DATABASES]
    expected += [f"cache:{a}" for a in settings.CACHES]
    expected += ["migrations", "disk:/", "memory"]
    assert [c.name for c in configured_checks()] == expected
