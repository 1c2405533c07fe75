"""Chokepoint bargaining package."""
