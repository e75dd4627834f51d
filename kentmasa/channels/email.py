"""E-mail channel (being written)."""

urlpatterns: list = []
