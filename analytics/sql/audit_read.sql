select "at", login, action, details
from audit_log
where
    ($since is null or "at" >= $since)
    and ($until is null or "at" < $until)
    and ($login is null or login = $login)
    and ($action is null or action = $action)
order by entry_id
