"""Retention: one batched delete engine for every table with an age column (``infra_cleanup``)."""
