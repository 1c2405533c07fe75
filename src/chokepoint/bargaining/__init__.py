"""Leverage and bargaining: damage matrices from engine runs, Nash and alternating-offers predictions."""
