"""Exporters, named ``<what>_<format>``. Every file is written atomically."""
