"""Benchmarks that print figures. Each module ``bench/<name>.py`` has ``main() -> dict[str, float]``.

Run one with ``python -m bench.<name>``, all with ``python -m bench`` (or ``make bench``).
"""
