"""One module per language family; :data:`ORDER` is each tool's detection order (the first match is used)."""

from __future__ import annotations

from ..context import ProviderSpec
from . import beam, dotnet, go, jvm, misc, node, php, python, ruby, rust, static

ORDER: dict[str, list[ProviderSpec]] = {
    "nixpacks": [misc.CRYSTAL, dotnet.CSHARP, misc.DART, beam.ELIXIR, misc.DENO, dotnet.FSHARP, jvm.CLOJURE,
                 beam.GLEAM, go.SPEC, misc.HASKELL, jvm.JAVA, jvm.SCALA, php.SPEC, ruby.SPEC, node.SPEC,
                 python.SPEC, rust.SPEC, misc.SWIFT, static.STATICFILE, misc.ZIG, misc.COBOL],
    "railpack": [php.SPEC, go.SPEC, jvm.JAVA, rust.SPEC, ruby.SPEC, beam.ELIXIR, python.SPEC, misc.DENO,
                 dotnet.DOTNET, node.SPEC, beam.GLEAM, static.CPP, static.STATICFILE, static.SHELL],
}


def by_name(flavor: str, name: str) -> ProviderSpec | None:
    """The provider a tool calls ``name`` (as written in nixpacks.toml ``providers`` or railpack.json)."""
    return next((p for p in ORDER[flavor] if p.name(flavor) == name or p.key == name), None)


__all__ = ["ORDER", "by_name"]
