"""screenpop channel (being written)."""

urlpatterns: list = []
