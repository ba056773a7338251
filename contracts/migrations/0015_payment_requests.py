"""Payment requests (付款审批单) and their approval chain; a closed request is locked and an approval never
changes (on PostgreSQL by triggers too)."""

import django.db.models.deletion
import logistics.uploads
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from logistics import locking_sql


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0014_instalments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalPaymentRequest",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("created_at", models.DateTimeField(blank=True, editable=False, verbose_name="created at")),
                ("updated_at", models.DateTimeField(blank=True, editable=False, verbose_name="updated at")),
                ("sha256", models.CharField(blank=True, max_length=64, verbose_name="SHA-256")),
                ("error", models.TextField(blank=True, verbose_name="error")),
                ("first_day", models.DateField(verbose_name="from")),
                ("last_day", models.DateField(verbose_name="to")),
                ("number", models.CharField(db_index=True, max_length=20, verbose_name="number")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="amount requested")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("open", "In the approval chain"),
                            ("paid", "Paid"),
                            ("returned", "Returned by finance"),
                            ("withdrawn", "Withdrawn: the amount changed"),
                        ],
                        default="open",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("closed_reason", models.TextField(blank=True, verbose_name="why it was returned or withdrawn")),
                ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="closed at")),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Being prepared"), ("ready", "Ready"), ("failed", "Failed")],
                        default="pending",
                        max_length=8,
                        verbose_name="PDF",
                    ),
                ),
                ("file", models.TextField(blank=True, max_length=100, verbose_name="file")),
                ("rendered_at", models.DateTimeField(blank=True, null=True, verbose_name="rendered at")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
            ],
            options={
                "verbose_name": "historical payment request",
                "verbose_name_plural": "historical payment requests",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="PaymentApproval",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "step",
                    models.CharField(
                        choices=[("office", "Logistics office"), ("finance", "Finance")],
                        max_length=10,
                        verbose_name="step",
                    ),
                ),
                (
                    "decision",
                    models.CharField(
                        choices=[("approved", "Approved"), ("returned", "Returned")],
                        max_length=10,
                        verbose_name="decision",
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="at")),
                ("remarks", models.TextField(blank=True, verbose_name="remarks")),
            ],
            options={
                "verbose_name": "approval",
                "verbose_name_plural": "approvals",
                "ordering": ["request", "at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="PaymentRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("sha256", models.CharField(blank=True, max_length=64, verbose_name="SHA-256")),
                ("error", models.TextField(blank=True, verbose_name="error")),
                ("first_day", models.DateField(verbose_name="from")),
                ("last_day", models.DateField(verbose_name="to")),
                ("number", models.CharField(max_length=20, unique=True, verbose_name="number")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="amount requested")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("open", "In the approval chain"),
                            ("paid", "Paid"),
                            ("returned", "Returned by finance"),
                            ("withdrawn", "Withdrawn: the amount changed"),
                        ],
                        default="open",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("closed_reason", models.TextField(blank=True, verbose_name="why it was returned or withdrawn")),
                ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="closed at")),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Being prepared"), ("ready", "Ready"), ("failed", "Failed")],
                        default="pending",
                        max_length=8,
                        verbose_name="PDF",
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        blank=True,
                        storage=logistics.uploads.private_storage,
                        upload_to=logistics.uploads.RandomName("payments"),
                        verbose_name="file",
                    ),
                ),
                ("rendered_at", models.DateTimeField(blank=True, null=True, verbose_name="rendered at")),
            ],
            options={
                "verbose_name": "payment request",
                "verbose_name_plural": "payment requests",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="instalment",
            name="contracts_instalment_paid_recorded",
        ),
        migrations.RemoveConstraint(
            model_name="instalment",
            name="contracts_instalment_status_valid",
        ),
        migrations.AlterField(
            model_name="historicalinstalment",
            name="status",
            field=models.CharField(
                choices=[
                    ("scheduled", "Not requested yet"),
                    ("requested", "Awaiting finance"),
                    ("approved", "Approved for payment"),
                    ("paid", "Paid"),
                ],
                default="scheduled",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="instalment",
            name="status",
            field=models.CharField(
                choices=[
                    ("scheduled", "Not requested yet"),
                    ("requested", "Awaiting finance"),
                    ("approved", "Approved for payment"),
                    ("paid", "Paid"),
                ],
                default="scheduled",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AddConstraint(
            model_name="instalment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("paid_on__isnull", True), ("status", "scheduled")),
                    models.Q(
                        ("paid_on__isnull", True), ("status__in", ("requested", "approved")), ("amount__isnull", False)
                    ),
                    models.Q(
                        ("amount__isnull", False),
                        ("paid_on__isnull", False),
                        ("status", "paid"),
                        models.Q(("voucher", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="contracts_instalment_paid_recorded",
            ),
        ),
        migrations.AddConstraint(
            model_name="instalment",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["scheduled", "requested", "approved", "paid"])),
                name="contracts_instalment_status_valid",
            ),
        ),
        migrations.AddField(
            model_name="historicalpaymentrequest",
            name="contract",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="contracts.contract",
                verbose_name="contract",
            ),
        ),
        migrations.AddField(
            model_name="historicalpaymentrequest",
            name="history_user",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="historicalpaymentrequest",
            name="instalment",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Empty once its period is no longer paid (the contract ended earlier): the request keeps it.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="contracts.instalment",
                verbose_name="instalment",
            ),
        ),
        migrations.AddField(
            model_name="paymentapproval",
            name="by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="by",
            ),
        ),
        migrations.AddField(
            model_name="paymentrequest",
            name="contract",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payment_requests",
                to="contracts.contract",
                verbose_name="contract",
            ),
        ),
        migrations.AddField(
            model_name="paymentrequest",
            name="instalment",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty once its period is no longer paid (the contract ended earlier): the request keeps it.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="requests",
                to="contracts.instalment",
                verbose_name="instalment",
            ),
        ),
        migrations.AddField(
            model_name="paymentapproval",
            name="request",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="approvals",
                to="contracts.paymentrequest",
                verbose_name="payment request",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "open")),
                fields=("instalment",),
                name="contracts_paymentrequest_one_open_per_instalment",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("closed_reason", ""), ("state__in", ("open", "paid"))),
                    models.Q(("state__in", ("returned", "withdrawn")), models.Q(("closed_reason", ""), _negated=True)),
                    _connector="OR",
                ),
                name="contracts_paymentrequest_closing_has_its_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "open"), _negated=True), ("instalment__isnull", False), _connector="OR"
                ),
                name="contracts_paymentrequest_open_for_an_instalment",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("closed_at__isnull", True), ("state", "open")),
                    models.Q(models.Q(("state", "open"), _negated=True), ("closed_at__isnull", False)),
                    _connector="OR",
                ),
                name="contracts_paymentrequest_closed_when_not_open",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(("state__in", ["open", "paid", "returned", "withdrawn"])),
                name="contracts_paymentrequest_state_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["pending", "ready", "failed"])),
                name="contracts_paymentrequest_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentapproval",
            constraint=models.UniqueConstraint(
                fields=("request", "step"), name="contracts_paymentapproval_one_per_step"
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentapproval",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("decision", "returned"), _negated=True),
                    models.Q(("remarks", ""), _negated=True),
                    _connector="OR",
                ),
                name="contracts_paymentapproval_return_has_its_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentapproval",
            constraint=models.CheckConstraint(
                condition=models.Q(("step__in", ["office", "finance"])), name="contracts_paymentapproval_step_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentapproval",
            constraint=models.CheckConstraint(
                condition=models.Q(("decision__in", ["approved", "returned"])),
                name="contracts_paymentapproval_decision_valid",
            ),
        ),
        locking_sql.operation(
            locking_sql.own_values(
                "contracts_paymentrequest", "state", ("paid", "returned", "withdrawn"), "A closed payment request"
            ),
            locking_sql.append_only("contracts_paymentapproval", "A signature of the approval chain"),
        ),
    ]
