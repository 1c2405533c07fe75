"""Datasets shipped inside the package, and the loader that finds them (package or store)."""

from chokepoint.datasets.registry import dataset_path, list_packaged, load_packaged

__all__ = ["dataset_path", "list_packaged", "load_packaged"]
