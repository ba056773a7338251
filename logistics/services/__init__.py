"""Writes of the core app. Each function is a use case: keyword-only arguments, validated, atomic."""
