"""A signed contract's terms versions and clauses: the PostgreSQL triggers (the model guards hold on SQLite)."""

from django.db import migrations

from logistics import locking_sql


class Migration(migrations.Migration):
    dependencies = [("contracts", "0006_terms_versions_required")]

    operations = [
        locking_sql.operation(
            locking_sql.signed_contract("contracts_termsversion", "a terms version"),
            locking_sql.signed_contract("contracts_clause", "a clause"),
        )
    ]
