"""Aggregation, tables and figures: everything after distillation."""
