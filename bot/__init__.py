"""OCO-wegwijzer: the project's own Python package (catalogue, intake store, channels, web app, CLI)."""
