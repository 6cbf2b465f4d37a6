"""collect_sources across sources: one repository as clone makes it, several into one root, branches and
tags, sources that cannot be used among others, plain folders as uploads, Quick Recipes, and what BUILD
reads from the result."""

from __future__ import annotations

from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.registry import call_tool, load_all
from ingest_helpers import by_path, collect, ctx, isolated_env, jsonl, make_pdf, user_pairs, write  # noqa: F401
from source_helpers import git, make_repo


@pytest.fixture
def two_repos(tmp_path):
    a = make_repo(tmp_path / "src" / "alpha", {"alpha/core.py": "def alpha_add(a, b):\n    return a + b\n",
                                               "README.md": "# alpha\n"})
    b = make_repo(tmp_path / "src" / "beta", {"beta/main.js": "function betaRun(x) { return x * 2; }\n"})
    git(b, "checkout", "-q", "-b", "v2")
    write(b / "beta" / "extra.js", "function betaExtra() { return 1; }\n")
    git(b, "add", "-A")
    git(b, "commit", "-q", "-m", "v2")
    git(b, "checkout", "-q", "main")
    return a, b


def test_collect_sources_is_the_primary_source_tool():
    tools = load_all()
    spec = tools["collect_sources"]
    assert spec.primary and spec.tab == "source" and not tools["clone"].primary
    out = spec.output_schema()["properties"]
    assert {"repo_path", "name", "source", "source_type", "commit", "files", "pairs_file", "inputs"} <= set(out)


def test_one_repository_is_collected_as_clone_makes_it(tmp_path, ctx, two_repos):
    alpha, _ = two_repos
    make_pdf(alpha / "docs" / "design.pdf", ["The alpha design uses one module."])
    git(alpha, "add", "-A")
    git(alpha, "commit", "-q", "-m", "pdf")
    result = collect(ctx, alpha)
    root = Path(result.repo_path)
    assert root == ctx.workspace.repos / "alpha" and result.source_type == "local-git"
    assert result.commit == git(alpha, "rev-parse", "HEAD") and result.branch == "main"
    assert (root / "docs" / "design.md").is_file() and not (root / "docs" / "design.pdf").exists()
    assert by_path(result)["docs/design.pdf"].status == "converted"
    assert result.code_files == 1 and result.documents == 2 and result.pairs_file is None
    assert [p.folder for p in result.parts] == [""]


def test_several_repositories_land_in_one_root_with_branches(tmp_path, ctx, two_repos):
    alpha, beta = two_repos
    notes = write(tmp_path / "notes.txt", "Alpha and beta work together.\n")
    result = collect(ctx, alpha.as_uri(), f"{beta.as_uri()}#v2", notes)
    root = Path(result.repo_path)
    assert result.source_type == "mixed" and [p.folder for p in result.parts] == ["alpha", "beta", None]
    assert (root / "alpha" / "alpha" / "core.py").is_file() and (root / "beta" / "beta" / "extra.js").is_file()
    assert (root / "docs" / "notes.txt").is_file() and result.commit.startswith("sha256:")
    assert result.parts[1].commit == git(beta, "rev-parse", "v2")
    index = call_tool("index_code", {"repo_path": str(root)}, ctx)  # BUILD sees one root with both
    assert set(index.languages) == {"python", "javascript"}


def test_a_source_that_cannot_be_used_is_skipped_and_the_others_used(tmp_path, ctx, two_repos):
    alpha, beta = two_repos
    result = collect(ctx, alpha, tmp_path / "gone", f"{beta.as_uri()}#no-such-tag")
    assert [p.status for p in result.parts] == ["used", "skipped", "skipped"]
    assert result.parts[1].failure["kind"] == "not_found" and result.parts[2].failure["kind"] == "invalid_input"
    assert by_path(result)[str(tmp_path / "gone")].status == "skipped"
    assert (Path(result.repo_path) / "alpha" / "alpha" / "core.py").is_file()
    with pytest.raises(ToolFailure) as info:  # none usable: why the first was not
        collect(ctx, tmp_path / "gone", tmp_path / "gone-too")
    assert info.value.kind is FailureKind.not_found and info.value.details["source"] == str(tmp_path / "gone")
    with pytest.raises(ToolFailure) as alone:
        collect(ctx, f"{beta.as_uri()}#no-such-tag")
    assert alone.value.kind is FailureKind.invalid_input and alone.value.details["branch"] == "no-such-tag"


def test_a_plain_folder_is_an_upload_its_pairs_taken_out(tmp_path, ctx):
    folder = tmp_path / "my-data"
    jsonl(folder / "qa" / "pairs.jsonl", [{"question": "What is alpha?", "answer": "The first letter."}])
    write(folder / "tool.py", "def helper():\n    return 42\n")
    write(folder / "config.json", '{"name": "my-data", "version": 3}')
    write(folder / "secrets" / ".env.local", "PASSWORD=hunter2hunter2\n")
    result = collect(ctx, folder)
    root = Path(result.repo_path)
    assert result.source_type == "local" and result.pairs == 1 and result.code_files == 1
    assert not (root / "qa" / "pairs.jsonl").exists() and (root / "tool.py").is_file()
    got = by_path(result)
    assert got["config.json"].kind == "data" and got["config.json"].status == "used"
    assert not (root / "secrets" / ".env.local").exists()  # never copied, or removed from the copy unread
    assert "secrets/.env.local" not in got or got["secrets/.env.local"].status == "skipped"


def test_pairs_only_sources_give_build_an_empty_folder_it_may_index(tmp_path, ctx):
    data = jsonl(tmp_path / "pairs.jsonl", [{"prompt": "a?", "completion": "b."}])
    result = collect(ctx, data)
    assert result.pairs_only and result.index_optional and result.code_files == 0
    with pytest.raises(ToolFailure) as info:
        call_tool("index_code", {"repo_path": result.repo_path}, ctx)
    assert info.value.kind is FailureKind.insufficient_data
    index = call_tool("index_code", {"repo_path": result.repo_path, "allow_empty": True}, ctx)
    assert index.files == 0 and Path(index.index_path).is_file()
    assert collect(ctx, data, pairs_only=True).pairs_only


def test_quick_recipes_fall_back_offline_and_unknown_ones_name_the_others(ctx):
    from goose_studio.examples import example_path

    result = collect(ctx, "recipe:coding-assistant")
    assert result.name == "coding-assistant" and result.parts[0].kind in ("local", "local-git")
    assert result.parts[0].source == str(example_path()) and result.code_files > 0
    assert any("offline alternative" in n for n in result.notes)
    with pytest.raises(ToolFailure) as info:
        collect(ctx, "recipe:nope")
    assert info.value.kind is FailureKind.invalid_input and "writing-style" in info.value.details["recipes"]
    writing = collect(ctx, "recipe:writing-style")  # its dataset is not here (offline): the example instead
    assert writing.parts[0].source == str(example_path()) and writing.name == "writing-style"
