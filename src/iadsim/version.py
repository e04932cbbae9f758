"""The iadsim version (a bottom-layer module so that any module can record it)."""

__version__ = "0.1.0"
