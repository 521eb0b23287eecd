"""The web front door: an API with roles, OGC API – Features, hazard tiles and a dashboard."""
