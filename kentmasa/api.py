"""The JSON API under /api/v1/ (django-ninja)."""

from ninja import NinjaAPI

api = NinjaAPI(title="kentmasa", version="1", urls_namespace="api")
