"""Chokepoint market package."""
