"""A tiny, real OpenID Connect provider (django-oidc-provider) that the SSO tests start as a subprocess.

It is a Django project of its own: settings in `settings.py`, its SQLite file and the user's
configurable `groups` claim in the folder named by `OP_STATE_DIR`.
"""
