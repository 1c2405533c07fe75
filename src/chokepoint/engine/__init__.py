"""Chokepoint engine package."""
