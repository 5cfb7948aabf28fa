"""The web layer: pages rendered on the server, the JSON API, and their dependencies."""

from app.web import params as params  # registers the `id` path type before any route exists
