"""whatsapp channel (being written)."""

urlpatterns: list = []
