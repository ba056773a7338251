"""Writes of the inspections app."""
