"""x channel (being written)."""

urlpatterns: list = []
