"""python manage.py api_token USERNAME [--name NAME] [--scope staff|plate_reads]

Issues an API token for a member of staff and prints it once: only its hash is kept, so a lost token
cannot be shown again; revoke it in the admin and issue a new one. ``--scope plate_reads`` makes a camera
system's token, for a member of a police institution: it may post plate reads (POST /api/v1/pts/reads)
and nothing else.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kentmasa.directory.models import ApiToken, Institution, User


class Command(BaseCommand):
    help = "Bir personel için API anahtarı üretir ve bir kez yazar (yalnızca özeti saklanır)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Personelin kullanıcı adı.")
        parser.add_argument("--name", default="", help="Anahtarın ne için olduğu, ör. kullanan sistemin adı.")
        parser.add_argument(
            "--scope",
            default=ApiToken.Scope.STAFF,
            choices=ApiToken.Scope.values,
            help="staff: personelin yapabildiği her şey (varsayılan); plate_reads: yalnızca plaka okumaları "
            "göndermek (PTS kamera sistemi, bir emniyet müdürlüğünün personeli için).",
        )

    def handle(self, *args: Any, username: str, name: str, scope: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"“{username}” adında bir kullanıcı yok.")
        if not user.is_active:
            raise CommandError(
                f"“{username}” kullanıcısı etkin değil; etkin olmayan kullanıcıya anahtar verilmez."
            )
        if scope == ApiToken.Scope.PLATE_READS and (
            user.institution is None or user.institution.kind != Institution.Kind.POLICE
        ):
            raise CommandError(
                f"“{username}” bir emniyet müdürlüğünün personeli değil; plaka okuma anahtarı yalnızca "
                "emniyet müdürlüğü personeline verilir."
            )
        token, raw = ApiToken.issue(user, name=name[:100], scope=scope)
        self.stderr.write(
            f"“{username}” için API anahtarı üretildi ({token.key_prefix}…). "
            "Şimdi kopyalayın; bir daha gösterilmez."
        )
        self.stdout.write(raw)
