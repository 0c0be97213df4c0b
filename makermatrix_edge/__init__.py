"""makermatrix-edge: the parts-inventory daemon for a workbench Raspberry Pi."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("makermatrix-edge")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
