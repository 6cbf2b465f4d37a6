"""index_code: JavaScript, TypeScript and TSX functions, classes, methods and CommonJS exports."""

from __future__ import annotations

from pathlib import Path

from goose_studio.tools.code_index import build_index, extract_file
from code_index_helpers import APP_JS, TYPES_TS, by_path, by_qualname, line_of, repo  # noqa: F401  (fixtures)


def test_javascript_symbols(repo: Path) -> None:
    index, _ = build_index(repo)
    app = by_path(index)["web/app.js"]
    assert app.language == "javascript"
    assert app.module_docstring == "Application entry point."
    assert app.imports == ["express", "./thing.js"]
    syms = by_qualname(app)
    assert list(syms) == ["start", "stop", "Server", "Server.handle"]

    start = syms["start"]
    assert start.signature == "function start(port)"
    assert start.docstring == "Start the server.\n@param {number} port the port"
    assert start.calls == ["express", "app.listen"]
    first = line_of(APP_JS, "function start")
    assert (start.start_line, start.end_line) == (first, first + 3)

    stop = syms["stop"]
    assert (stop.kind, stop.signature, stop.docstring) == ("function", "const stop = async (server) =>", "")
    assert stop.calls == ["server.close"]

    handle = syms["Server.handle"]
    assert (handle.kind, handle.parent, handle.signature) == ("method", "Server", "handle(req, res)")
    assert handle.docstring == "Handle a request."
    assert handle.calls == ["res.send", "render"]
    assert syms["Server"].signature == "class Server extends Base"


def test_typescript_and_tsx_symbols(repo: Path) -> None:
    index, _ = build_index(repo)
    ts = by_path(index)["web/types.ts"]
    assert ts.language == "typescript" and ts.parse_errors == 0
    assert ts.imports == ["./config", "path"]
    syms = by_qualname(ts)
    assert list(syms) == ["loadConfig", "double", "Store", "Store.add"]
    load = syms["loadConfig"]
    assert load.signature == "export async function loadConfig(file: string): Promise<Config>"
    assert load.docstring == "Load the config."
    assert load.calls == ["readConfig", "path.resolve"]
    assert load.start_line == line_of(TYPES_TS, "export async function")
    assert syms["double"].signature == "export const double = (n: number): number =>"
    assert syms["Store"].signature == "export class Store<T>"
    add = syms["Store.add"]
    assert (add.signature, add.docstring, add.calls) == ("add(item: T): void", "Add an item.", ["this.items.push"])

    tsx = by_path(index)["web/Button.tsx"]
    assert tsx.language == "tsx" and tsx.parse_errors == 0
    assert tsx.imports == ["react"]
    syms = by_qualname(tsx)
    assert list(syms) == ["Button", "App"]
    assert syms["Button"].signature == "export function Button({ label }: Props)"
    assert syms["Button"].docstring == "A button."
    assert syms["Button"].calls == ["track"]
    assert syms["App"].signature == "export default function App()"


def test_commonjs_exports() -> None:
    src = b"""/** Fetch revisions. */
module.exports = async (repo, opts = {}) => { return spawn(repo) }
exports.named = function named(a) { go(a) }
module.exports.Store = class Store { get(k) { return load(k) } }
Cache.prototype.clear = function () { reset() }
"""
    _, _, symbols, _ = extract_file("javascript", src)
    assert [(s.kind, s.qualname, s.parent) for s in symbols] == [
        ("function", "module.exports", None), ("function", "named", None), ("class", "Store", None),
        ("method", "Store.get", "Store"), ("method", "Cache.clear", "Cache")]
    assert symbols[0].signature == "module.exports = async (repo, opts = {}) =>"
    assert symbols[0].docstring == "Fetch revisions." and symbols[0].calls == ["spawn"]
    assert symbols[4].signature == "Cache.prototype.clear = function ()" and symbols[4].calls == ["reset"]
