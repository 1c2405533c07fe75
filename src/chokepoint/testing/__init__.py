"""Chokepoint testing package."""
