"""python manage.py createeditor USERNAME [--reviewer]: an account for the editors' desk."""

from django.core.management.base import BaseCommand, CommandError

from timeline.roles import make_editor


class Command(BaseCommand):
    help = (
        "Create a staff account in the editors group (propose, edit, merge), or with "
        "--reviewer also in the reviewers group (publish, reject). Re-running updates the "
        "groups of an existing account; without --reviewer it leaves the reviewers group."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reviewer", action="store_true", help="may publish and reject")
        parser.add_argument("--email", default="")

    def handle(self, *args, username: str, reviewer: bool, email: str, **options):
        username = username.strip()
        if not username:
            raise CommandError("Give a username.")
        user, created = make_editor(username=username, reviewer=reviewer, email=email)
        role = "reviewer" if reviewer else "editor"
        if created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {role} {user.username!r}. Set a password: "
                    f"manage.py changepassword {user.username}"
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"{user.username!r} is now a {role}."))
