"""The demo bench (`makermatrix-edge demo-data`, `serve --demo`): data and the loader that adds it."""
