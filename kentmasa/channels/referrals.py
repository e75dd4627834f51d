"""referrals channel (being written)."""

urlpatterns: list = []
