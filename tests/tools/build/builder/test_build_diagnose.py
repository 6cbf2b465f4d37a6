"""Reading build and app logs: each kind of finding, the network lines, the announced ports, Debian packages."""

from __future__ import annotations

from goose_studio.tools.build.builder.diagnose import (announced_ports, diagnose, network_attempts, node_package,
                                                       pypi_name)
from goose_studio.tools.build.builder.syslibs import debian_package, install_packages


def kinds(text: str) -> dict[str, str]:
    return {f.kind: f.value for f in diagnose(text)}


def test_a_missing_python_module_and_its_pypi_name():
    found = kinds("Traceback...\nModuleNotFoundError: No module named 'yaml'\n")
    assert found == {"python-module": "yaml"}
    assert pypi_name("yaml") == "PyYAML" and pypi_name("flask.json") == "flask" and pypi_name("cv2.x") == \
        "opencv-python-headless"


def test_a_missing_node_package_is_named_without_its_subpath_and_paths_are_not_packages():
    assert kinds("Error: Cannot find module 'lodash/fp'\nRequire stack:") == {"node-module": "lodash"}
    assert kinds("Error [ERR_MODULE_NOT_FOUND]: Cannot find package '@scope/pkg' imported from /app/x.js") == \
        {"node-module": "@scope/pkg"}
    assert "node-module" not in kinds("Error: Cannot find module './local'")
    assert node_package("node:fs") is None and node_package("@a/b/c") == "@a/b"


def test_missing_environment_variables_in_the_usual_wordings():
    assert kinds("KeyError: 'SECRET_KEY'")["env-var"] == "SECRET_KEY"
    assert kinds("Error: environment variable DATABASE_URL is not set")["env-var"] == "DATABASE_URL"
    assert kinds("Missing required environment variable: API_TOKEN")["env-var"] == "API_TOKEN"
    assert kinds("STRIPE_KEY is required")["env-var"] == "STRIPE_KEY"


def test_missing_system_libraries_headers_and_tools_map_to_debian_packages():
    so = diagnose("ImportError: libGL.so.1: cannot open shared object file: No such file or directory")
    assert [(f.kind, f.value, f.extra["package"]) for f in so] == [("system-library", "libGL.so.1", "libgl1")]
    header = diagnose("src/x.c:1:10: fatal error: ffi.h: No such file or directory")[0]
    assert header.extra == {"what": "header", "package": "libffi-dev"}
    assert diagnose("Error: pg_config executable not found.")[0].extra["package"] == "libpq-dev"
    assert diagnose("/usr/bin/ld: cannot find -lssl")[0].extra["package"] == "libssl-dev"
    tool = diagnose("sh: 1: make: not found")
    assert [(f.kind, f.value, f.extra["package"]) for f in tool] == [("missing-tool", "make", "make")]
    assert debian_package("libunknown.so.3", "so") is None
    assert debian_package("libpq.so.5", "so") == "libpq5"


def test_ports_runtime_versions_and_writes_outside():
    assert "port-in-use" in kinds("OSError: [Errno 98] Address already in use")
    assert "port-in-use" in kinds("Error: listen EADDRINUSE: address already in use :::3000")
    assert kinds("npm ERR! code EBADENGINE")["engine"] == "node"
    found = diagnose("ERROR: Package 'x' requires a different Python: 3.11.7 not in '>=3.12'")[0]
    assert (found.kind, found.value, found.extra["have"]) == ("python-version", ">=3.12", "3.11.7")
    assert "write-outside" in kinds("touch: cannot touch '/usr/x': Read-only file system")


def test_network_attempts_leave_out_the_sandbox_probe_and_ports_are_read_from_announcements():
    log = ("[sandbox] network probe: direct outbound connection blocked (ENETUNREACH)\n"
           "urllib.error.URLError: <urlopen error [Errno -3] Temporary failure in name resolution>\n"
           " * Running on http://127.0.0.1:5000\nServer listening on port 8123\n")
    assert network_attempts(log) == ["urllib.error.URLError: <urlopen error [Errno -3] Temporary failure in name "
                                     "resolution>"]
    assert announced_ports(log) == [5000, 8123]


def test_system_packages_are_only_named_when_installing_is_not_allowed():
    outcome = install_packages(["libgl1"], allowed=False)
    assert not outcome.installed and "apt-get install libgl1" in outcome.message
