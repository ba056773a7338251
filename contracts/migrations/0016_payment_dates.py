"""A terms version may set its own payment dates (the cycle "on the dates the contract sets")."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0015_payment_requests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="instalment",
            name="contracts_instalment_cycle_valid",
        ),
        migrations.RemoveConstraint(
            model_name="termsversion",
            name="contracts_termsversion_cycle_valid",
        ),
        migrations.AddField(
            model_name="historicaltermsversion",
            name="payment_dates",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="With the cycle on the dates the contract sets: the last day of each payment period in every year, as MM-DD (for example 06-30 and 12-31).",
                verbose_name="payment dates",
            ),
        ),
        migrations.AddField(
            model_name="termsversion",
            name="payment_dates",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="With the cycle on the dates the contract sets: the last day of each payment period in every year, as MM-DD (for example 06-30 and 12-31).",
                verbose_name="payment dates",
            ),
        ),
        migrations.AlterField(
            model_name="historicalinstalment",
            name="cycle",
            field=models.CharField(
                choices=[
                    ("monthly", "Monthly"),
                    ("quarterly", "Quarterly"),
                    ("yearly", "Yearly"),
                    ("dates", "On the dates the contract sets"),
                ],
                max_length=10,
                verbose_name="payment cycle",
            ),
        ),
        migrations.AlterField(
            model_name="historicaltermsversion",
            name="payment_cycle",
            field=models.CharField(
                choices=[
                    ("monthly", "Monthly"),
                    ("quarterly", "Quarterly"),
                    ("yearly", "Yearly"),
                    ("dates", "On the dates the contract sets"),
                ],
                default="quarterly",
                max_length=10,
                verbose_name="payment cycle",
            ),
        ),
        migrations.AlterField(
            model_name="instalment",
            name="cycle",
            field=models.CharField(
                choices=[
                    ("monthly", "Monthly"),
                    ("quarterly", "Quarterly"),
                    ("yearly", "Yearly"),
                    ("dates", "On the dates the contract sets"),
                ],
                max_length=10,
                verbose_name="payment cycle",
            ),
        ),
        migrations.AlterField(
            model_name="termsversion",
            name="payment_cycle",
            field=models.CharField(
                choices=[
                    ("monthly", "Monthly"),
                    ("quarterly", "Quarterly"),
                    ("yearly", "Yearly"),
                    ("dates", "On the dates the contract sets"),
                ],
                default="quarterly",
                max_length=10,
                verbose_name="payment cycle",
            ),
        ),
        migrations.AddConstraint(
            model_name="instalment",
            constraint=models.CheckConstraint(
                condition=models.Q(("cycle__in", ["monthly", "quarterly", "yearly", "dates"])),
                name="contracts_instalment_cycle_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="termsversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("payment_cycle__in", ["monthly", "quarterly", "yearly", "dates"])),
                name="contracts_termsversion_cycle_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="termsversion",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("payment_cycle", "dates"), models.Q(("payment_dates", []), _negated=True)),
                    models.Q(models.Q(("payment_cycle", "dates"), _negated=True), ("payment_dates", [])),
                    _connector="OR",
                ),
                name="contracts_termsversion_dates_with_their_cycle",
            ),
        ),
    ]
