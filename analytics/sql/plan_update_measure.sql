update measures
set
    track_code = $track_code,
    action = $action,
    kind = $kind,
    responsible = $responsible,
    due_on = $due_on,
    status = $status,
    comment = $comment,
    updated_by = $updated_by,
    updated_at = $updated_at
where measure_id = $measure_id
