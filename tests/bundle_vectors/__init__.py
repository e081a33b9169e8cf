"""The bundle test kit: single-purpose `.ldbundle` vectors, and the tools to craft and read them."""
