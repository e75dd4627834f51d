"""Enqueue the periodic jobs every KENTMASA_PERIODIC_INTERVAL seconds; the workers run them.

Several copies may run at once (one per machine): every periodic job is idempotent.
"""

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Enqueue the periodic jobs (the overdue sweep) at a fixed interval."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=int, default=settings.KENTMASA_PERIODIC_INTERVAL)
        parser.add_argument("--once", action="store_true", help="Enqueue once and exit.")

    def handle(self, *args: Any, interval: int, once: bool, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.is_set():
            for job in map(import_string, settings.KENTMASA_PERIODIC_TASKS):
                result = job.enqueue()
                self.stdout.write(f"enqueued {job.name} ({result.id})")
            if once:
                break
            stop.wait(interval)
