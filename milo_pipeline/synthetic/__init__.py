"""Synthetic i-milo exports: seeded, reproducible, calibrated on the 2024 figures of the Mission
Locale de Besançon (see generator.py)."""

from .generator import generate

__all__ = ["generate"]
