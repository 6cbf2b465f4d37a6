"""Missing system libraries and tools, mapped to the Debian packages that bring them.

:func:`debian_package` answers for a shared object (``libGL.so.1``), a C header (``ffi.h``), a linker
library (``-lpq``), a pkg-config name (``libffi``) or a command (``make``); None when the studio does not
know it (then the hint names ``apt-file search``). :func:`install_packages` installs known packages with
``apt-get`` on this machine, only when the studio runs as root and the caller allows it; otherwise it says
what a person would install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

SHARED_OBJECTS = {
    "libGL": "libgl1", "libEGL": "libegl1", "libglib-2.0": "libglib2.0-0", "libgthread-2.0": "libglib2.0-0",
    "libgobject-2.0": "libglib2.0-0", "libSM": "libsm6", "libICE": "libice6", "libXext": "libxext6",
    "libXrender": "libxrender1", "libX11": "libx11-6", "libxcb": "libxcb1", "libXi": "libxi6",
    "libXtst": "libxtst6", "libXrandr": "libxrandr2", "libXcomposite": "libxcomposite1", "libXdamage": "libxdamage1",
    "libXfixes": "libxfixes3", "libpq": "libpq5", "libmariadb": "libmariadb3", "libmysqlclient": "libmariadb3",
    "libssl": "libssl3", "libcrypto": "libssl3", "libffi": "libffi8", "libjpeg": "libjpeg62-turbo",
    "libpng16": "libpng16-16", "libz": "zlib1g", "libxml2": "libxml2", "libxslt": "libxslt1.1",
    "libsqlite3": "libsqlite3-0", "libmagic": "libmagic1", "libcairo": "libcairo2", "libpango-1.0": "libpango-1.0-0",
    "libpangocairo-1.0": "libpangocairo-1.0-0", "libgdk_pixbuf-2.0": "libgdk-pixbuf-2.0-0", "libvips": "libvips42",
    "libzmq": "libzmq5", "libsndfile": "libsndfile1", "libportaudio": "libportaudio2", "libgomp": "libgomp1",
    "libnss3": "libnss3", "libnspr4": "libnspr4", "libatk-1.0": "libatk1.0-0", "libatk-bridge-2.0": "libatk-bridge2.0-0",
    "libgbm": "libgbm1", "libasound": "libasound2", "libxkbcommon": "libxkbcommon0", "libcups": "libcups2",
    "libdrm": "libdrm2", "libgeos_c": "libgeos-c1v5", "libgdal": "libgdal32", "libtesseract": "libtesseract5",
    "libopenblas": "libopenblas0", "liblapack": "liblapack3", "libblas": "libblas3", "libcurl": "libcurl4",
    "libusb-1.0": "libusb-1.0-0", "libfontconfig": "libfontconfig1", "libfreetype": "libfreetype6",
    "libharfbuzz": "libharfbuzz0b", "libwebp": "libwebp7", "libtiff": "libtiff6", "libopenjp2": "libopenjp2-7",
    "libsodium": "libsodium23", "libyaml-0": "libyaml-0-2", "libuuid": "libuuid1", "libgmp": "libgmp10",
    "libmpfr": "libmpfr6", "libkrb5": "libkrb5-3", "libsasl2": "libsasl2-2", "libldap": "libldap-2.5-0",
    "libespeak-ng": "libespeak-ng1", "libavcodec": "libavcodec59", "libavformat": "libavformat59",
    "libswscale": "libswscale6", "libgtk-3": "libgtk-3-0",
}
HEADERS = {
    "Python.h": "python3-dev", "ffi.h": "libffi-dev", "openssl/ssl.h": "libssl-dev", "openssl/opensslv.h": "libssl-dev",
    "libpq-fe.h": "libpq-dev", "pg_config.h": "libpq-dev", "mysql.h": "default-libmysqlclient-dev",
    "mysql/mysql.h": "default-libmysqlclient-dev", "zlib.h": "zlib1g-dev", "jpeglib.h": "libjpeg-dev",
    "png.h": "libpng-dev", "libxml/xmlversion.h": "libxml2-dev", "libxml/parser.h": "libxml2-dev",
    "libxslt/xslt.h": "libxslt1-dev", "sqlite3.h": "libsqlite3-dev", "yaml.h": "libyaml-dev", "ldap.h": "libldap2-dev",
    "lber.h": "libldap2-dev", "sasl/sasl.h": "libsasl2-dev", "cairo.h": "libcairo2-dev", "gmp.h": "libgmp-dev",
    "bzlib.h": "libbz2-dev", "lzma.h": "liblzma-dev", "curl/curl.h": "libcurl4-openssl-dev", "uuid/uuid.h": "uuid-dev",
    "krb5.h": "libkrb5-dev", "sodium.h": "libsodium-dev", "portaudio.h": "portaudio19-dev",
    "sndfile.h": "libsndfile1-dev", "gdal.h": "libgdal-dev", "geos_c.h": "libgeos-dev", "magic.h": "libmagic-dev",
}
LINKER = {"pq": "libpq-dev", "ssl": "libssl-dev", "crypto": "libssl-dev", "ffi": "libffi-dev", "z": "zlib1g-dev",
          "jpeg": "libjpeg-dev", "png": "libpng-dev", "xml2": "libxml2-dev", "sqlite3": "libsqlite3-dev",
          "mysqlclient": "default-libmysqlclient-dev", "yaml": "libyaml-dev", "bz2": "libbz2-dev", "gmp": "libgmp-dev"}
PKG_CONFIG = {"libffi": "libffi-dev", "openssl": "libssl-dev", "libpq": "libpq-dev", "cairo": "libcairo2-dev",
              "glib-2.0": "libglib2.0-dev", "libxml-2.0": "libxml2-dev", "sqlite3": "libsqlite3-dev",
              "vips": "libvips-dev", "pango": "libpango1.0-dev", "zlib": "zlib1g-dev", "libjpeg": "libjpeg-dev",
              "mysqlclient": "default-libmysqlclient-dev", "pixman-1": "libpixman-1-dev"}
COMMANDS = {"make": "make", "gcc": "gcc", "cc": "gcc", "g++": "g++", "c++": "g++", "pkg-config": "pkg-config",
            "git": "git", "cmake": "cmake", "convert": "imagemagick", "magick": "imagemagick", "ffmpeg": "ffmpeg",
            "curl": "curl", "wget": "wget", "unzip": "unzip", "zip": "zip", "rsync": "rsync", "python": "python3",
            "python3": "python3", "node": "nodejs", "java": "default-jre", "bash": "bash", "go": "golang-go",
            "ruby": "ruby", "php": "php-cli", "pg_config": "libpq-dev", "mysql_config": "default-libmysqlclient-dev",
            "tesseract": "tesseract-ocr", "pandoc": "pandoc", "xvfb-run": "xvfb", "openssl": "openssl"}


def debian_package(what: str, kind: str) -> str | None:
    """The Debian package for a missing ``so`` (shared object), ``header``, ``linker`` library,
    ``pkg-config`` module or ``command``."""
    if kind == "so":
        stem = re.sub(r"\.so(?:\.[\d.]+)?$", "", what)
        return SHARED_OBJECTS.get(stem) or SHARED_OBJECTS.get(re.sub(r"[-.\d]+$", "", stem))
    table = {"header": HEADERS, "linker": LINKER, "pkg-config": PKG_CONFIG, "command": COMMANDS}.get(kind, {})
    return table.get(what)


def present(soname: str) -> bool:
    """Whether this machine's dynamic linker knows ``soname`` (``ldconfig -p``)."""
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(line.strip().startswith(soname + " ") for line in out.splitlines())


@dataclass
class InstallOutcome:
    installed: bool
    message: str


def install_packages(packages: list[str], allowed: bool) -> InstallOutcome:
    """Install ``packages`` with apt-get when allowed, as root, where apt-get exists; else say what to run."""
    line = "apt-get install " + " ".join(packages)
    if not allowed:
        return InstallOutcome(False, f"not installed (installing system packages is off): run `sudo {line}`")
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return InstallOutcome(False, f"not installed (needs root and apt-get): run `sudo {line}`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
                              capture_output=True, text=True, timeout=600, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return InstallOutcome(False, f"apt-get could not finish ({exc}): run `sudo {line}`")
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        return InstallOutcome(False, f"apt-get failed ({tail[0][:200]}): run `sudo apt-get update && sudo {line}`")
    return InstallOutcome(True, f"installed with `{line}`")
