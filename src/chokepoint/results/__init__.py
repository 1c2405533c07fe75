"""Results: the labelled xarray Dataset of a run, its metrics and the ``ds.cp`` accessor."""

from chokepoint.results import accessor as _accessor  # noqa: F401  (registers ds.cp)
from chokepoint.results.dataset import to_dataset

__all__ = ["to_dataset"]
