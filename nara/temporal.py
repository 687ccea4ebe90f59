"""Temporal client, data converter and the registration of the project's search attributes."""

from __future__ import annotations

from temporalio.client import Client, TLSConfig
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime

from nara.contracts.search import SEARCH_ATTRIBUTES
from nara.settings import Settings, get_settings, reveal


async def connect(
    settings: Settings | None = None, *, address: str | None = None, runtime: Runtime | None = None
) -> Client:
    """Connect to Temporal with the pydantic data converter and the configured security
    (`runtime`: the worker's, exporting its metrics; None: the default one)."""
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
        api_key=reveal(settings.temporal_api_key),
        runtime=runtime,
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
