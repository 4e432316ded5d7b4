"""The check-in batch's two statements, compiled once instead of on every batch.

A batch of check-ins reads the scanned people by token and inserts their CheckIn and CheckInEvent
rows. Through the ORM (a queryset, `bulk_create`) each of those statements is compiled again on
every batch, and for the few rows of a batch at the door compiling costs more than running:
measured on the check-in path, the ORM's query setup and insert compilation were about half of
the database thread's time. Here each statement is built once per connection and row count; the
values still go through the fields' own conversions (`get_db_prep_save`, the backend's
converters), so what is stored and read back is exactly what the ORM would store and read.
"""
import functools

from django.db import connections

from meetings.models import Registration

CACHE_ATTRIBUTE = "_prachum_batch_statements"


def _cached(connection, key, build):
    """A statement compiled for this connection object (one per thread), kept on it: the compiled
    lookup refers to its connection, so a cache outside it would keep every thread's connection
    object alive."""
    statements = connection.__dict__.setdefault(CACHE_ATTRIBUTE, {})
    statement = statements.get(key)
    if statement is None:
        statement = statements[key] = build()
    return statement


class _RegistrationLookup:
    """SELECT every column of the registrations whose token_key is one of `count` keys."""

    def __init__(self, connection, count):
        queryset = Registration.objects.using(connection.alias).filter(token_key__in=[f"k{i}" for i in range(count)]).order_by()
        compiler = queryset.query.get_compiler(connection=connection)
        self.sql, _ = compiler.as_sql()
        columns = [column for column, _, _ in compiler.select]
        self.attnames = [column.target.attname for column in columns]
        self.converters = compiler.get_converters(columns)
        self.compiler = compiler
        self.alias = connection.alias

    def fetch(self, keys):
        with self.compiler.connection.cursor() as cursor:
            cursor.execute(self.sql, list(keys))
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        return [Registration.from_db(self.alias, self.attnames, row) for row in rows]


def registrations_by_token_key(keys, using="default"):
    """The registrations with these token keys (any order; unknown keys are left out)."""
    keys = sorted(set(keys))
    if not keys:
        return []
    connection = connections[using]
    return _cached(connection, ("registrations", len(keys)), lambda: _RegistrationLookup(connection, len(keys))).fetch(keys)


@functools.lru_cache(maxsize=None)
def _insert_fields(model):
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _insert_sql(connection, model, rows):
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * rows)} RETURNING {quote(model._meta.pk.column)}"
    )


def insert_all(objs, using="default"):
    """INSERT new, unsaved instances of one model (with an automatic primary key) in one statement
    and set their primary keys, as `bulk_create` does on a database that returns them."""
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert:
        return model.objects.using(using).bulk_create(objs)
    fields = _insert_fields(model)
    params = []
    for obj in objs:
        for field in fields:
            params.append(field.get_db_prep_save(field.pre_save(obj, True), connection=connection))
    sql = _cached(connection, ("insert", model, len(objs)), lambda: _insert_sql(connection, model, len(objs)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = cursor.fetchall()
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    return objs
