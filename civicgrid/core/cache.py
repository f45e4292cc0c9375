"""Django's database cache with an incr() that every process can share.

Django's own DatabaseCache inherits BaseCache.incr, a get followed by a set: two processes can read
the same value and both write value + 1 (a rate limit then lets through more than it allows), and the
set resets the entry's expiry to the default timeout. Here the increment reads the row under a lock
(SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers) and
writes the new value in the same transaction, keeping the expiry. Redis's INCR has the same meaning.
"""

import base64
import pickle

from django.core.cache.backends import db
from django.core.cache.backends import redis as redis_backend
from django.db import connections, models, router, transaction
from django.utils.timezone import now


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table, value_column, key_column = quote(self._table), quote("value"), quote("cache_key")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value_column}, {quote('expires')} FROM {table} WHERE {key_column} = %s{lock}", [key]
            )
            row = cursor.fetchone()
            if row is None or self._expiry(connection, row[1]) < now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET {value_column} = %s WHERE {key_column} = %s", [encoded, key])
        return value

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)

    @staticmethod
    def _expiry(connection, value):
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        ):
            value = converter(value, expression, connection)
        return value


# INCRBY only while the key exists, in one step: Django's RedisCache checks EXISTS and then INCRs, and a key
# expiring in between comes back without an expiry, a rate-limit window that never ends.
_INCR_EXISTING = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end"
)


class RedisCache(redis_backend.RedisCache):
    """Django's Redis cache (CACHE_URL=redis://...) with an incr() that never outlives the entry's expiry."""

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        client = self._cache.get_client(key, write=True)
        value = client.eval(_INCR_EXISTING, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found")
        return value

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)
