"""iadsim: open-source IADS simulator and analysis toolkit from public, cited data."""
__version__ = "0.1.0"
