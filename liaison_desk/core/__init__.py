"""Qt-free domain: the encrypted vault, the records in it and their search index."""
