"""The production network: table schemas, validation, balancing, compilation to arrays."""

from chokepoint.network.balance import BalanceReport, balance, balance_report
from chokepoint.network.compile import CompiledNetwork, compile_network
from chokepoint.network.schema import TABLES, node_id
from chokepoint.network.tables import NetworkTables, Origin
from chokepoint.network.validate import validate_tables

__all__ = [
    "TABLES",
    "BalanceReport",
    "CompiledNetwork",
    "NetworkTables",
    "Origin",
    "balance",
    "balance_report",
    "compile_network",
    "node_id",
    "validate_tables",
]
