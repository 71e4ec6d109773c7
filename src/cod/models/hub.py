"""A model named in params.yaml that is neither on disk nor reachable on the hub: one line, its key and the fixes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from cod.errors import ConfigError


def unreachable(err: BaseException) -> bool:
    """Whether ``err`` (from ``from_pretrained``) says the files are not cached and the hub could not be asked."""
    from huggingface_hub.errors import LocalEntryNotFoundError

    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, LocalEntryNotFoundError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def not_found_offline(spec: str, field: str | None, packaged: Iterable[str]) -> str:
    """The message for a model id found neither locally nor on an unreachable hub: the key, the id and the fixes."""
    from huggingface_hub import constants

    offline = " (offline mode: HF_HUB_OFFLINE is set)" if constants.HF_HUB_OFFLINE else ""
    where = f"{field}: " if field else ""
    return (
        f"{where}model {spec!r} was not found locally (no such folder, not in the Hugging Face cache) and the hub "
        f"{constants.ENDPOINT} cannot be reached{offline}; use a packaged model that works offline "
        f"({', '.join(packaged)}), a local folder holding the model, or a network connection with HF_HUB_OFFLINE unset"
    )


@contextmanager
def named(spec: str, field: str | None, packaged: Iterable[str]) -> Iterator[None]:
    """Turn a failure to find ``spec`` locally with the hub unreachable into one ConfigError naming ``field``."""
    try:
        yield
    except OSError as err:
        if not unreachable(err):
            raise
        raise ConfigError(not_found_offline(spec, field, packaged)) from None
