"""The PostgreSQL triggers that keep locked rows as they were (written by the apps' migrations).

Only UPDATE and DELETE are watched, and only rows that are locked (or whose parent is): inserts, such as
the quarter close's COPY of ledger lines and every history row, never call a trigger. An UPDATE goes
through inside the audited services, which set ``logistics.amending`` for their transaction
(``logistics.immutability.allow_locked_changes``); a DELETE of a locked row never does. The SQL here is
frozen once a migration uses it: change it with a new migration, not in place.
"""

from __future__ import annotations

from logistics.immutability import BYPASS_SETTING

SQLSTATE = "P0001"  # raise_exception: psycopg reports it as InternalError

#: the end of a row trigger's body that lets the change through (a DELETE returns OLD, the others NEW)
_PASS_ROW = """    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
"""


def _bypassed() -> str:
    return f"TG_OP = 'UPDATE' AND coalesce(current_setting('{BYPASS_SETTING}', true), '') = 'on'"


def own_status(table: str, locked: str, what: str) -> tuple[str, str]:
    """(forward SQL, reverse SQL) of a trigger on ``table`` refusing changes to rows whose status is ``locked``."""
    return _locked_rows(table, f"OLD.status = '{locked}'", what)


def parent_status(table: str, column: str, parent: str, locked: str, what: str) -> tuple[str, str]:
    """(forward SQL, reverse SQL) of a trigger on ``table`` refusing changes to rows whose parent
    (``column`` -> ``parent``.id) has the status ``locked``; moving a row into a locked parent is refused too."""
    body = f"""BEGIN
    IF {_bypassed()} THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM {parent} WHERE id = OLD.{column} AND status = '{locked}')
       OR (TG_OP = 'UPDATE' AND NEW.{column} IS DISTINCT FROM OLD.{column}
           AND EXISTS (SELECT 1 FROM {parent} WHERE id = NEW.{column} AND status = '{locked}')) THEN
        RAISE EXCEPTION '{_message(what, table)}', TG_OP, OLD.id USING ERRCODE = '{SQLSTATE}';
    END IF;
{_PASS_ROW}"""
    return _trigger(table, f"{table}_locked", body)


def signed_contract(table: str, what: str) -> tuple[str, str]:
    """(forward SQL, reverse SQL) of a trigger on ``table`` (a contract's terms: its versions, its clauses)
    refusing an INSERT, UPDATE or DELETE of a row whose contract is no longer a draft: a signed contract's terms
    change only by a supplementary agreement, which passes with ``logistics.amending`` like the other audited
    services. Django's flush empties tables with TRUNCATE, which fires no row trigger."""
    setting = f"coalesce(current_setting('{BYPASS_SETTING}', true), '') = 'on'"
    message = (
        what.replace("%", "%%") + f" is part of a signed contract's terms (% of {table} id %); only a "
        "supplementary agreement may change them"
    ).replace("'", "''")
    body = f"""DECLARE
    signed boolean := false;
BEGIN
    IF {setting} THEN
        signed := false;
    ELSIF TG_OP = 'INSERT' THEN
        signed := EXISTS (SELECT 1 FROM contracts_contract WHERE id = NEW.contract_id AND status <> 'draft');
    ELSIF TG_OP = 'DELETE' THEN
        signed := EXISTS (SELECT 1 FROM contracts_contract WHERE id = OLD.contract_id AND status <> 'draft');
    ELSE
        signed := EXISTS (
            SELECT 1 FROM contracts_contract WHERE id IN (OLD.contract_id, NEW.contract_id) AND status <> 'draft'
        );
    END IF;
    IF signed THEN
        RAISE EXCEPTION '{message}', TG_OP, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END
            USING ERRCODE = '{SQLSTATE}';
    END IF;
{_PASS_ROW}"""
    return _trigger(table, f"{table}_signed", body, events="INSERT OR UPDATE OR DELETE")


def own_values(table: str, column: str, locked: tuple[str, ...], what: str) -> tuple[str, str]:
    """(forward SQL, reverse SQL) of a trigger on ``table`` refusing changes to rows whose ``column`` holds one of
    the ``locked`` values (``own_status`` for a lock of several values in a column of another name)."""
    values = ", ".join("'" + value.replace("'", "''") + "'" for value in locked)
    return _locked_rows(table, f"OLD.{column} IN ({values})", what)


def append_only(table: str, what: str) -> tuple[str, str]:
    """(forward SQL, reverse SQL) of a trigger on ``table`` refusing every UPDATE and DELETE: a record of who did
    what (an approval), written once and never changed, not even by the audited services."""
    message = (what.replace("%", "%%") + f" is never changed (% of {table} id %)").replace("'", "''")
    body = f"""BEGIN
    RAISE EXCEPTION '{message}', TG_OP, OLD.id USING ERRCODE = '{SQLSTATE}';
END;
"""
    return _trigger(table, f"{table}_append_only", body)


def _locked_rows(table: str, condition: str, what: str) -> tuple[str, str]:
    """A trigger on ``table`` refusing changes to the rows meeting ``condition`` (SQL on ``OLD``)."""
    body = f"""BEGIN
    IF {_bypassed()} THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{_message(what, table)}', TG_OP, OLD.id USING ERRCODE = '{SQLSTATE}';
END;
"""
    return _trigger(table, f"{table}_locked", body, when=f"WHEN ({condition}) ")


def _trigger(table: str, name: str, body: str, *, events: str = "UPDATE OR DELETE", when: str = "") -> tuple[str, str]:
    """(forward SQL, reverse SQL) of the function ``name`` (its plpgsql ``body``) run before ``events`` on each
    row of ``table`` (``when``: an optional ``WHEN (...)`` clause)."""
    forward = f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
{body}$$;
DROP TRIGGER IF EXISTS {name} ON {table};
CREATE TRIGGER {name} BEFORE {events} ON {table}
    FOR EACH ROW {when}EXECUTE FUNCTION {name}();
"""
    return forward, _drop(table, name)


def _message(what: str, table: str) -> str:
    """The RAISE format (its two ``%`` take TG_OP and the row's id), quoted for a SQL string literal."""
    text = what.replace("%", "%%") + f" is locked (% of {table} id %); only its audited amendment or reopening"
    return (text + " may change it").replace("'", "''")


def _drop(table: str, name: str) -> str:
    return f"DROP TRIGGER IF EXISTS {name} ON {table};\nDROP FUNCTION IF EXISTS {name}();\n"


def operation(*pairs: tuple[str, str]):
    """A migration operation that writes the triggers on PostgreSQL and does nothing elsewhere.

    SQLite gets none: it has no transaction-local setting for the audited services to pass with, and
    Django's ``flush`` (between transactional tests) empties tables with DELETE, which a trigger there
    would refuse; the model, queryset, admin and API guards hold on SQLite.
    """
    from django.db import migrations

    forward = "\n".join(f for f, _r in pairs)
    reverse = "\n".join(r for _f, r in reversed(pairs))

    def apply(sql: str):
        def run(apps, schema_editor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql, params=None)

        return run

    return migrations.RunPython(apply(forward), apply(reverse), elidable=False)
