"""A purge backend that keeps what it was asked to purge (settings.BRIEFS_EDGE_BACKEND)."""

from common.edge import PurgeBackend


class RecordingEdge(PurgeBackend):
    purges = []

    def purge(self, keys):
        RecordingEdge.purges.append(list(keys))
