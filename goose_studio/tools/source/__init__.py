"""SOURCE's tools: ``collect_sources`` (the tab's primary tool: every kind of source into one folder, plus the
user's own pairs) and ``clone`` (one repository into the workspace's ``repos/`` folder).

``collect_sources`` (:mod:`.collect`) takes git repositories, local folders, files of every kind people
upload (pairs, chat exports, documents, code, ZIP archives), Hugging Face datasets and Quick Recipes; its
modules: :mod:`.spec` (what a source string is), :mod:`.ingest` (files used, converted or skipped),
:mod:`.formats`, :mod:`.jsonio`, :mod:`.tables`, :mod:`.chats`, :mod:`.records`, :mod:`.documents`,
:mod:`.archives` (reading each kind), :mod:`.hfdata` and :mod:`.hfsource` (datasets), :mod:`.filters`
(length, language, repeats, balance), :mod:`.pairsfile` (the pairs file), :mod:`.recipes` (Quick Recipes),
:mod:`.models` (its result, with the pairs contract PREPARE reads). ``search_repositories``
(:mod:`.github`) finds GitHub repositories to learn.

The ``clone`` tool:

A source is either a git URL (``https://``, ``http://``, ``ssh://``, ``git://``, ``file://``,
``git@host:owner/repo``, or the GitHub shorthand ``owner/repo``) or a local directory. URLs are cloned
with the real ``git`` into a temporary folder inside ``repos/`` and moved into place only once the clone
succeeded, so an older copy of the same name survives a failed clone. Local directories are copied (the
original is only read): for a git working tree, the tracked and untracked-but-not-ignored files as they
are on disk, plus HEAD's SHA; for a plain directory, every file except VCS folders, dependency folders,
virtual environments and caches, plus a content hash of the copied tree.

``GITHUB_TOKEN`` (from the environment) is handed to git for ``https://github.com`` URLs through git's
environment configuration, never through the command line or the URL, and it is scrubbed from every
message, detail and log line this package produces.

Modules: :mod:`.locate` (what a source string is, folder names), :mod:`.git` (running git, the token,
failure kinds), :mod:`.copy` (copying a local folder, tree stats and hashes, placing the result) and
:mod:`.tool` (the tool itself, one path per kind of source). Importing this package registers the tools.
"""

from .copy import EXCLUDED_DIRS, content_hash, tree_stats
from .git import classify_git_failure
from ...redact import redact_url
from .locate import normalize_source, safe_name
from .tool import CloneArgs, CloneResult, clone
from .collect import CollectSourcesArgs, collect_sources
from .github import SearchRepositoriesArgs, SearchRepositoriesResult, search_repositories
from .models import InputResult, SourcePart, SourceResult

__all__ = [
    "EXCLUDED_DIRS",
    "CloneArgs",
    "CloneResult",
    "CollectSourcesArgs",
    "InputResult",
    "SearchRepositoriesArgs",
    "SearchRepositoriesResult",
    "SourcePart",
    "SourceResult",
    "classify_git_failure",
    "clone",
    "collect_sources",
    "content_hash",
    "normalize_source",
    "redact_url",
    "safe_name",
    "search_repositories",
    "tree_stats",
]
