-- The answers in force for a school and round are those of its latest import not withdrawn.
insert into current_schools
with

imports_in_force as (
    select import_id
    from imports
    where withdrawn_at is null
),

latest_import as (
    select
        s.round_id,
        s.inn,
        max(s.import_id) as import_id,
    from import_schools as s
    semi join imports_in_force as f on f.import_id = s.import_id
    where $round_id is null or s.round_id = $round_id
    group by s.round_id, s.inn
),

final as (
    select
        l.round_id,
        l.inn,
        l.import_id,
        s.name,
        s.municipality,
        s.region,
        s.form,
    from latest_import as l
    join import_schools as s on s.import_id = l.import_id and s.inn = l.inn
)

select * from final
