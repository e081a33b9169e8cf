"""The desktop application (PySide6). Talks to core/ only through its public functions."""
