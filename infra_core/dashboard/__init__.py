"""The "Infrastructure" page in the Django admin: health, DLQ, rate limits, cache, retention."""
