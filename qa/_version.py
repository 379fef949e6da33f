"""The package's version, and those of the libraries an index records."""

__version__ = "0.1.0"

INDEXED_LIBRARIES = ("sentence-transformers", "torch", "transformers", "onnxruntime", "faiss-cpu", "bm25s",
                     "PyStemmer", "pydantic", "numpy")


def library_versions() -> dict[str, str]:
    """Python's version and the installed versions of INDEXED_LIBRARIES."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in INDEXED_LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out
