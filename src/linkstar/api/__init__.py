"""The HTTP API: /api/v1, health checks, error envelope."""
