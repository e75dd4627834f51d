from typing import Any

from django.core.management.base import BaseCommand

from kentmasa.escalation import services


class Command(BaseCommand):
    help = "Run the overdue sweep now, in this process."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(services.sweep()))
