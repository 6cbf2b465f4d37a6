"""Screenshots described by a vision model behind the Describer interface: used when there is one, the
report saying so; a failing model leaves a DOM-only report with the reason; a local model folder is found
only where it really is (nothing is downloaded)."""

from __future__ import annotations

from pathlib import Path

import pytest

from explore_helpers import Site, chain_site, png_size
from goose_studio.tools.build.explore import explore, find_describer
from goose_studio.tools.build.explore.vision import VISION_MODEL_ENV, local_model


class ShotReader:
    """A stand-in vision model: it reads the PNG it is given and says how large it is."""

    model = "shot-reader"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.seen: list[tuple[str, str]] = []

    def describe(self, image: Path, facts: str) -> str:
        if self.fail:
            raise RuntimeError("CUDA out of memory")
        self.seen.append((image.name, facts))
        width, height = png_size(image)
        return f"A {width}x{height} screenshot."


@pytest.fixture(scope="module")
def chain():
    site = Site(chain_site(2))
    yield site
    site.close()


def test_a_describer_describes_every_screenshot(chain, tmp_path: Path) -> None:
    reader = ShotReader()
    report = explore(chain.url + "/", tmp_path, max_pages=3, vision=reader)
    assert report.analysis == "DOM + vision (shot-reader)"
    assert report.vision.used and report.vision.described == 3 and report.vision.reason is None
    assert [name for name, _ in reader.seen] == [p.screenshot for p in report.pages]
    assert "Page 1" in reader.seen[1][1]
    assert all(p.description == "A 1280x800 screenshot." for p in report.pages)


def test_a_failing_describer_leaves_a_dom_only_report(chain, tmp_path: Path) -> None:
    report = explore(chain.url + "/", tmp_path, max_pages=1, vision=ShotReader(fail=True))
    assert not report.vision.used and report.vision.described == 0
    assert report.analysis == f"DOM-only (no vision model: {report.vision.reason})"
    assert "RuntimeError" in report.vision.reason and report.pages[0].description is None


def test_a_local_model_folder_is_found_only_where_it_is(monkeypatch, tmp_path: Path) -> None:
    assert local_model(str(tmp_path / "absent")) is None
    (tmp_path / "qwen").mkdir()
    assert local_model(str(tmp_path / "qwen")) is None
    (tmp_path / "qwen" / "config.json").write_text("{}")
    assert local_model(str(tmp_path / "qwen")) == tmp_path / "qwen"
    monkeypatch.setenv(VISION_MODEL_ENV, str(tmp_path / "qwen"))
    assert local_model() == tmp_path / "qwen"


def test_without_a_gpu_no_describer_is_chosen() -> None:
    choice = find_describer()
    assert (choice.describer is None) == bool(choice.reason)
    if not Path("/dev/nvidiactl").exists():
        assert choice.describer is None
