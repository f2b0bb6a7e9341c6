"""Request/correlation ids: validation, the middleware, and helpers for code outside requests."""

from __future__ import annotations

from infra_core.request_id.ids import is_valid_request_id, meta_key

__all__ = ["is_valid_request_id", "meta_key"]
