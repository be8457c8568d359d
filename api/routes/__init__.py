"""The HTTP resources of the service, one module per resource, mounted under ``/api/v1``."""
