"""Temporal client, data converter and the project's search attributes."""

from __future__ import annotations

from temporalio.client import Client, TLSConfig
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter

from nara.settings import Settings, get_settings

# Search attributes: registered at start-up, never personal data.
TENDER_PHASE = SearchAttributeKey.for_keyword("TenderPhase")
AGENCY_CODE = SearchAttributeKey.for_keyword("AgencyCode")
NOTICE_NO = SearchAttributeKey.for_keyword("NoticeNo")
BID_DEADLINE = SearchAttributeKey.for_datetime("BidDeadline")
ESTIMATED_PRICE = SearchAttributeKey.for_int("EstimatedPrice")
AWAITING_ROLE = SearchAttributeKey.for_keyword("AwaitingRole")
PAYMENT_OVERDUE = SearchAttributeKey.for_bool("PaymentOverdue")

SEARCH_ATTRIBUTES = (
    TENDER_PHASE,
    AGENCY_CODE,
    NOTICE_NO,
    BID_DEADLINE,
    ESTIMATED_PRICE,
    AWAITING_ROLE,
    PAYMENT_OVERDUE,
)

# Names and CLI type words, for `temporal server start-dev --search-attribute`.
_CLI_TYPE = {
    "KEYWORD": "Keyword",
    "DATETIME": "Datetime",
    "INT": "Int",
    "BOOL": "Bool",
    "TEXT": "Text",
    "FLOAT": "Double",
}


def search_attribute_cli_args() -> list[str]:
    """`--search-attribute Name=Type` pairs for the dev server."""
    args: list[str] = []
    for key in SEARCH_ATTRIBUTES:
        args += ["--search-attribute", f"{key.name}={_CLI_TYPE[key.indexed_value_type.name]}"]
    return args


async def connect(settings: Settings | None = None, *, address: str | None = None) -> Client:
    """Connect to Temporal with the pydantic data converter and the configured security."""
    settings = settings or get_settings()
    target = address or settings.temporal_address or f"127.0.0.1:{settings.temporal_dev_port}"
    tls: TLSConfig | bool = False
    if settings.temporal_tls_cert and settings.temporal_tls_key:
        tls = TLSConfig(
            client_cert=settings.temporal_tls_cert.read_bytes(),
            client_private_key=settings.temporal_tls_key.read_bytes(),
        )
    elif settings.temporal_tls or settings.temporal_api_key:
        tls = True
    return await Client.connect(
        target,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        tls=tls,
        api_key=settings.temporal_api_key,
    )


async def register_search_attributes(client: Client) -> None:
    """Register the project's search attributes (idempotent).

    One call per attribute, "already exists" counting as done: the time-skipping test
    server implements AddSearchAttributes but not ListSearchAttributes.
    """
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
    from temporalio.service import RPCError, RPCStatusCode

    for key in SEARCH_ATTRIBUTES:
        kind = IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{key.indexed_value_type.name}")
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(
                    namespace=client.namespace, search_attributes={key.name: kind}
                )
            )
        except RPCError as error:
            if error.status != RPCStatusCode.ALREADY_EXISTS and "already" not in str(error):
                raise


async def missing_search_attributes(client: Client) -> list[str]:
    """Names of project search attributes the server does not know (checked at worker start)."""
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    return [k.name for k in SEARCH_ATTRIBUTES if k.name not in existing.custom_attributes]
