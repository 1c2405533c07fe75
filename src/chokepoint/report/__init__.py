"""Chokepoint report package."""
