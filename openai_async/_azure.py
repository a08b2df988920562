"""AsyncAzureClient: Azure OpenAI's URLs, credentials and ``api-version`` on top of AsyncClient.

Routing is keyed on the request path alone, so every operation, including ones added
later, goes to the right place: the deployment-scoped paths below go to
``{endpoint}/openai/deployments/{deployment}/...``, everything else (assistants,
threads, files, vector stores, batches, models, ...) to ``{endpoint}/openai/...``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Union

from ._client import DEFAULT_MAX_RETRIES, ApiKey, AsyncClient, _merged, _refuse_unsupported
from ._exceptions import ConfigurationError, InvalidRequestError
from ._hooks import Hooks
from ._options import DEFAULT_RETRY_POLICY, DEFAULT_TIMEOUT, RetryPolicy, TimeoutTypes
from ._request import path_param
from ._tracing import Telemetry
from ._types import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    import aiohttp

    from ._transport import Verify

__all__ = ["DEPLOYMENT_PATHS", "AsyncAzureClient", "AzureADTokenProvider"]

#: Paths served per deployment. Reviewed against Azure's REST reference; anything not
#: listed is resource-wide.
DEPLOYMENT_PATHS = frozenset(
    {
        "/chat/completions",
        "/completions",
        "/embeddings",
        "/audio/transcriptions",
        "/audio/translations",
        "/audio/speech",
        "/images/generations",
        "/images/edits",
    }
)

#: A callable (sync or async) returning a Microsoft Entra ID token; called per request.
AzureADTokenProvider = Union[Callable[[], str], Callable[[], Awaitable[str]]]


class _BearerToken(str):
    """An Entra ID token: sent as ``Authorization: Bearer``, where keys go as ``api-key``."""

    __slots__ = ()


class _TokenProvider:
    """Wraps a token provider so that the tokens it returns are sent as bearer tokens."""

    __slots__ = ("_provider",)

    def __init__(self, provider: AzureADTokenProvider) -> None:
        self._provider = provider

    async def __call__(self) -> str:
        token = self._provider()
        if inspect.isawaitable(token):
            token = await token
        return _BearerToken(token) if isinstance(token, str) else token


def _credential(
    api_key: ApiKey | None | NotGiven,
    azure_ad_token: str | None | NotGiven,
    azure_ad_token_provider: AzureADTokenProvider | None | NotGiven,
) -> ApiKey | None:
    """The one credential given, as AsyncClient's ``api_key`` (tokens marked as bearer)."""
    given = {
        name: value
        for name, value in (
            ("api_key", api_key),
            ("azure_ad_token", azure_ad_token),
            ("azure_ad_token_provider", azure_ad_token_provider),
        )
        if value is not None and not isinstance(value, NotGiven)
    }
    if len(given) > 1:
        raise ConfigurationError(
            f"pass exactly one credential, not {' and '.join(given)}: "
            "api_key (sent as api-key), azure_ad_token or azure_ad_token_provider (Entra ID)"
        )
    if isinstance(azure_ad_token_provider, NotGiven | None):
        if isinstance(azure_ad_token, str):
            return _BearerToken(azure_ad_token)
        if azure_ad_token is not None and not isinstance(azure_ad_token, NotGiven):
            raise ConfigurationError("azure_ad_token must be a string")
        return None if isinstance(api_key, NotGiven) else api_key
    if not callable(azure_ad_token_provider):
        raise ConfigurationError("azure_ad_token_provider must be a callable returning a token")
    return _TokenProvider(azure_ad_token_provider)


def _check_name(value: object, name: str) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigurationError(f"{name} must be a non-empty string, not {value!r}")


class AsyncAzureClient(AsyncClient):
    """The async client for Azure OpenAI: deployment URLs, ``api-key`` or Entra ID, ``api-version``.

    Reads ``AZURE_OPENAI_ENDPOINT``, ``AZURE_OPENAI_API_KEY`` and ``OPENAI_API_VERSION``
    for settings left out. Exactly one credential: ``api_key``, ``azure_ad_token`` or
    ``azure_ad_token_provider`` (called before each request, so tokens can refresh).
    """

    def __init__(
        self,
        *,
        azure_endpoint: str | None = None,
        api_version: str | None = None,
        azure_deployment: str | None = None,
        api_key: ApiKey | None = None,
        admin_api_key: str | None = None,
        azure_ad_token: str | None = None,
        azure_ad_token_provider: AzureADTokenProvider | None = None,
        deployment_for: Callable[[str], str] | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        webhook_secret: str | None = None,
        websocket_base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        verify: Verify = True,
        max_connections: int | None = 100,
        max_connections_per_host: int | None = None,
        session: aiohttp.ClientSession | None = None,
        hooks: Hooks | None = None,
        telemetry: Telemetry | None = None,
        http_client: object = None,
        _strict_response_validation: bool = False,
    ) -> None:
        _refuse_unsupported(http_client, strict_response_validation=_strict_response_validation)
        credential = _credential(api_key, azure_ad_token, azure_ad_token_provider)
        if credential is None:
            credential = os.environ.get("AZURE_OPENAI_API_KEY") or None
        if credential is None:
            raise ConfigurationError(
                "no Azure credential: pass api_key=..., azure_ad_token=... or "
                "azure_ad_token_provider=..., or set AZURE_OPENAI_API_KEY"
            )
        if azure_endpoint is not None and base_url is not None:
            raise ConfigurationError(
                "pass azure_endpoint (https://NAME.openai.azure.com) or base_url (the full "
                "root that /deployments/... and /assistants are appended to), not both"
            )
        if base_url is None:
            endpoint = azure_endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT")
            if not endpoint:
                raise ConfigurationError(
                    "no Azure endpoint: pass azure_endpoint='https://NAME.openai.azure.com' "
                    "or set AZURE_OPENAI_ENDPOINT"
                )
            base_url = f"{endpoint.rstrip('/')}/openai"
        api_version = api_version or os.environ.get("OPENAI_API_VERSION")
        if not api_version:
            raise ConfigurationError(
                "no API version: pass api_version='2024-10-21' (for example) "
                "or set OPENAI_API_VERSION"
            )
        _check_name(api_version, "api_version")
        _check_name(azure_deployment, "azure_deployment")
        if deployment_for is not None and not callable(deployment_for):
            raise ConfigurationError("deployment_for must be a callable mapping a model name")
        super().__init__(
            api_key=credential,
            admin_api_key=admin_api_key,
            organization=organization,
            project=project,
            webhook_secret=webhook_secret,
            base_url=base_url,
            websocket_base_url=websocket_base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            default_headers=default_headers,
            default_query={**(default_query or {}), "api-version": api_version},
            proxy=proxy,
            trust_env=trust_env,
            verify=verify,
            max_connections=max_connections,
            max_connections_per_host=max_connections_per_host,
            session=session,
            hooks=hooks,
            telemetry=telemetry,
        )
        self.azure_deployment = azure_deployment
        self.deployment_for = deployment_for

    @property
    def api_version(self) -> str:
        """The ``api-version`` sent with every request."""
        return str(self.default_query["api-version"])

    def with_options(
        self,
        *,
        api_key: ApiKey | NotGiven = NOT_GIVEN,
        azure_ad_token: str | NotGiven = NOT_GIVEN,
        azure_ad_token_provider: AzureADTokenProvider | NotGiven = NOT_GIVEN,
        api_version: str | NotGiven = NOT_GIVEN,
        azure_deployment: str | None | NotGiven = NOT_GIVEN,
        deployment_for: Callable[[str], str] | None | NotGiven = NOT_GIVEN,
        admin_api_key: str | None | NotGiven = NOT_GIVEN,
        organization: str | None | NotGiven = NOT_GIVEN,
        project: str | None | NotGiven = NOT_GIVEN,
        webhook_secret: str | None | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        websocket_base_url: str | None | NotGiven = NOT_GIVEN,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        set_default_headers: Mapping[str, str] | None | NotGiven = NOT_GIVEN,
        default_query: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        set_default_query: Mapping[str, object] | None | NotGiven = NOT_GIVEN,
        hooks: Hooks | None | NotGiven = NOT_GIVEN,
        telemetry: Telemetry | None | NotGiven = NOT_GIVEN,
        http_client: object = None,
    ) -> AsyncAzureClient:
        """A copy with some settings changed that shares this client's connections.

        A credential given here replaces the current one, whatever its kind. Headers and
        query merge or replace as for :meth:`AsyncClient.with_options`; ``api-version``
        stays unless ``api_version`` is given.
        """
        credential = _credential(api_key, azure_ad_token, azure_ad_token_provider)
        query = dict(_merged(self.default_query, default_query, set_default_query, "default_query"))
        if isinstance(api_version, NotGiven):
            query.setdefault("api-version", self.api_version)
        else:
            _check_name(api_version, "api_version")
            query["api-version"] = api_version
        new = super().with_options(
            api_key=NOT_GIVEN if credential is None else credential,
            admin_api_key=admin_api_key,
            organization=organization,
            project=project,
            webhook_secret=webhook_secret,
            base_url=base_url,
            websocket_base_url=websocket_base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            default_headers=default_headers,
            set_default_headers=set_default_headers,
            set_default_query=query,
            hooks=hooks,
            telemetry=telemetry,
            http_client=http_client,
        )
        assert isinstance(new, AsyncAzureClient)
        if not isinstance(azure_deployment, NotGiven):
            _check_name(azure_deployment, "azure_deployment")
            new.azure_deployment = azure_deployment
        if not isinstance(deployment_for, NotGiven):
            new.deployment_for = deployment_for
        return new

    copy = with_options

    def _credential_headers(self, key: str) -> dict[str, str]:
        if isinstance(key, _BearerToken):
            return {"Authorization": f"Bearer {key}"}
        return {"api-key": key}

    def _route(self, path: str, body: Mapping[str, Any] | None) -> str:
        if path not in DEPLOYMENT_PATHS:
            return path
        deployment = self.azure_deployment
        if deployment is None:
            model = body.get("model") if body else None
            if isinstance(model, str) and model:
                deployment = self.deployment_for(model) if self.deployment_for else model
        if not deployment:
            raise InvalidRequestError(
                f"{path} is served by an Azure deployment: pass azure_deployment=... "
                "(or deployment_for=...) to the client, or a model naming the deployment"
            )
        return f"/deployments/{path_param(deployment, 'the Azure deployment')}{path}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, "
            f"azure_deployment={self.azure_deployment!r}, api_version={self.api_version!r})"
        )
