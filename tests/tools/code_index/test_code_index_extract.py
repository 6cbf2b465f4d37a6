"""index_code: signatures as the shared extractor writes them."""

from __future__ import annotations

from goose_studio.tools.code_index import MAX_SIGNATURE, extract_file


def test_signature_is_one_line_without_comments_and_capped() -> None:
    src = (b"def f(\n    a,  # the first\n    b=(1,),\n):\n    pass\n\n"
           b"def g(x=" + b'"' + b"y" * 3000 + b'"' + b"):\n    pass\n")
    _, _, symbols, _ = extract_file("python", src)
    assert symbols[0].signature == "def f(a, b=(1,)):"
    assert len(symbols[1].signature) == MAX_SIGNATURE and symbols[1].signature.endswith("…")
