"""Test and demo support: realistic message writer and archive generator (not production)."""
