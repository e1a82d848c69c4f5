"""Checks run by CI beside the test suite (HTML validity with the Nu HTML Checker)."""
