"""Pick the interpreter: Cohere when COHERE_API_KEY is set, else the built-in parser."""

from __future__ import annotations

from app.chat.interpreter import ChatInterpreter
from app.chat.parser import RuleBasedInterpreter
from app.core.config import Settings


def build_interpreter(settings: Settings) -> ChatInterpreter:
    if settings.cohere_api_key is None:
        return RuleBasedInterpreter()
    # Imported only when used: the SDK pulls in a lot, and start-up time matters for probes.
    import cohere

    from app.chat.cohere_client import CohereInterpreter

    client = cohere.ClientV2(
        api_key=settings.cohere_api_key.get_secret_value(),
        timeout=settings.cohere_timeout_seconds,
        max_retries=0,
        base_url=settings.cohere_base_url,
    )
    return CohereInterpreter(client, settings.cohere_model, settings.cohere_timeout_seconds)
