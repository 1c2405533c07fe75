"""Scenario sweeps: designs of uncertain parameters, execution on Dask, summaries."""
