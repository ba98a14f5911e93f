"""Web views of the assistance app, a module per area."""
