"""python manage.py api_token USERNAME [--name NAME]

Issues an API token for a member of staff and prints it once: only its hash is kept, so a lost token
cannot be shown again; revoke it in the admin and issue a new one.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kentmasa.directory.models import ApiToken, User


class Command(BaseCommand):
    help = "Bir personel için API anahtarı üretir ve bir kez yazar (yalnızca özeti saklanır)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Personelin kullanıcı adı.")
        parser.add_argument("--name", default="", help="Anahtarın ne için olduğu, ör. kullanan sistemin adı.")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"“{username}” adında bir kullanıcı yok.")
        if not user.is_active:
            raise CommandError(
                f"“{username}” kullanıcısı etkin değil; etkin olmayan kullanıcıya anahtar verilmez."
            )
        token, raw = ApiToken.issue(user, name=name[:100])
        self.stderr.write(
            f"“{username}” için API anahtarı üretildi ({token.key_prefix}…). "
            "Şimdi kopyalayın; bir daha gösterilmez."
        )
        self.stdout.write(raw)
