"""Chokepoint results package."""
