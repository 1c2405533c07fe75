"""Importers and exporters: dataset folders (CSV/Parquet/Excel), MRIO tables via pymrio."""
