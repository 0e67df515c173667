insert into measures
select
    coalesce(max(measure_id), 0) + 1,
    $inn,
    $round_id,
    $track_code,
    $action,
    $kind,
    $responsible,
    $due_on,
    $status,
    $comment,
    $updated_by,
    $updated_at,
from measures
returning measure_id
