from . import test_client_duplicates
from . import test_client_policy
from . import test_client_status
from . import test_foundation
from . import test_install
