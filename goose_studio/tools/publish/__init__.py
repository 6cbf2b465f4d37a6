"""Shipping cores (the publish tab's destinations): the local registry (:mod:`.local`: install, remove, show),
the workspace's marketplace folder (:mod:`.marketplace`), the Hugging Face Hub (:mod:`.hub`), and GGUF for
llama.cpp and Ollama (:mod:`.converter`: llama.cpp's converter scripts from the package registry,
:mod:`.gguf_export`: merge, convert, read back, :mod:`.modelfile`: the Ollama Modelfile). :mod:`.tool` holds the
tools ``show_core``, ``install_core``, ``remove_core``, ``export_gguf`` and ``publish_core``; importing this
package registers them.
"""

from .gguf_export import ExportResult, GgufFile, read_gguf
from .hub import HubResult, model_card, upload_to_hub
from .local import CoreDetails, InstalledCore, RemovedCore, install_core, remove_core, show_core
from .marketplace import MarketplaceEntry, MarketplaceResult, list_marketplace, marketplace_dir
from .tool import DestinationResult, ExportArgs, InstallArgs, PublishArgs, PublishResult

__all__ = [
    "CoreDetails", "DestinationResult", "ExportArgs", "ExportResult", "GgufFile", "HubResult", "InstallArgs",
    "InstalledCore", "MarketplaceEntry", "MarketplaceResult", "PublishArgs", "PublishResult", "RemovedCore",
    "install_core", "list_marketplace", "marketplace_dir", "model_card", "read_gguf", "remove_core", "show_core",
    "upload_to_hub",
]
