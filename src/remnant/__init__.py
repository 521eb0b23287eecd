"""remnant: information management and models for clearing cluster munition remnants."""


def __getattr__(name: str):
    """``remnant.__version__``, read from the installed package's metadata when asked."""
    if name != "__version__":
        raise AttributeError(f"module 'remnant' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("remnant")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "unknown"
