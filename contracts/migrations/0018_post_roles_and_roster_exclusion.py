"""Data: the post roles an office starts with; on PostgreSQL, the roster's exclusion constraints (one person is
not twice on the same post, nor on two full-time posts, for any same day). SQLite has no exclusion constraint:
there the service's check is the only one (``contracts.selectors_staffing.overlap_problem``)."""

from django.db import migrations

#: (code, Chinese, English)
ROLES = [
    ("project_manager", "项目经理", "Project manager"),
    ("cleaning_supervisor", "保洁领班", "Cleaning supervisor"),
    ("cleaner", "保洁员", "Cleaner"),
    ("security_captain", "保安队长", "Security captain"),
    ("security_guard", "保安员", "Security guard"),
    ("head_cook", "厨师长", "Head cook"),
    ("cook", "厨师", "Cook"),
    ("kitchen_helper", "帮厨", "Kitchen helper"),
    ("electrician", "值班电工", "Duty electrician"),
    ("hvac_technician", "暖通技师", "HVAC technician"),
    ("gardener", "绿化工", "Gardener"),
    ("driver", "驾驶员", "Driver"),
    ("conference_attendant", "会务服务员", "Conference attendant"),
    ("physician", "医生", "Physician"),
    ("print_clerk", "文印员", "Print-room clerk"),
]

EXCLUSIONS = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE contracts_rosterentry ADD CONSTRAINT contracts_rosterentry_once_per_post
    EXCLUDE USING gist (post_id WITH =, staff_id WITH =, daterange(starts_on, leaves_on, '[]') WITH &&);
ALTER TABLE contracts_rosterentry ADD CONSTRAINT contracts_rosterentry_one_full_time_post
    EXCLUDE USING gist (staff_id WITH =, daterange(starts_on, leaves_on, '[]') WITH &&) WHERE (full_time);
"""
DROP = """
ALTER TABLE contracts_rosterentry DROP CONSTRAINT IF EXISTS contracts_rosterentry_once_per_post;
ALTER TABLE contracts_rosterentry DROP CONSTRAINT IF EXISTS contracts_rosterentry_one_full_time_post;
"""


def roles(apps, schema_editor):
    PostRole = apps.get_model("contracts", "PostRole")
    for order, (code, name, name_en) in enumerate(ROLES, start=1):
        PostRole.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "sort_order": order * 10})


def exclusions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(EXCLUSIONS)


def drop_exclusions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0017_posts_and_roster")]
    operations = [
        migrations.RunPython(roles, migrations.RunPython.noop),
        migrations.RunPython(exclusions, drop_exclusions),
    ]
