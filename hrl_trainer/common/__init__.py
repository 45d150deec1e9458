"""Shared ground of every layer: paths and names, atomic files and file sets, settings and bounds, euros, validation messages in words."""
