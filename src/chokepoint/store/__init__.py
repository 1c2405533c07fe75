"""Chokepoint store package."""
