"""Print a new VAPID key pair for Web Push as environment lines, or check the configured one.

    $ manage.py vapid_keys >> /etc/kentmasa/env
    KENTMASA_VAPID_PUBLIC_KEY=BO4d…   (the browsers' applicationServerKey: base64url of the P-256 point)
    KENTMASA_VAPID_PRIVATE_KEY=q7x…   (base64url of the raw 32-byte private key, as py-vapid reads it)

Browsers subscribe with the public key: a new pair makes every existing subscription useless (the push
services refuse pushes signed by another key), so staff have to turn notifications on again.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kentmasa.lib.outbound import SendError
from kentmasa.notify.webpush import new_key_pair, vapid, vapid_subject


class Command(BaseCommand):
    help = "Print a new VAPID key pair for Web Push as environment lines (or --check the configured one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--subject", default="", help="Also print KENTMASA_VAPID_SUBJECT (mailto:… or https://…)."
        )
        parser.add_argument(
            "--check", action="store_true", help="Check the configured keys and subject instead."
        )

    def handle(self, *args: Any, subject: str, check: bool, **options: Any) -> None:
        if check:
            try:
                vapid()
            except SendError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"Web Push keys are usable; subject {vapid_subject()}")
            return
        public, private = new_key_pair()
        self.stdout.write(f"KENTMASA_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"KENTMASA_VAPID_PRIVATE_KEY={private}")
        if subject:
            self.stdout.write(f"KENTMASA_VAPID_SUBJECT={subject}")
        self.stderr.write(
            "Keep the private key secret. Browsers subscribed with the old key must subscribe again."
        )
