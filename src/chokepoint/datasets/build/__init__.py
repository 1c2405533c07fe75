"""Builders of the embedded datasets from curated source tables (run as modules)."""
