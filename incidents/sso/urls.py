from django.urls import path

from incidents.sso import views

# The callback is the redirect URI to register at the provider: https://<host>/oidc/callback/
urlpatterns = [
    path("oidc/authenticate/", views.OidcStartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", views.OidcCallbackView.as_view(), name="oidc_authentication_callback"),
]
