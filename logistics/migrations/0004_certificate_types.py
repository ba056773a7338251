"""Data: the certificate types an office starts with, and which categories each is mandatory for."""

from django.db import migrations

ALL = "*"
# (code, Chinese name, English name, mandatory for these category codes)
TYPES = [
    ("business_licence", "营业执照", "Business licence", [ALL]),
    ("industry_qualification", "行业资质证书", "Industry qualification", []),
    ("food_business_licence", "食品经营许可证", "Food business licence", ["canteen"]),
    ("security_service_licence", "保安服务许可证", "Security service licence", ["security"]),
    ("fire_facility_maintenance", "消防设施维护保养检测资质", "Fire-facility maintenance qualification", ["equipment"]),
    ("iso9001", "ISO 9001 质量管理体系认证", "ISO 9001 certification", []),
    ("public_health_permit", "公共场所卫生许可证", "Public-place health permit", ["barbershop"]),
    ("medical_institution_licence", "医疗机构执业许可证", "Medical institution licence", ["clinic"]),
    ("road_transport_licence", "道路运输经营许可证", "Road transport licence", ["vehicles"]),
]


def forwards(apps, schema_editor):
    CertificateType = apps.get_model("logistics", "CertificateType")
    ServiceCategory = apps.get_model("logistics", "ServiceCategory")
    categories = {c.code: c for c in ServiceCategory.objects.all()}
    for code, name, name_en, mandatory in TYPES:
        certificate_type, created = CertificateType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )
        if created:
            wanted = (
                categories.values() if mandatory == [ALL] else [categories[c] for c in mandatory if c in categories]
            )
            certificate_type.mandatory_for.add(*wanted)


class Migration(migrations.Migration):
    dependencies = [("logistics", "0003_vendors_admission_tenders")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
