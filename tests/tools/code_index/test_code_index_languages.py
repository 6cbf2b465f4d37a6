"""index_code: which paths are test files."""

from __future__ import annotations

from goose_studio.tools.code_index import is_test_path


def test_test_path_conventions() -> None:
    for path in ("tests/a.py", "test_x.py", "pkg/x_test.py", "conftest.py", "src/__tests__/a.js", "a.spec.ts",
                 "a.test.tsx", "x_test.go", "spec/a_spec.rb", "src/test/java/AppTest.java"):
        assert is_test_path(path), path
    for path in ("pkg/core.py", "src/app.ts", "testing_utils/a.go", "contest.py", "latest.js"):
        assert not is_test_path(path), path
