"""remnant: information management and models for clearing cluster munition remnants."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("remnant")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "unknown"
