"""Name -> object registries with an error that lists the known names."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from synthaug.pipeline.errors import UserInputError, suggest

T = TypeVar("T")


class Registry(Generic[T]):
    """A named collection (architectures, losses, detectors, ...).

    ``get`` raises a :class:`~pipeline.errors.UserInputError` naming the config key and the
    known names, so a typo in a config file is reported as such.
    """

    def __init__(self, kind: str, config_key: str):
        self.kind = kind
        self.config_key = config_key
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def add(item: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = item
            return item

        return add

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UserInputError(
                f"unknown {self.kind} {name!r}",
                where=self.config_key,
                hint=f"{suggest(name, self._items)} Known: {', '.join(sorted(self._items))}.",
            ) from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
