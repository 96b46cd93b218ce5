"""Test session set-up: offline by construction, quiet, seeded, non-interactive plots.

The environment variables are set at import time, before anything imports transformers, and
are inherited by the notebook kernels nbval starts.
"""

import os

os.environ.update(
    HF_HUB_OFFLINE="1",
    TRANSFORMERS_OFFLINE="1",
    HF_DATASETS_OFFLINE="1",
    COURSE_OFFLINE="1",
    COURSE_NETWORK_GUARD="1",  # course_utils installs the socket guard in notebook kernels too
    COURSE_OFFLINE_TESTS="1",
    MPLBACKEND="Agg",
    TOKENIZERS_PARALLELISM="false",
    HF_HUB_DISABLE_PROGRESS_BARS="1",
    PYTHONHASHSEED="0",
)

import pytest  # noqa: E402

from course_utils import netguard  # noqa: E402


@pytest.fixture(autouse=True)
def _no_network():
    """Any non-loopback connection made by a test raises NetworkBlocked and fails that test."""
    netguard.install()
    yield
    netguard.uninstall()


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same seeds."""
    from course_utils.env import seed_everything

    seed_everything(0)
