"""One module per console page; each exposes `routes(...)` for the app factory."""
