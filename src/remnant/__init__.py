"""remnant: information management and models for clearing cluster munition remnants."""
