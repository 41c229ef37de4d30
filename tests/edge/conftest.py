import pytest

from tests.edge.recording import RecordingEdge


@pytest.fixture
def purges(settings):
    """Each purge the site asks of the edge, as its list of keys, in order."""
    settings.BRIEFS_EDGE_BACKEND = "tests.edge.recording.RecordingEdge"
    RecordingEdge.purges.clear()
    yield RecordingEdge.purges
    RecordingEdge.purges.clear()
