"""Every existing contract becomes terms version 1, with the numbers it had: the annual fee and payment
cycle of the contract row, in force from its start date, owning all its clauses (so every ledger line a
clause priced names it through its clause). Every settlement names that version; its fee basis records the
days that priced its fee under the rule it was computed with (the contract's start to its end, or the day
before termination).
No amount changes: the settlements, final or not, keep their fee, deductions and payable to the cent."""

import datetime as dt

from django.db import migrations


def _quarter_days(key: str) -> tuple[dt.date, dt.date]:
    year, number = int(key[:4]), int(key[5])
    first = dt.date(year, 3 * (number - 1) + 1, 1)
    after = dt.date(year + 1, 1, 1) if number == 4 else dt.date(year, 3 * number + 1, 1)
    return first, after - dt.timedelta(days=1)


def forward(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    TermsVersion = apps.get_model("contracts", "TermsVersion")
    Clause = apps.get_model("contracts", "Clause")
    Settlement = apps.get_model("contracts", "Settlement")
    free = list(Contract.objects.filter(annual_fee__lte=0).values_list("number", flat=True))
    if free:
        raise RuntimeError(
            "These contracts have an annual fee of 0 or less, which a terms version does not allow: "
            + ", ".join(free)
            + ". Correct their fee (draft contracts: in the admin) and migrate again."
        )
    if schema_editor.connection.vendor == "postgresql":
        # final settlements are locked by triggers: this step only names their version
        schema_editor.execute("SELECT set_config('logistics.amending', 'on', true)")
    for contract in Contract.objects.all().iterator():
        version = TermsVersion.objects.create(
            contract=contract,
            number=1,
            effective_from=contract.start_date,
            annual_fee=contract.annual_fee,
            payment_cycle=contract.payment_cycle,
        )
        Clause.objects.filter(contract=contract).update(terms=version)
        end = min(contract.end_date, contract.ended_on) if contract.ended_on else contract.end_date
        for settlement in Settlement.objects.filter(contract=contract):
            first, last = _quarter_days(settlement.quarter)
            first, last = max(first, contract.start_date), min(last, end)
            days = max(0, (last - first).days + 1)
            settlement.terms = version
            settlement.fee_basis = (
                [
                    {
                        "version": 1,
                        "terms": version.pk,
                        "first": first.isoformat(),
                        "last": last.isoformat(),
                        "days": days,
                        "annual_fee": str(contract.annual_fee),
                    }
                ]
                if days
                else []
            )
            settlement.save(update_fields=["terms", "fee_basis"])
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SELECT set_config('logistics.amending', '', true)")


def backward(apps, schema_editor):
    TermsVersion = apps.get_model("contracts", "TermsVersion")
    Contract = apps.get_model("contracts", "Contract")
    for version in TermsVersion.objects.filter(number=1):
        Contract.objects.filter(pk=version.contract_id).update(
            annual_fee=version.annual_fee, payment_cycle=version.payment_cycle
        )


class Migration(migrations.Migration):
    dependencies = [("contracts", "0004_terms_versions")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
