"""Static indicators on supply tables and networks: concentration, criticality, tracing."""
