-- A new password also lifts a lockout: the operator has just spoken to the account's owner.
update accounts
set password_hash = $password_hash, failed_attempts = 0, locked_until = null
where login = $login
