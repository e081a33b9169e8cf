"""Liaison Desk: encrypted contacts, meetings and protocol library for liaison officers."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("liaison-desk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
