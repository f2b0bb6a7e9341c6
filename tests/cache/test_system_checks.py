"""System checks of the cache concern: each ID fires on its bad value and names it."""

from __future__ import annotations

from typing import Any

import pytest

from infra_core.cache.rules import _registered, register
from infra_core.cache.system_checks import check_cache
from infra_core.concerns import check_declared_settings


def _ids(messages: list[Any]) -> list[str]:
    return [m.id for m in messages]


@pytest.mark.parametrize(
    ("key", "value", "check_id"),
    [
        ("CACHE_TTLS", {"metadata": -5}, "infra_core.E501"),
        ("CACHE_TTLS", ["metadata"], "infra_core.E501"),
        ("CACHE_DEFAULT_TTL", 0, "infra_core.E502"),
        ("CACHE_TTL_JITTER", 0.9, "infra_core.E503"),
        ("CACHE_LOCK_TTL", "10", "infra_core.E504"),
        ("CACHE_LOCK_WAIT", -1, "infra_core.E505"),
        ("CACHE_LOCAL_MAX_ENTRIES", 0, "infra_core.E510"),
        ("CACHE_LOCAL_MAX_BYTES", 10, "infra_core.E511"),
        ("CACHE_LOCAL_TTL", None, "infra_core.E512"),
    ],
)
def test_check_bad_cache_setting_reports_its_id(
    settings: Any, key: str, value: object, check_id: str
) -> None:
    settings.INFRA_CORE = {key: value}
    messages = [m for m in check_declared_settings() if m.id == check_id]
    assert len(messages) == 1
    assert repr(value) in messages[0].msg


def test_check_ttl_preset_error_names_the_preset(settings: Any) -> None:
    settings.INFRA_CORE = {"CACHE_TTLS": {"metadata": -5}}
    (message,) = [m for m in check_declared_settings() if m.id == "infra_core.E501"]
    assert "'metadata': -5" in message.msg


def test_check_default_settings_pass(settings: Any) -> None:
    settings.INFRA_CORE = {}
    assert check_cache() == []


def test_check_invalidation_not_a_dict_is_e506(settings: Any) -> None:
    settings.INFRA_CORE = {"CACHE_INVALIDATION": ["testapp.CacheTag"]}
    assert _ids(check_cache()) == ["infra_core.E506"]


def test_check_invalidation_bad_keys_entry_is_e506(settings: Any) -> None:
    settings.INFRA_CORE = {"CACHE_INVALIDATION": {"testapp.CacheTag": {"keys": "tag:{pk}"}}}
    (message,) = check_cache()
    assert message.id == "infra_core.E506"
    assert "'tag:{pk}'" in message.msg


def test_check_invalidation_unknown_alias_is_e506(settings: Any) -> None:
    settings.INFRA_CORE = {
        "CACHE_INVALIDATION": {"testapp.CacheTag": {"keys": ["t:{pk}"], "alias": "nowhere"}}
    }
    (message,) = check_cache()
    assert message.id == "infra_core.E506"
    assert "'nowhere'" in message.msg


def test_check_invalidation_unknown_model_is_e507(settings: Any) -> None:
    settings.INFRA_CORE = {"CACHE_INVALIDATION": {"testapp.Nope": {"keys": ["x:{pk}"]}}}
    (message,) = check_cache()
    assert message.id == "infra_core.E507"
    assert "'testapp.Nope'" in message.msg


def test_check_invalidation_missing_format_field_is_e508(settings: Any) -> None:
    settings.INFRA_CORE = {"CACHE_INVALIDATION": {"testapp.CacheTag": {"keys": ["t:{colour}"]}}}
    (message,) = check_cache()
    assert message.id == "infra_core.E508"
    assert "colour" in message.msg


def test_check_registry_rule_missing_field_is_e508(settings: Any) -> None:
    settings.INFRA_CORE = {}
    register("testapp.CacheTag", keys=["t:{missing_field}"])
    try:
        (message,) = check_cache()
    finally:
        _registered["testapp.cachetag"].pop()
    assert message.id == "infra_core.E508"
    assert "invalidates()" in message.msg


def test_check_locmem_alias_of_a_rule_is_w509(settings: Any) -> None:
    settings.INFRA_CORE = {
        "CACHE_INVALIDATION": {"testapp.CacheTag": {"keys": ["t:{pk}"], "alias": "local"}}
    }
    (message,) = check_cache()
    assert message.id == "infra_core.W509"
    assert "'local'" in message.msg


def test_check_locmem_alias_of_cached_function_is_w509(settings: Any) -> None:
    from infra_core.cache import cached
    from infra_core.cache.decorators import DECORATED_ALIASES

    settings.INFRA_CORE = {}

    @cached(ttl=5, alias="local")
    def fn() -> int:
        return 1

    try:
        (message,) = check_cache()
    finally:
        DECORATED_ALIASES.discard("local")
    assert message.id == "infra_core.W509"


def test_check_locmem_default_unused_is_silent(settings: Any) -> None:
    settings.INFRA_CORE = {}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from infra_core.cache.decorators import DECORATED_ALIASES

    saved, decorated = dict(_registered), set(DECORATED_ALIASES)
    _registered.clear()  # the test models' @invalidates rule uses "default"
    DECORATED_ALIASES.clear()  # so do other tests' @cached functions
    try:
        assert check_cache() == []
    finally:
        _registered.update(saved)
        DECORATED_ALIASES.update(decorated)
