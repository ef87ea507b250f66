"""Prepare the provider's database: tables, an RSA signing key, Hindsight's client and one user.

Run as `python -m tests.sso.provider.setup_provider <client_id> <client_secret> <redirect_uri>
<post_logout_redirect_uri> <username> <password> <email> <first name> <last name>` with
DJANGO_SETTINGS_MODULE pointing at the provider's settings.
"""

import sys

import django


def main(argv: list[str]) -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    (
        client_id,
        client_secret,
        redirect_uri,
        post_logout_redirect_uri,
        username,
        password,
        email,
        first,
        last,
    ) = argv
    call_command("migrate", verbosity=0)
    call_command("creatersakey", verbosity=0)
    client = Client.objects.create(
        name="Hindsight",
        client_type="confidential",
        client_id=client_id,
        client_secret=client_secret,
        jwt_alg="RS256",
        require_consent=True,
        reuse_consent=False,
    )
    client.redirect_uris = [redirect_uri]
    # RP-initiated logout: where the provider's end-session endpoint may send the browser back to.
    client.post_logout_redirect_uris = [post_logout_redirect_uri]
    client.save()
    client.response_types.add(ResponseType.objects.get(value="code"))
    get_user_model().objects.create_user(
        username, email=email, password=password, first_name=first, last_name=last
    )


if __name__ == "__main__":
    main(sys.argv[1:])
