"""Aggregation, tables, figures and the synthetic experiment: everything after distillation."""
