"""The demo's tests write what the demo writes outside the database (the file-system recorder's footage, the
footage orders and release packages) into their own temporary folders, one per test module, never into the
var/ folder a developer's `make run` uses."""

import pytest
from django.test import override_settings


@pytest.fixture(scope="module", autouse=True)
def _demo_files_in_a_temporary_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-files")
    with override_settings(KENTMASA_RECORDER_ROOT=root / "recorder", MEDIA_ROOT=root / "media"):
        yield root
