# Sourced by .ci/run (as root, Debian 12): start PostgreSQL and give the registry tests a
# database of their own. Idempotent: a second run finds the cluster up and the role present.
# shellcheck shell=bash

jcstar_pg_version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$jcstar_pg_version" ]]; then
    echo "setup-postgres: PostgreSQL is not installed (.ci/registry-packages.txt lists it)" >&2
    return 1
fi
# read the cluster list once (grep -q on a pipe could end it early and trip pipefail)
jcstar_pg_clusters=$(pg_lsclusters -h 2>/dev/null || true)
if [[ "$jcstar_pg_clusters" != *"$jcstar_pg_version main "* ]]; then
    pg_createcluster "$jcstar_pg_version" main >/dev/null
fi
if [[ "$(pg_lsclusters -h)" != *"$jcstar_pg_version main "*" online "* ]]; then
    pg_ctlcluster "$jcstar_pg_version" main start
fi

# a role that may create schemas in its own database; the test fixtures give each test a
# schema of its own and drop it afterwards. UTF-8 so that trigram search indexes Japanese.
su postgres -c "psql -q -v ON_ERROR_STOP=1" <<'SQL'
SELECT 'CREATE ROLE jcstar_test LOGIN PASSWORD ''jcstar_test'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jcstar_test')\gexec
SELECT 'CREATE DATABASE jcstar_test OWNER jcstar_test ENCODING ''UTF8'' LC_COLLATE ''C.UTF-8'' LC_CTYPE ''C.UTF-8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'jcstar_test')\gexec
\c jcstar_test
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
SQL

export JCSTAR_TEST_DATABASE_URL="postgresql+psycopg://jcstar_test:jcstar_test@127.0.0.1:5432/jcstar_test"
unset jcstar_pg_version jcstar_pg_clusters
