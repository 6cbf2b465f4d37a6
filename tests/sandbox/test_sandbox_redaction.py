"""Secrets out of sandbox output: token formats, private keys, URL credentials, credential-like and
high-entropy assignments, and the values the caller passed in; ordinary output stays as it is."""

from __future__ import annotations

import io

import pytest

from goose_studio.sandbox.redaction import MASK, LogSink, redact, secret_values
from sandbox_helpers import FAKE_GITHUB_TOKEN, FAKE_OPENAI_KEY

AWS = "AKIA" + "Q7" * 8
HF = "hf_" + "aB1" * 11


@pytest.mark.parametrize("secret", [FAKE_GITHUB_TOKEN, FAKE_OPENAI_KEY, AWS, HF])
def test_known_token_formats(secret):
    out = redact(f"using {secret} now")
    assert secret not in out and out == f"using {MASK} now"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ('password = "correct-horse-battery"', 'password = "'),
        ("DB_PASSWORD=correct-horse-battery", "DB_PASSWORD="),
        ('{"api_key": "k3y-v4lue-1234"}', '{"api_key": "'),
        ("SESSION=Zx81Qw7Lp02Vn4Mb6Tr9Ys3Ud5", "SESSION="),  # no telling name, but random
    ],
)
def test_assignments(line, kept):
    out = redact(line)
    assert out.startswith(kept) and MASK in out


def test_url_credentials():
    out = redact("fetching https://alice:pa55word@git.example.com/x.git")
    assert out == f"fetching https://{MASK}@git.example.com/x.git"


@pytest.mark.parametrize(
    "line",
    [
        "added 347 packages in 12s",
        "Successfully installed six-1.16.0",
        "password = 'your-password-here'",
        "TOKEN=changeme",
        "Serving HTTP on 127.0.0.1 port 8000 (http://127.0.0.1:8000/) ...",
        "version=1.2.3 build=release",
        "path=/usr/lib/python3/dist-packages/pip",
    ],
)
def test_ordinary_output_is_kept(line):
    assert redact(line) == line


def test_known_values_are_redacted_wherever_they_appear():
    assert redact("the value is plain-looking-value!", known=["plain-looking-value"]) == f"the value is {MASK}!"


def test_secret_values_picks_secret_names_and_random_values():
    env = {"API_TOKEN": "abcdef123", "NODE_ENV": "production", "RANDOM_ID": "Zx81Qw7Lp02Vn4Mb6Tr9Ys3Ud5",
           "PASSWORD": "changeme"}
    assert sorted(secret_values(env)) == sorted(["abcdef123", "Zx81Qw7Lp02Vn4Mb6Tr9Ys3Ud5"])


def test_the_sink_redacts_lines_and_whole_key_blocks(tmp_path):
    log = tmp_path / "out.log"
    sink = LogSink(log, known=["passed-in-secret"])
    stream = io.BytesIO(
        b"start\n"
        b"token " + FAKE_GITHUB_TOKEN.encode() + b"\n"
        b"-----BEGIN OPENSSH PRIVATE KEY-----\n"
        b"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
        b"-----END OPENSSH PRIVATE KEY-----\n"
        b"echo passed-in-secret\n"
        b"cannot write: Read-only file system\n"
        b"end"
    )
    sink.follow(stream)
    sink.wait()
    sink.close()
    lines = log.read_text().splitlines()
    assert lines == ["start", f"token {MASK}", MASK, MASK, MASK, f"echo {MASK}",
                     "cannot write: Read-only file system", "end"]
    assert sink.read_only_hits == 1
    assert sink.tail(2) == "cannot write: Read-only file system\nend"


def test_the_log_file_stops_at_its_size_cap_and_the_tail_goes_on(tmp_path):
    log = tmp_path / "big.log"
    sink = LogSink(log, max_bytes=100)
    for i in range(50):
        sink.write(f"line {i:03d}")
    sink.close()
    text = log.read_text()
    assert len(text) < 200
    assert text.splitlines()[-1].startswith("[sandbox] log truncated")
    assert sink.tail(1) == "line 049"
