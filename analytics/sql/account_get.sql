select login, display_name, role, municipality, password_hash, disabled, failed_attempts, locked_until
from accounts
where login = $login
