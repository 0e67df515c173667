insert into flag_checks values ($inn, $round_id, $rule, $outcome, $comment, $checked_by, $checked_at)
