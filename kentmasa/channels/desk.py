"""desk channel (being written)."""

urlpatterns: list = []
