"""Scenarios: schema, instruments, loading, and compilation to a :class:`ScenarioBatch`."""

from chokepoint.scenario.batch import Rule, ScenarioBatch

__all__ = ["Rule", "ScenarioBatch"]
