-- The outcome of one password check: the failure count and the lockout it leads to.
update accounts
set failed_attempts = $failed_attempts, locked_until = $locked_until
where login = $login
