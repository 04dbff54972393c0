"""The scheduler and the idempotent daily jobs (harvest, index, trending, digests, sending)."""
