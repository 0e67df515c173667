update accounts set disabled = true where login = $login
