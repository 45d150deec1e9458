"""Scoring policies on fixed households and comparing them by paired differences."""
