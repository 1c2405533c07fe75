"""The propagation engine: a batched, vectorised day-by-day simulation (DESIGN §5)."""

from chokepoint.engine.loop import simulate
from chokepoint.engine.params import EngineParams

__all__ = ["EngineParams", "simulate"]
