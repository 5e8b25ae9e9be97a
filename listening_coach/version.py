"""The release number, kept equal to ``version`` in ``pyproject.toml``.

A module of its own so that modules inside the package (the JSON writer, the batch engine
stamp) read it without importing the package root, which imports them.
"""

__version__ = "0.1.0"
