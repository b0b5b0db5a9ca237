"""Certification programs: tracks, their renewal paths, course prerequisites and rules."""
