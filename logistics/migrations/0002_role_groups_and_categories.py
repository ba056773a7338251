"""Data: the four role groups with their model permissions, and the twelve service categories.

The categories are those of the municipal compound in seeds/001 (市政大院服务项目): security, conference
service, canteen, barbershop, clinic, equipment maintenance, cleaning, vehicles, greening, leaders'
residences, print centre and square management.
"""

from django.db import migrations

SERVICE_CATEGORIES = [
    ("security", "安全保卫", "Security", 10),
    ("conference", "会议服务", "Conference service", 20),
    ("canteen", "机关餐厅", "Canteen", 30),
    ("barbershop", "机关理发室", "Barbershop", 40),
    ("clinic", "机关门诊部", "Clinic", 50),
    ("equipment", "设备维修", "Equipment maintenance", 60),
    ("cleaning", "卫生保洁", "Cleaning", 70),
    ("vehicles", "车辆服务", "Vehicle service", 80),
    ("greening", "绿化养护", "Greening", 90),
    ("residences", "领导生活房", "Leaders' residences", 100),
    ("print", "机关文印中心", "Print centre", 110),
    ("square", "人民广场管理", "People's Square management", 120),
]


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from logistics.roles import sync_role_groups

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def create_categories(apps, schema_editor):
    ServiceCategory = apps.get_model("logistics", "ServiceCategory")
    for code, name, name_en, order in SERVICE_CATEGORIES:
        ServiceCategory.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_groups, migrations.RunPython.noop),
        migrations.RunPython(create_categories, migrations.RunPython.noop),
    ]
