"""The example's shop: items (versioned, audited, cursor-paginated, cached) and their sales."""
