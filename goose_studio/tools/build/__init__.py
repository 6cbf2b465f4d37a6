"""BUILD tab tools. Importing this package registers them (the registry imports every tools package)."""

from . import plan  # noqa: F401  (registers the plan tool)
from . import builder  # noqa: F401  (registers the build_app tool)
from . import explore  # noqa: F401  (registers the explore_ui tool)
