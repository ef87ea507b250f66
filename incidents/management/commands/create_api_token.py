"""`python manage.py create_api_token <username> [--name N] [--integration]` prints a new key."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidents.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its key (shown this once; only a hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What will use the token (default: created by CLI).")
        parser.add_argument(
            "--integration",
            action="store_true",
            help="A token for monitoring webhooks (Alertmanager) only, not the rest of the API.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user called {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"{user.get_username()} is not active.")
        name = options["name"] or (
            "Alertmanager" if options["integration"] else "Created by create_api_token"
        )
        try:
            token, key = api_token_create(user=user, name=name, is_integration=options["integration"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stderr.write(f"Token {token.name!r} ({token.prefix}…) for {user.get_username()}:")
        self.stdout.write(key)
