"""Who is calling: an API key in `Authorization: Bearer cg_…`, for a person or an integration client."""

from ninja.security import HttpBearer

from civicgrid.integrations.tokens import authenticate


class TokenAuth(HttpBearer):
    openapi_description = "个人或对接系统的接口密钥：Authorization: Bearer cg_…"

    def authenticate(self, request, token):
        user = authenticate(token)
        if user is None:
            return None
        # Selectors and services read request.user, as in the console.
        request.user = user
        return user
