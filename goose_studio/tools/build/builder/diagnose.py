"""Reading build and app logs: what went wrong, in terms a repair can act on.

:func:`diagnose` turns a (redacted) log into :class:`Finding` objects, most specific first: a missing
Python module or Node package, a missing environment variable, a missing shared library, header or
command, a port already in use, a runtime version the app refuses, a write outside the app folder.
:func:`network_attempts` lists the lines where a running app's connections failed (it has no network),
:func:`announced_ports` the ports an app says it listens on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .syslibs import debian_package

#: Import names whose PyPI distribution is named differently.
PYPI_NAMES = {"yaml": "PyYAML", "cv2": "opencv-python-headless", "PIL": "Pillow", "sklearn": "scikit-learn",
              "bs4": "beautifulsoup4", "dotenv": "python-dotenv", "jwt": "PyJWT", "dateutil": "python-dateutil",
              "magic": "python-magic", "Crypto": "pycryptodome", "OpenSSL": "pyOpenSSL", "serial": "pyserial",
              "usb": "pyusb", "git": "GitPython", "docx": "python-docx", "pptx": "python-pptx",
              "multipart": "python-multipart", "jose": "python-jose", "slugify": "python-slugify",
              "socketio": "python-socketio", "engineio": "python-engineio", "telegram": "python-telegram-bot",
              "google.protobuf": "protobuf", "psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient",
              "attr": "attrs", "flask_sqlalchemy": "Flask-SQLAlchemy", "flask_cors": "Flask-Cors",
              "flask_login": "Flask-Login", "flask_wtf": "Flask-WTF", "markdown": "Markdown"}

_PY_MODULE = [re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'"),
              re.compile(r"ImportError: No module named '?([\w.]+)'?")]
_NODE_MODULE = [re.compile(r"Cannot find (?:module|package) '([^']+)'"), re.compile(r"Can't resolve '([^']+)'"),
                re.compile(r'Failed to resolve import "([^"]+)"'),
                re.compile(r'Could not resolve "([^"]+)"')]
_ENV_VAR = [
    re.compile(r"KeyError: '([A-Z][A-Z0-9_]{2,})'"),
    re.compile(r"(?i:environment variable|env var(?:iable)?)s?\s+['\"`]?([A-Z][A-Z0-9_]{2,})['\"`]?\s+"
               r"(?i:is\s+)?(?i:not set|missing|required|undefined|must be set)"),
    re.compile(r"(?i:missing|required|undefined)\s+(?i:required\s+)?(?i:environment variable|env var(?:iable)?)s?"
               r"[:\s]+['\"`]?([A-Z][A-Z0-9_]{2,})"),
    re.compile(r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\s+(?i:is not set|must be set|is required|is missing|is undefined)"),
]
_SO = [re.compile(r"(lib[\w+.-]+?\.so(?:\.\d+)*): cannot open shared object file"),
       re.compile(r"error while loading shared libraries: (lib[\w+.-]+?\.so(?:\.\d+)*)")]
_HEADER = re.compile(r"fatal error: ([\w/+.-]+\.h): No such file")
_LINKER = re.compile(r"cannot find -l([\w+-]+)")
_PKG_CONFIG = re.compile(r"Package '?([\w+.-]+?)'?,? (?:was not found in the pkg-config search path|"
                         r"required by .* not found)")
_CONFIG_TOOL = re.compile(r"\b(pg_config|mysql_config) (?:executable )?not found")
_COMMAND = [re.compile(r"(?:^|\s)(?:/bin/)?(?:sh|bash)?:?\s*(?:\d+:\s*)?(?:line \d+:\s*)?([\w.+-]+): "
                       r"(?:command )?not found\s*$", re.M),
            re.compile(r"command not found: ([\w.+-]+)")]
_PORT_IN_USE = re.compile(r"EADDRINUSE|[Aa]ddress already in use|port is already (?:allocated|in use)")
_ENGINE = re.compile(r"EBADENGINE|Unsupported engine|The engine \"node\" is incompatible")
_PYTHON_VERSION = re.compile(r"requires a different Python: ([\d.]+) not in '([^']+)'")
_WRITE_OUTSIDE = re.compile(r"(?:EROFS|Read-only file system|EACCES: permission denied, (?:mkdir|open) '/(?!app|tmp))")
_NETWORK = re.compile(r"ENETUNREACH|[Nn]etwork is unreachable|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|"
                      r"[Tt]emporary failure in name resolution|Name or service not known|NameResolutionError|"
                      r"Failed to establish a new connection|[Nn]o address associated with hostname|"
                      r"Could not resolve host|EAI_NONAME")
_ANNOUNCED = re.compile(r"(?:https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::\]|\[::1\]|[\w.-]+):(\d{2,5})|"
                        r"(?i:listening|running|serving|started|server)\b[^\n]{0,40}?\b(?:port|:)\s*(\d{2,5})\b)")


@dataclass
class Finding:
    """One diagnosed problem: its kind, the thing at fault (a module, variable, package...), the line."""

    kind: str  # python-module, node-module, env-var, system-library, missing-tool, port-in-use, engine,
    #            python-version, write-outside
    value: str
    line: str
    extra: dict[str, str] = field(default_factory=dict)


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    """``text`` without terminal colour codes."""
    return ANSI.sub("", text)


def _line_of(text: str, start: int) -> str:
    begin = text.rfind("\n", 0, start) + 1
    end = text.find("\n", start)
    return text[begin:end if end >= 0 else len(text)].strip()[:300]


def _first(patterns: list[re.Pattern[str]], text: str) -> re.Match[str] | None:
    found = [m for p in patterns if (m := p.search(text))]
    return min(found, key=lambda m: m.start()) if found else None


def pypi_name(module: str) -> str:
    """The PyPI distribution that provides import name ``module`` (its top-level package)."""
    return PYPI_NAMES.get(module) or PYPI_NAMES.get(module.split(".")[0]) or module.split(".")[0]


def node_package(spec: str) -> str | None:
    """The npm package of an import specifier (``@scope/pkg/sub`` → ``@scope/pkg``); None for a path or builtin."""
    if spec.startswith((".", "/", "node:", "~", "#")) or ":" in spec:
        return None
    parts = spec.split("/")
    return "/".join(parts[:2]) if spec.startswith("@") and len(parts) > 1 else parts[0]


def diagnose(text: str) -> list[Finding]:
    """The problems ``text`` shows, most specific first (at most one of each kind)."""
    found: list[Finding] = []
    m = _first(_PY_MODULE, text)
    if m:
        found.append(Finding("python-module", m.group(1), _line_of(text, m.start())))
    m = _first(_NODE_MODULE, text)
    if m and node_package(m.group(1)):
        found.append(Finding("node-module", node_package(m.group(1)) or "", _line_of(text, m.start())))
    m = _PYTHON_VERSION.search(text)
    if m:
        found.append(Finding("python-version", m.group(2), _line_of(text, m.start()), {"have": m.group(1)}))
    m = _ENGINE.search(text)
    if m:
        found.append(Finding("engine", "node", _line_of(text, m.start())))
    for kind, what, pattern in (("so", None, None), ("header", None, _HEADER), ("linker", None, _LINKER),
                                ("pkg-config", None, _PKG_CONFIG), ("config-tool", None, _CONFIG_TOOL)):
        m = _first(_SO, text) if kind == "so" else pattern.search(text) if pattern else None
        if m:
            name = m.group(1)
            package = debian_package(name, "command" if kind == "config-tool" else kind)
            found.append(Finding("system-library", name, _line_of(text, m.start()),
                                 {"what": kind, "package": package or ""}))
            break
    m = _first(_COMMAND, text)
    if m and m.group(1) not in ("Error", "error"):
        found.append(Finding("missing-tool", m.group(1), _line_of(text, m.start()),
                             {"package": debian_package(m.group(1), "command") or ""}))
    m = _first(_ENV_VAR, text)
    if m:
        found.append(Finding("env-var", m.group(1), _line_of(text, m.start())))
    m = _PORT_IN_USE.search(text)
    if m:
        found.append(Finding("port-in-use", "", _line_of(text, m.start())))
    m = _WRITE_OUTSIDE.search(text)
    if m:
        found.append(Finding("write-outside", "", _line_of(text, m.start())))
    return found


def network_attempts(text: str, limit: int = 5) -> list[str]:
    """Log lines where the app's connections failed for want of a network."""
    lines = [line.strip()[:300] for line in text.splitlines()
             if _NETWORK.search(line) and not line.startswith("[sandbox] network probe")]
    return list(dict.fromkeys(lines))[:limit]


def announced_ports(text: str) -> list[int]:
    """Ports the app's log says it listens on (``Running on http://127.0.0.1:5000``, ``listening on 3000``)."""
    ports = []
    for m in _ANNOUNCED.finditer(text):
        value = int(m.group(1) or m.group(2))
        if 0 < value < 65536 and value not in ports:
            ports.append(value)
    return ports
