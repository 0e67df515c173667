-- Measures with their school and target indicators; `is_overdue` when the due date has passed
-- ($today) and the measure is still open ($open_statuses: запланировано, выполняется). A measure
-- marked «не выполнено» already has its outcome recorded and is counted by status, not as overdue.
with

targets as (
    select
        measure_id,
        list(number order by number) as numbers,
    from measure_indicators
    group by measure_id
),

listed as (
    select
        m.*,
        coalesce(t.numbers, []) as numbers,
        m.due_on < $today and list_contains($open_statuses, m.status) as is_overdue,
    from measures as m
    left join targets as t on t.measure_id = m.measure_id
    where
        ($round_id is null or m.round_id = $round_id)
        and ($inn is null or m.inn = $inn)
        and ($measure_id is null or m.measure_id = $measure_id)
),

final as (
    select
        l.measure_id,
        r.name as round_name,
        l.inn,
        s.name,
        s.municipality,
        l.track_code,
        tr.track_name,
        l.numbers,
        l.action,
        l.kind,
        l.responsible,
        l.due_on,
        l.status,
        l.is_overdue,
        l.comment,
        l.updated_by,
        l.updated_at,
    from listed as l
    join rounds as r on r.round_id = l.round_id
    left join schools as s on s.inn = l.inn
    left join tracks as tr on tr.version = r.methodology and tr.track_code = l.track_code
    where
        ($municipality is null or s.municipality = $municipality)
        and (not $only_overdue or l.is_overdue)
)

select * from final
order by municipality, name, inn, round_name, due_on, measure_id
