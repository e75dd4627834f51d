"""open311 channel (being written)."""

urlpatterns: list = []
