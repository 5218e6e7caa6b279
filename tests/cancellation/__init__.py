"""Cancellation at every await of the pool: nothing may be left behind (pool rule 3)."""
