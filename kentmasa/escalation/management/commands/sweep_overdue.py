from django.core.management.base import BaseCommand

from kentmasa.escalation import services


class Command(BaseCommand):
    help = "Run the overdue sweep now, in this process."

    def handle(self, *args, **options):
        self.stdout.write(str(services.sweep()))
