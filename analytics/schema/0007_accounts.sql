-- Who may sign in, what they did, and which store is the demo (analytics/accounts.py,
-- analytics/audit.py). A password is kept only as its argon2 hash; a coordinator's municipality is
-- the only one whose schools they may read. The audit log is append-only: the engine has an
-- insert for it and nothing that updates or deletes its rows.
create table accounts (
    login varchar primary key,
    display_name varchar not null,
    role varchar not null check (role in ('operator', 'coordinator', 'observer')),
    municipality varchar,
    password_hash varchar not null,
    disabled boolean not null default false,
    failed_attempts integer not null default 0,
    locked_until timestamp,
    created_at timestamp not null,
    check ((role = 'coordinator') = (municipality is not null))
);

create sequence audit_log_order;

create table audit_log (
    entry_id bigint not null default nextval('audit_log_order'),
    "at" timestamp not null,
    login varchar,
    action varchar not null,
    details varchar
);

-- name → value; 'demo_store' = 'yes' only in a store built by analytics/demo_db.py, so only the
-- demo's login page names its demo accounts.
create table settings (
    name varchar primary key,
    value varchar not null
);

alter table imports add column imported_by varchar;
