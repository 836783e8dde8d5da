"""Synthetic i-milo exports: seeded, reproducible, calibrated on the 2024 figures of the Mission
Locale de Besançon (see generator.py); the structures of a network, each in its own ranges of ids, and the
union of their exports (structures.py)."""

from .generator import generate
from .structures import Structure, union

__all__ = ["Structure", "generate", "union"]
