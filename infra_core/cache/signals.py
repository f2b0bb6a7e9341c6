"""``cache_invalidated``: sent after a committed model change invalidated its declared entries."""

from __future__ import annotations

from django.dispatch import Signal

# sender: the model class; kwargs: instance (None for bulk helpers), keys (tuple of str),
# namespaces (tuple of str), ok (bool: every delete and bump reached the cache).
cache_invalidated = Signal()
