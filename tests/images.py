"""The worker's part in uploads, for tests: the renditions and thumbnails a save asks for are
made by the worker once the save commits (common.images.after_commit), and a test's
transaction never commits, so a test that shows them runs the tasks itself."""

from briefs.models import Brief
from briefs.tasks import make_lead_image_renditions
from experts.models import Expert
from experts.tasks import make_photo_thumbnail


def run_image_tasks():
    """What the worker does with the tasks saves have asked for: the renditions of every
    lead image and the thumbnail of every photo that has none yet."""
    for brief_id in Brief.objects.exclude(lead_image="").values_list("pk", flat=True):
        make_lead_image_renditions(brief_id)
    for expert_id in Expert.objects.exclude(photo="").values_list("pk", flat=True):
        make_photo_thumbnail(expert_id)
