import pytest

from kentmasa.feedback.tests import world as feedback_world


@pytest.fixture
def world(institution, roads, make_user, make_case, category, settings):
    feedback_world.use_outbox(settings)
    return feedback_world.build(institution, roads, make_user, make_case)
