"""The web layer: pages rendered on the server, the JSON API, and their dependencies."""
