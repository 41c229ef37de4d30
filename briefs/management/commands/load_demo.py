import json
from datetime import timedelta
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from briefs.editorial import changes
from briefs.interchange.documents import import_documents
from briefs.models import Brief, Issue
from briefs.tasks import make_lead_image_renditions
from experts.models import Expert
from experts.tasks import make_photo_thumbnail

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"

# Known passwords, which is why this command refuses to run with debug off.
DEMO_ACCOUNTS = [
    # username, password, group, superuser
    ("analyst", "analyst-demo", "Analysts", False),
    ("editor", "editor-demo", "Editors", False),
    ("admin", "admin-demo", None, True),
]

PORTRAIT_COLOURS = ["#12355b", "#7a2e3a", "#2f5d50", "#5b4a8a", "#8a5a1f", "#34495e"]

# Drawn lead images for some demo briefs: slug, (alt text, caption, sky and sea colours).
DEMO_LEAD_IMAGES = {
    "sanctions-evasion-at-sea-tracking-the-shadow-fleet": (
        "A drawing of a tanker's silhouette on a dark sea at dusk.",
        "Tankers outside mainstream insurance carry a large share of sanctioned crude.",
        ("#f3b27a", "#1d3557"),
    ),
    "hardening-gulf-energy-infrastructure-against-proxy-attacks": (
        "A drawing of refinery towers against an orange desert sky.",
        "Energy facilities remain exposed to drone and missile attacks.",
        ("#f6c177", "#7a4a1f"),
    ),
    "china-tightens-export-controls-on-critical-minerals": (
        "A drawing of layered mineral strata in grey and teal.",
        "Processed minerals sit at the start of many defense supply chains.",
        ("#a8c5c0", "#2f5d50"),
    ),
}


class Command(BaseCommand):
    help = (
        "Load the demo issues, experts, briefs and accounts (development only). "
        "Safe to run again: it adds only what is missing and never overwrites edits."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "load_demo creates accounts with published passwords, so it runs only with "
                "DJANGO_DEBUG on (development)."
            )
        with transaction.atomic():
            issues = self.load_issues()
            experts = self.load_experts()
            briefs = self.load_briefs()
            accounts = self.create_accounts()
        # Made here, once the content has committed, rather than left to the worker: the demo
        # is whole at once, with or without a worker running. Their queued tasks find them made.
        for brief_id in Brief.objects.exclude(lead_image="").values_list("pk", flat=True):
            make_lead_image_renditions(brief_id)
        for expert_id in Expert.objects.exclude(photo="").values_list("pk", flat=True):
            make_photo_thumbnail(expert_id)
        self.stdout.write(
            f"Demo content: {issues} issues, {experts} experts, {briefs} briefs and "
            f"{accounts} accounts added."
        )

    def read(self, name):
        return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))

    def load_issues(self):
        added = 0
        for item in self.read("issues.json"):
            _, created = Issue.objects.get_or_create(
                name__iexact=item["name"],
                defaults={"name": item["name"], "description": item["description"]},
            )
            added += created
        return added

    def load_experts(self):
        added = 0
        for index, item in enumerate(self.read("experts.json")):
            if Expert.objects.filter(name__iexact=item["name"]).exists():
                continue
            expert = Expert(**item)
            portrait = draw_portrait(item["name"], PORTRAIT_COLOURS[index % len(PORTRAIT_COLOURS)])
            expert.photo.save("portrait.png", portrait, save=False)
            expert.save()
            added += 1
        return added

    def load_briefs(self):
        existing = set(Brief.objects.values_list("slug", flat=True))
        documents = [doc for doc in self.read("briefs.json") if doc["slug"] not in existing]
        for document in documents:
            days = document.pop("demo_schedule_days", None)
            if days is not None:
                # Scheduled a few days ahead of whenever the demo is loaded.
                publish_at = timezone.localtime() + timedelta(days=days)
                publish_at = publish_at.replace(hour=9, minute=0, second=0, microsecond=0)
                document["publish_at"] = publish_at.isoformat()
        if not documents:
            return 0
        # One operation of the write path: each brief gets one revision, with its image.
        with changes.operation(note="Demo content") as change:
            import_documents(documents)
            for brief in Brief.objects.filter(slug__in=[doc["slug"] for doc in documents]):
                if brief.slug in DEMO_LEAD_IMAGES:
                    change.watch(brief)
                    alt, caption, colours = DEMO_LEAD_IMAGES[brief.slug]
                    brief.lead_image.save("lead.png", draw_landscape(*colours), save=False)
                    brief.lead_image_alt, brief.lead_image_caption = alt, caption
                    brief.lead_image_credit = "Illustration: Meridian"
                    brief.save()
        return len(documents)

    def create_accounts(self):
        added = 0
        for username, password, group_name, superuser in DEMO_ACCOUNTS:
            user, created = get_user_model().objects.get_or_create(
                username=username,
                defaults={
                    "is_staff": True,
                    "is_superuser": superuser,
                    "email": f"{username}@localhost",
                },
            )
            if not created:
                continue
            user.set_password(password)
            user.save()
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            added += 1
        return added


def draw_portrait(name, colour, size=480):
    """A placeholder portrait: the expert's initials on a plain ground."""
    image = Image.new("RGB", (size, size), colour)
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    font = ImageFont.load_default(size=size // 3)
    ImageDraw.Draw(image).text((size / 2, size / 2), initials, fill="white", font=font, anchor="mm")
    output = BytesIO()
    image.save(output, "PNG")
    return ContentFile(output.getvalue())


def draw_landscape(sky, ground, width=1600, height=900):
    """A placeholder illustration: a sky fading into a horizon, and a darker ground."""
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.62)
    top, bottom = Image.new("RGB", (1, 1), sky).getpixel((0, 0)), (255, 255, 255)
    for y in range(horizon):
        blend = y / horizon
        colour = tuple(round(a + (b - a) * blend * 0.5) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    draw.rectangle([(0, horizon), (width, height)], fill=ground)
    draw.ellipse(
        [(width * 0.68, horizon * 0.35), (width * 0.8, horizon * 0.35 + width * 0.12)],
        fill="#fff4dc",
    )
    for index in range(5):
        left = width * (0.12 + index * 0.09)
        draw.rectangle([(left, horizon - 120 - index * 30), (left + 40, horizon)], fill=ground)
    output = BytesIO()
    image.save(output, "PNG")
    return ContentFile(output.getvalue())
