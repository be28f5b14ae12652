"""Making and revoking API keys over GraphQL (admins only; audited like every mutation).

The inputs hold nothing secret, so their audit entries need no redaction; the new
key's token is only in the payload, which the audit log never stores.
"""

from __future__ import annotations

import strawberry

from domain.access import Role as DomainRole
from interfaces.graphql.context import Context, Info, hourbill
from interfaces.graphql.errors import attempt
from interfaces.graphql.mutations.payload import Payload
from interfaces.graphql.reader import read_id
from interfaces.graphql.types.access import ApiKey, Role


@strawberry.input
class CreateApiKeyInput:
    name: str = strawberry.field(
        description="What the key is for; unique among active keys, at most 80 characters."
    )
    role: Role  # type: ignore[valid-type]


@strawberry.input
class RevokeApiKeyInput:
    id: strawberry.ID = strawberry.field(description="The ApiKey's global id.")


@strawberry.type
class CreateApiKeyPayload(Payload):
    api_key: ApiKey | None = None
    token: str | None = strawberry.field(
        default=None,
        description=(
            "The key itself, `hb_<prefix>_<secret>`, to send as `Authorization: Bearer …`. "
            "Shown this once: only a hash of it is stored, so it cannot be shown again."
        ),
    )


@strawberry.type
class RevokeApiKeyPayload(Payload):
    api_key: ApiKey | None = None


def created_by(info: Info) -> str:
    """The admin making a key, as `key:<name>`."""
    context = info.context
    principal = context.principal if isinstance(context, Context) else None
    return f"key:{principal.name}" if principal is not None else "unknown"


@strawberry.type
class AccessMutations:
    @strawberry.mutation(
        description="A new key; its token is in the payload, once. Usable at once."
    )
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        return await attempt(
            input,
            CreateApiKeyPayload,
            lambda: hourbill(info).create_api_key.execute(
                input.name, DomainRole(input.role), created_by(info)
            ),
            lambda made: CreateApiKeyPayload(
                api_key=ApiKey.from_domain(made.key), token=made.token
            ),
        )

    @strawberry.mutation(
        description=(
            "From the next request on the key is refused (401), and an open websocket's "
            "next operation too. An admin may revoke its own key."
        )
    )
    async def revoke_api_key(self, info: Info, input: RevokeApiKeyInput) -> RevokeApiKeyPayload:
        return await attempt(
            input,
            RevokeApiKeyPayload,
            lambda: hourbill(info).revoke_api_key.execute(read_id(input.id, "ApiKey", "id")),
            lambda key: RevokeApiKeyPayload(api_key=ApiKey.from_domain(key)),
        )
